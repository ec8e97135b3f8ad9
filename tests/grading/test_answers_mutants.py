"""Reading one student's submission (``derive.grading.answers``; mutation
survivors of ``parse_submission``, ``_label`` and ``_update``): what a
malformed entry is told and which fields it names, the student's label in
the reports, the notes on what was ignored, and a gradient step's parts
(a bare list, the notes of both parts, one answer's time for all its
entries)."""

from functools import lru_cache
from types import SimpleNamespace

import pytest

import derive.grading.formulas as formulas
from derive.grading.answers import Given, parse_submission
from derive.grading.kind_answers import items_of, validate
from derive.grading.scoring import by_variant
from tests.grading.test_scoring_mutants_4 import _key

ITEMS = ("q1", "q2", "q3")
ANSWERS = {"q1": 1.0, "q2": 2.0, "q3": 3.0}
COLUMN = "the vector was given as a column (a list of 1-element lists); accepted"
BARE = "a bare list was taken as the updated parameter"


def _parse(entry, index=0):
    """``entry`` as the ``index``-th submission to q1..q3, each answer kept as written."""
    return parse_submission(entry, index, ITEMS, lambda q, v: Given(v, v))


@lru_cache(maxsize=None)
def _items(name: str) -> dict:
    return {i.id: i for i in items_of(_key(name))}


# --------------------------------------------------------------------------
# A malformed entry: its number, its label and what it is told


def test_an_entry_that_is_not_an_object_keeps_its_place_and_says_what_it_is():
    sub = _parse("Ada's answers", 2)
    assert (sub.index, sub.student, sub.variant, sub.answers) == (2, "#3", None, {})
    assert sub.error == "expected an object with student, variant and answers, got text"


def test_a_submission_without_a_student_is_labelled_by_its_place_and_refused():
    sub = _parse({"variant": "v1", "answers": ANSWERS}, 4)
    assert (sub.index, sub.student, sub.variant) == (4, "#5", "v1")
    assert sub.error == "student: missing or not text"


@pytest.mark.parametrize("variant,error", [
    (7, "variant: not text"),
    ("v" * 101, "variant: too long"),
])
def test_a_bad_variant_is_refused_by_name_and_kept_as_none(variant, error):
    sub = _parse({"student": "Ada", "variant": variant, "answers": ANSWERS})
    assert (sub.error, sub.answers) == (error, {})
    assert sub.variant == (variant if isinstance(variant, str) else None)


def test_a_variant_that_is_not_text_is_not_looked_up_among_the_keys():
    """Grading goes on with such a submission refused (no key is looked up
    for a number)."""
    sub = _parse({"student": "Ada", "variant": 7, "answers": ANSWERS})
    got = by_variant([sub], [{"variant": "v1"}], False, lambda keys: [],
                     lambda s, v, problem: (s.student, v, problem, s.error))
    assert got == [("Ada", None, "no variant given", "variant: not text")]


def test_a_variant_of_100_characters_is_read():
    sub = _parse({"student": "Ada", "variant": "v" * 100, "answers": ANSWERS})
    assert (sub.error, sub.variant, len(sub.answers)) == (None, "v" * 100, 3)


def test_missing_answers_name_the_first_and_last_item():
    sub = _parse({"student": "Ada", "variant": "v1", "answers": [1, 2, 3]})
    assert sub.error == "answers: missing or not an object of q1...q3"


# --------------------------------------------------------------------------
# The student's label


@pytest.mark.parametrize("length,label_length", [(199, 199), (200, 200), (201, 200), (250, 200)])
def test_a_long_name_is_kept_up_to_200_characters(length, label_length):
    name = ("Ada Lovelace " * 30)[:length - 1] + "!"
    label = _parse({"student": name, "variant": "v1", "answers": ANSWERS}).student
    assert len(label) == label_length
    assert label == (name if length <= 200 else name[:197] + "...")


# --------------------------------------------------------------------------
# What was ignored


def test_an_unknown_field_is_noted_by_name_even_when_the_entry_is_refused():
    sub = _parse({"student": "Ada", "variant": "v1", "answers": ANSWERS, "comment": "hi"})
    assert (sub.error, sub.notes) == (None, ["ignored field 'comment'"])
    refused = _parse({"variant": "v1", "answers": ANSWERS, "email": "a@b.c"})
    assert refused.notes == ["ignored field 'email'"]


def test_an_unknown_item_is_noted_by_name_and_the_known_ones_are_read():
    sub = _parse({"student": "Ada", "variant": "v1", "answers": {**ANSWERS, "q9": 9.0}})
    assert sub.notes == ["ignored unknown item 'q9'"]
    assert {q: g.value for q, g in sub.answers.items()} == ANSWERS


# --------------------------------------------------------------------------
# A gradient step's parts (the logistic example's q10: a bias of one entry;
# the reference's q12: a 4 x 2 weight matrix)


def test_a_bare_list_for_a_bias_step_is_its_new_vector():
    g = validate(_items("logistic")["q10"], [0.5])
    assert g.error is None and g.notes == [BARE]
    assert g.value["grad"] is None and g.value["new"].tolist() == [0.5]


def test_the_notes_of_both_parts_of_a_step_are_kept():
    g = validate(_items("logistic")["q10"], {"grad": [[0.25]], "new": [0.5]})
    assert g.error is None and g.notes == [COLUMN]
    assert g.value["grad"].tolist() == [0.25] and g.value["new"].tolist() == [0.5]


def test_a_step_given_as_a_number_says_what_was_expected_and_what_came():
    g = validate(_items("reference")["q12"], 3)
    assert g.error == 'expected {"grad": ..., "new": ...}, got int'


@pytest.fixture
def slow_clock(monkeypatch):
    """A CPU clock that advances 0.03 s at each look: one formula of a few
    steps fits in one answer's 0.3 s, eight of them do not."""
    _items("reference")   # the key is built at the real clock
    now = [0.0]

    def process_time():
        now[0] += 0.03
        return now[0]

    monkeypatch.setattr(formulas, "time", SimpleNamespace(process_time=process_time))


@pytest.mark.parametrize("wrap,error", [
    (lambda m: m, "too large to evaluate"),
    (lambda m: {"new": m}, "new: too large to evaluate"),
], ids=["bare", "new"])
def test_a_matrix_of_formulas_has_one_answers_time_in_all(slow_clock, wrap, error):
    assert validate(_items("reference")["q7"], "1/4").error is None
    assert validate(_items("reference")["q12"], wrap([["1/4", "1/4"]] * 4)).error == error
