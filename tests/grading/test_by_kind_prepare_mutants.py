"""prepare_kind on a key of three parts: definitions without a network (a
loss asked without an example), a 3-class softmax asked a probability (no
loss example), and a 2-class softmax asked a loss on a 3-class example.
Each part reads as many other classes as it has (the library: one sheet per
mistake set and class read, a part only in those of the classes it reads);
a copy of any part's given data is no work; a key that is not of schema 2
is an InputError naming it."""

import json
import tomllib

import numpy as np
import pytest

from derive.grading.by_kind import prepare_kind
from derive.grading.rules import Rules
from derive.grading.scoring import NOT_GENUINE
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import parse_assignment
from derive.problem.spec import InputError
from tests.grading.test_kind_grade import _perfect, grade

DEFS = """
title = "Parts"

[[parts]]
id = "defs"
title = "Definitions"
questions = [
  { id = "q1", kind = "loss", loss = "mse", points = 5 },
  { id = "q2", kind = "activation-derivative", activation = "sigmoid", points = 5 },
]
"""
THREE = """
[[parts]]
id = "three"
title = "Three classes"
network = { inputs = 2, layers = [{ units = 3, activation = "softmax" }], loss = "nllm" }
given = { W1 = [[1, -1, -2], [-1, 2, 1]], b1 = [0, 0, 0], x = [1, 1], y = [0, 1, 0], lr = 0.5 }
questions = [{ id = "q3", kind = "probability", class = 2, points = 5 }]
"""
TWO = """
[[parts]]
id = "two"
title = "Two classes, a loss example of three"
network = { inputs = 2, layers = [{ units = 2, activation = "softmax" }], loss = "nllm" }
given = { W1 = [[1, -1], [0.5, 1]], b1 = [0, 0.5], x = [2, -1], y = [1, 0], lr = 0.5 }
questions = [
  { id = "q4", kind = "loss", loss = "nllm", example = { a = [0.1, 0.4, 0.5], y = [1, 0, 0] }, points = 5 },
  { id = "q5", kind = "forward", value = "output", points = 5 },
]
"""
MIX = DEFS + THREE + TWO
LOGIT = """
[[parts]]
id = "logit"
title = "One sigmoid unit: one other class"
network = { inputs = 2, layers = [{ units = 1, activation = "sigmoid" }], loss = "nll" }
given = { W1 = [[1], [-1]], b1 = [-0.5], x = [1, 2], y = [1], lr = 0.5 }
questions = [
  { id = "q6", kind = "probability", class = 1, points = 5 },
  { id = "q7", kind = "gradient", param = "W1", points = 5 },
  { id = "q8", kind = "loss", loss = "nll", example = { a = [0.8], y = [0] }, points = 5 },
]
"""


def _key(text: str) -> dict:
    return json.loads(json.dumps(build_assignment_key(parse_assignment(tomllib.loads(text)))))


@pytest.fixture(scope="module")
def key() -> dict:
    return _key(MIX)


def _graded(key, **answers) -> dict:
    """The items of a submission: the key's answers, with ``answers`` instead."""
    sub = {"student": "s", "variant": key.get("variant"), "answers": {**_perfect(key), **answers}}
    return grade(key, [sub])["s"].items


def test_a_part_without_network_and_a_loss_without_example_are_prepared(key):
    got = _graded(key)
    assert {q: i.status for q, i in got.items()} == {
        "q1": "manual", "q2": "correct", "q3": "correct", "q4": "correct", "q5": "correct"}


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


@pytest.mark.parametrize("item, value", [
    # class 2 of 3 read as class 3 (the second other class: other_classes(2, 3) = [1, 3])
    ("q3", lambda: float(_softmax(np.array([[1, -1], [-1, 2], [-2, 1]]) @ [1, 1])[2])),
    # the example's class 1 read as class 2 (the second other class: [3, 2]): −ln 0.4
    ("q4", lambda: -np.log(0.4)),
], ids=["by-the-network", "by-the-loss-example"])
def test_the_second_other_class_read_is_diagnosed_wrong_class(key, item, value):
    got = _graded(key, **{item: value()})[item]
    assert (got.status, got.diagnosis) == ("wrong", ["wrong-class"])


@pytest.mark.parametrize("copied", [[1, 1], [2, -1]], ids=["first-part-x", "own-x"])
def test_a_copy_of_any_parts_given_input_is_no_work(key, copied):
    got = _graded(key, q5=copied)["q5"]
    assert (got.status, got.points, got.feedback) == ("wrong", 0.0, NOT_GENUINE)


def test_a_formula_mistake_no_part_can_show_is_diagnosed():
    """A key of definitions only: its library is the formulas' mistakes."""
    got = _graded(_key(DEFS), q2="-(1 - 1/(1 + exp(-z)))/(1 + exp(-z))")["q2"]
    assert (got.status, got.diagnosis) == ("wrong", ["sign-flipped"])


ONE = {"part": "p", "kind": "forward", "value": "a1", "points": 1}   # and no answers


@pytest.mark.parametrize("variant, named", [
    ({"variant": "v7"}, "key v7"),
    ({}, "key ?"),
    ({"variant": "v" * 50}, "key " + "v" * 40),
], ids=["named", "unnamed", "long"])
def test_a_key_not_of_schema_2_is_an_input_error_naming_it(variant, named):
    with pytest.raises(InputError) as e:
        prepare_kind([{**variant, "questions": {"q1": ONE}}], Rules())
    assert (e.value.field, e.value.problem) == (named, "not an answer key of schema 2: 'answers'")
    assert str(e.value) == f"{named}: not an answer key of schema 2: 'answers'"


def _sheets(text: str) -> list:
    [variant] = prepare_kind([_key(text)], Rules())
    return variant.sheets


@pytest.mark.parametrize("text, reads", [(DEFS + LOGIT, 1), (DEFS + THREE + LOGIT, 2)],
                         ids=["one-other-class", "two-other-classes"])
def test_the_library_has_one_sheet_per_mistake_set_and_class_read(text, reads):
    """As many sheets of a set with wrong-class as the most other classes a
    part reads (a formula's mistake combined with it adds none), one of
    every other set, none of more mistakes than the rules combine."""
    sheets = _sheets(text)
    count = {ms: sum(m == ms for m, _ in sheets) for ms, _ in sheets}
    assert count == {ms: reads if "wrong-class" in ms else 1 for ms in count}
    assert ("sign-flipped", "wrong-class") in count
    assert max(len(ms) for ms in count) == Rules().combinations


def test_a_part_is_in_the_sheets_of_the_other_classes_it_reads_only():
    """The sigmoid unit reads one other class: of the two sheets of each set
    with wrong-class (the softmax part reads two), its answers are in the first."""
    sheets = _sheets(DEFS + THREE + LOGIT)
    sets = {ms for ms, _ in sheets if "wrong-class" in ms}
    found = {ms: [bool(set(sh) & {"q6", "q7", "q8"}) for m, sh in sheets if m == ms]
             for ms in sets}
    assert ("sign-flipped", "wrong-class") in found
    assert found == {ms: [True, False] for ms in sets}
