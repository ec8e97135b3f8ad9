"""The catalogue of question kinds: fields, and the shape of each answer."""

import re
from pathlib import Path

import pytest

from derive.problem.assignment import Part, Question, load_assignment
from derive.problem.catalogue import (FORMULA_KINDS, KINDS, STEP_KINDS, answer_shape, classes,
                                      param_layer, param_names, param_shape, value_names,
                                      value_shape)
from derive.problem.spec import Layer, Network

DOC = Path(__file__).resolve().parents[2] / "docs" / "ASSIGNMENTS.md"
NET = Network(3, (Layer(4, "tanh"), Layer(5, "relu"), Layer(2, "softmax")), "nllm")


def q(kind, **options):
    return Question("q", kind, 1, tuple(options.items()))


def test_the_documented_catalogue_is_the_code_s():
    catalogue = DOC.read_text().split("## The catalogue of question kinds", 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]*) \|", catalogue, re.M)
    assert [kind for kind, _ in rows] == list(KINDS)
    for kind, fields in rows:
        for name in KINDS[kind].fields:
            assert f"`{name}`" in fields, (kind, name)


def test_kind_groups_are_kinds():
    assert set(STEP_KINDS) <= set(KINDS)
    # the formula kinds, as the key and the grader know them (read off the catalogue)
    assert FORMULA_KINDS == ("activation", "activation-derivative", "softmax-jacobian", "loss",
                             "output-gradient", "gradient-formula")
    assert all(KINDS[k].numeric and "param" in KINDS[k].required for k in STEP_KINDS)


def test_parameters_by_layer():
    assert param_names(NET) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert param_layer(NET, "W3") == ("W", 3) and param_layer(NET, "b1") == ("b", 1)
    for bad in ("W4", "b0", "W", "w1", "W01", "x", 3, None, "W1 "):
        assert param_layer(NET, bad) is None, bad
    assert [param_shape(NET, p) for p in param_names(NET)] == [
        (3, 4), (4,), (4, 5), (5,), (5, 2), (2,)]


def test_forward_quantities():
    assert value_names(NET) == ["z1", "z2", "z3", "a1", "a2", "a3", "output", "loss"]
    assert [value_shape(NET, v) for v in value_names(NET)] == [
        (4,), (5,), (2,), (4,), (5,), (2,), (2,), ()]
    for bad in ("a4", "z0", "a", "out", "", 1):
        assert value_shape(NET, bad) is None


def test_classes_of_a_probability():
    assert classes(NET) == 2
    assert classes(Network(2, (Layer(1, "sigmoid"),), "nll")) == 1
    assert classes(Network(2, (Layer(2, "sigmoid"),), "nll")) == 0
    assert classes(Network(2, (Layer(1, "identity"),), "mse")) == 0


@pytest.mark.parametrize("question,shape", [
    (q("activation", activation="tanh"), "formula"),
    (q("activation-derivative", activation="relu"), "formula"),
    (q("softmax-jacobian"), "formula"),
    (q("loss", loss="mse"), "formula"),
    (q("output-gradient"), "formula"),
    (q("gradient-formula", param="W3"), "formula"),
    (q("forward", value="a2"), (5,)),
    (q("forward", value="z1"), (4,)),
    (q("forward", value="output"), (2,)),
    (q("after-step", value="loss"), ()),
    (q("probability", **{"class": 2}), ()),
    (q("gradient", param="W2"), (4, 5)),
    (q("gradient", param="b2"), (5,)),
    (q("step", param="W1"), (3, 4)),
    (q("gradient-step", param="b3"), {"grad": (2,), "new": (2,)}),
])
def test_answer_shapes(question, shape):
    part = Part("p", "P", (question,), network=NET)
    assert answer_shape(part, question) == shape


def test_every_shipped_question_has_a_shape():
    for name in ("reference", "tanh-mse", "sigmoid-softmax", "logistic"):
        for part, question in load_assignment(name).questions():
            shape = answer_shape(part, question)
            assert shape == "formula" or isinstance(shape, (tuple, dict))
