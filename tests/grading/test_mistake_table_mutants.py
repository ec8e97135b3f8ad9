"""The mistake table where the batch takes its less common turns: a key set
whose loss example is a formula in some or all keys (no ``value``), a part
with a network but no data, and :func:`_differ`'s batched comparison
(instance by instance, at the tolerance, for answers of another number of
axes)."""

import copy

import numpy as np
import sympy as sp

from derive.grading import mistake_table
from derive.grading.by_kind import prepare_kind
from derive.grading.rules import Rules
from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment
from tests.grading.test_mistake_table import _check, _keys, _one_by_one, _sheets

NO_DATA = """
title = "A loss example on a part without data"

[[parts]]
id = "unit"
title = "A unit"

[parts.network]
inputs = 2
layers = [{ units = 1, activation = "sigmoid" }]
loss = "nll"

[[parts.questions]]
id = "q1"
kind = "loss"
loss = "nllm"
example = { a = [0.1, 0.4, 0.5], y = [1, 0, 0] }
points = 5
"""


def _without_loss_value(keys, which):
    """The keys with the loss example's value left out of those ``which``
    (their q5 is then graded as the formula)."""
    keys = copy.deepcopy(keys)
    for i in which:
        del keys[i]["answers"]["q5"]["value"]
    return keys


def _wrong_q5(batched) -> list[list]:
    """The types of each variant's wrong answers to q5, sheet by sheet."""
    return [[type(sheet["q5"]) for _, sheet in sheets if "q5" in sheet]
            for sheets, _ in batched]


def test_a_formula_key_answer_always_differs():
    assert mistake_table.differs(np.zeros(()), sp.Symbol("x"))
    assert mistake_table.differs({"new": np.zeros(2)}, {"new": sp.Symbol("x") + 1})


def test_a_loss_formula_gets_no_number_from_the_batch_and_the_rest_is_kept(monkeypatch):
    """No key gives the example's value: q5 is a formula, its numeric wrong
    answers are not kept, and the part's later questions (q6…q9) still are."""
    keys = _without_loss_value(_keys("reference", 3), range(3))
    batched = _sheets(keys)
    _check(batched, _one_by_one(keys, monkeypatch))
    assert all(issubclass(t, sp.Basic) for ts in _wrong_q5(batched) for t in ts)
    later = {q for sheets, _ in batched for _, s in sheets for q in s}
    assert {"q6", "q7", "q8", "q9"} <= later


def test_keys_that_disagree_on_the_loss_value_each_get_their_own(monkeypatch):
    """One key of the batch gives the example's value (a number), the others
    not (a formula): the number's wrong answers are kept for that key only."""
    keys = _without_loss_value(_keys("reference", 3), [0, 2])
    assert keys[0]["questions"] == keys[1]["questions"] == keys[2]["questions"]
    batched = _sheets(keys)
    _check(batched, _one_by_one(keys, monkeypatch))
    wrong = _wrong_q5(batched)
    assert np.ndarray in wrong[1] and np.ndarray not in wrong[0] + wrong[2]


def test_a_part_without_data_gets_its_loss_examples_wrong_answers(tmp_path, monkeypatch):
    path = tmp_path / "no-data.toml"
    path.write_text(NO_DATA)
    a = load_assignment(path)
    keys = build_assignment_keys(a, [{}, {}], ["a", "b"])
    _check(_sheets(keys), _one_by_one(keys, monkeypatch))
    [(sheets, affects)] = _sheets(keys[:1])
    flipped = dict(sheets)[("sign-flipped",)]["q1"]
    assert flipped == -np.asarray(keys[0]["answers"]["q1"]["value"]) and "q1" in affects["wrong-class"]


def _differ_and_differs(value, expected):
    got = mistake_table._differ(value, expected, len(expected))
    return got.tolist(), [mistake_table.differs(value[..., i], e) for i, e in enumerate(expected)]


def test_differ_tells_each_instance_apart_when_batched():
    value = np.random.default_rng(1).normal(size=(3, 2, 4))
    expected = [value[..., i] + (1e-3 if i % 2 else 0) for i in range(4)]
    assert _differ_and_differs(value, expected) == ([False, True, False, True],) * 2


def test_differ_takes_a_difference_of_exactly_the_tolerance_as_equal():
    value = np.array([[1e-15, 0.0]])                    # |1e-15 − 0| = 1e-15 + 1e-12·0
    assert _differ_and_differs(value, [np.zeros(1), np.zeros(1)]) == ([False, False],) * 2


def test_differ_of_an_answer_with_another_number_of_axes():
    value = np.ones((2, 1, 3))                          # each instance 2 × 1, the key's 2
    assert _differ_and_differs(value, [np.ones(2)] * 3) == ([True] * 3,) * 2
