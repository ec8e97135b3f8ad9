"""Schema 2 keys read by the grader, and answers validated by their shapes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.grading.compare import _same
from derive.grading.formulas import AnswerError, parse_expression
from derive.grading.rules import Rules
from derive.grading.kind_answers import (as_submitted, check_key, csv_columns, formula_names,
                                         items_of, parts_of, validate)
from derive.numerics.key import build_assignment_key
from derive.problem.spec import InputError
from tests.grading.examples import EXAMPLES, NAMES


@pytest.fixture(scope="module")
def keys():
    return {n: json.loads(json.dumps(build_assignment_key(EXAMPLES[n]()))) for n in NAMES}


def test_parts_are_rebuilt_from_the_key(keys):
    for name, key in keys.items():
        a = EXAMPLES[name]()
        rebuilt = {p.id: p for p in parts_of(key)}
        for p in a.parts:
            assert rebuilt[p.id].network == p.network
            assert rebuilt[p.id].step_params == p.step_params
            if p.given is not None:
                assert rebuilt[p.id].given.to_json() == json.loads(json.dumps(p.given.to_json()))


def test_items_know_their_shapes(keys):
    items = {i.id: i for i in items_of(keys["tanh-mse"])}
    assert items["q1"].formula and items["q1"].names == {"z": items["q1"].names["z"]}
    assert items["q4"].expected.shape == (4,) and items["q6"].expected.shape == ()
    assert items["q8"].expected["new"].shape == (3, 4)
    ref = {i.id: i for i in items_of(keys["reference"])}
    assert ref["q4"].formula and not ref["q5"].manual and ref["q5"].expected.shape == ()
    jacobian = {i.id: i for i in items_of(keys["sigmoid-softmax"])
                if i.kind == "softmax-jacobian"}
    assert jacobian and all(i.manual for i in jacobian.values())


def test_formula_names_leave_out_functions():
    assert set(formula_names("x_k*(a - y) + exp(-z) + sigmoid(z) + pi")) == \
        {"x_k", "x", "a", "y", "z"}


def test_an_index_may_be_left_out_when_that_is_not_ambiguous():
    names = formula_names("x_k*(a - y)")
    assert names["x"] is names["x_k"]
    assert set(formula_names("a_j - y_j")) == {"a_j", "a", "y_j", "y"}
    assert "a" not in formula_names("a_j*a_k") and "a1" in formula_names("a1_k*(a - y)")


def test_a_softmax_formula_has_its_sum_over_k(keys):
    [q4] = [i for i in items_of(keys["reference"]) if i.id == "q4"]
    names = q4.names
    assert set(names) == {"z_j", "z_k", "n", "M"}
    same = [parse_expression(t, names=names) for t in
            ("exp(z[j])/sum(exp(z[k]))", "exp(z_j)/Sum(exp(z_k), (k, 1, n))",
             "exp(z_j - M)/sum(exp(z_k - M))")]
    assert same[0] == same[1] == q4.expected
    assert all(_same(e, q4.expected, "q4", Rules()) for e in same)
    assert not _same(parse_expression("exp(z_j)", names=names), q4.expected, "q4", Rules())
    for bad in ("Sum(exp(z_k), (j, 1, n))", "z[q]", "sum(exp(z_k), 2)"):
        with pytest.raises(AnswerError):
            parse_expression(bad, names=names)
    with pytest.raises(AnswerError):      # no sums where the key has none
        parse_expression("sum(z)", names=formula_names("1/(1 + exp(-z))"))


def test_answers_are_checked_against_the_key_shape(keys):
    items = {i.id: i for i in items_of(keys["tanh-mse"])}
    assert validate(items["q4"], [1, 2, 3]).value.shape == (3,)   # a wrong size is graded
    assert validate(items["q4"], [[1, 2], [3, 4]]).error == "expected a flat list of numbers"
    assert "expected a vector" in validate(items["q4"], 3).error
    assert validate(items["q6"], {"value": "ln(2)"}).value == pytest.approx(np.log(2))
    pair = validate(items["q8"], {"grad": [[1] * 4] * 3, "W": [[0] * 4] * 3})
    assert pair.error is None and pair.value["new"].shape == (3, 4)
    assert "unknown part 'W2'" in validate(items["q8"], {"W2": [[1]]}).error
    bare = validate(items["q8"], [[0] * 4] * 3)
    assert bare.value["grad"] is None and bare.notes
    assert "unknown name 'x'" in validate(items["q1"], "tanh(x)").error
    assert validate(items["q1"], "__import__('os')").error


def test_csv_columns_name_both_parts_of_a_gradient_step(keys):
    cols = csv_columns(items_of(keys["logistic"]))
    assert {"q9.grad", "q9.new", "q10.new", "q1", "student", "variant"} <= cols
    assert "q7.grad" not in cols


def test_check_key_names_the_question(keys):
    key = json.loads(json.dumps(keys["logistic"]))
    del key["answers"]["q7"]
    with pytest.raises(InputError, match="key reference: q7"):
        check_key(key, "--key")
    assert check_key(keys["logistic"], "--key") is keys["logistic"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(NAMES), st.data())
def test_the_key_answers_validate_as_themselves(keys, name, data):
    """Any answer of the key, submitted, validates to the key's value."""
    key = keys[name]
    item = data.draw(st.sampled_from([i for i in items_of(key) if not i.manual]))
    got = validate(item, as_submitted(key["answers"][item.id]))
    assert got.error is None
    if isinstance(item.expected, dict):
        for p in item.expected:
            np.testing.assert_array_equal(got.value[p], item.expected[p])
    elif not item.formula:
        np.testing.assert_array_equal(got.value, item.expected)


def test_a_formula_is_parsed_once_per_text_and_names(keys, monkeypatch):
    from derive.grading import kind_answers
    calls = []

    def counting(text, budget=None, names=None):
        calls.append(text)
        return parse_expression(text, budget=budget, names=names)

    items = [i for i in items_of(keys["reference"]) if i.formula]
    monkeypatch.setattr(kind_answers, "parse_expression", counting)
    monkeypatch.setattr(kind_answers, "_FORMULAS", {})
    first = kind_answers.validate(items[0], "1/(1+exp(-z))")
    again = kind_answers.validate(items[0], "1/(1+exp(-z))")
    assert first.value is again.value and calls == ["1/(1+exp(-z))"]
    other = next(i for i in items if i.names != items[0].names)
    parsed = kind_answers.validate(other, "1/(1+exp(-z))").error is None
    assert len(calls) == 2     # other names: parsed again
    for _ in range(2):         # what does not parse is refused each time
        assert kind_answers.validate(items[0], "exp(").error
    assert len(calls) == 4 and len(kind_answers._FORMULAS) == 1 + parsed
