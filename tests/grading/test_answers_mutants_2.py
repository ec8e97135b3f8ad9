"""Reading a student's numbers and arrays (``derive.grading.answers``;
mutation survivors of ``_number``, ``_array`` and ``parse_submission``):
what a wrong kind of value is told, how large an integer may be, a formula
that is not real, one answer's time for reading and evaluating a formula,
the lenient forms and their notes, the size bounds, and a blank answer.

The reference example's items: q5 a loss (a number), q10 a forward value
(a vector of 4), q6 a gradient (a 2 x 3 matrix)."""

from types import SimpleNamespace

import pytest

import derive.grading.answers as answers
import derive.grading.formulas as formulas
from derive.grading.formulas import MAX_ENTRIES
from derive.grading.kind_answers import validate
from tests.grading.test_answers_mutants import _items, _parse


def _read(qid: str, value):
    """``value`` validated as the answer to the reference's ``qid``."""
    return validate(_items("reference")[qid], value)


# --------------------------------------------------------------------------
# A value of the wrong kind says what came


@pytest.mark.parametrize("qid,value,error", [
    ("q5", True, "expected a number, got true/false"),
    ("q5", {"x": 1}, "expected a number, got an object"),
    ("q10", [1.0, {"x": 1}, 3.0, 4.0], "expected a number, got an object"),
    ("q10", "1/2", "expected a vector (a JSON list), got text"),
    ("q6", 3, "expected a matrix (a JSON list), got int"),
])
def test_a_value_of_the_wrong_kind_is_refused_naming_what_came(qid, value, error):
    assert _read(qid, value).error == error


# --------------------------------------------------------------------------
# Integers: up to 2**1000 (beyond it, too large for a float and slow to print)


@pytest.mark.parametrize("value", [2001, 2 ** 1000, -2 ** 1000])
def test_an_integer_up_to_2_to_the_1000_is_read_as_its_float(value):
    given = _read("q5", value)
    assert given.error is None and given.value == float(value)


@pytest.mark.parametrize("value", [2 ** 1000 + 1, -2 ** 1000 - 1, 2 ** 1001])
def test_an_integer_beyond_2_to_the_1000_is_too_large(value):
    assert _read("q5", value).error == "number too large"


# --------------------------------------------------------------------------
# A formula for a number


@pytest.mark.parametrize("text,shown", [
    ("sqrt(-1)", "sqrt(-1)"),
    ("log(-1) + 1/3 + 1/7 + 1/11", "log(-1) + 1/3 + 1..."),
])
def test_a_formula_that_is_not_real_is_refused_quoting_it(text, shown):
    assert _read("q5", text).error == f"{shown!r} is not a real number"


# 30 square roots: read in one go, evaluated in about 90 steps (the
# evaluator looks at the clock every 64)
SQUARE_FREE = (2, 3, 5, 6, 7, 10, 11, 13, 14, 15, 17, 19, 21, 22, 23, 26, 29, 30, 31, 33,
               34, 35, 37, 38, 39, 41, 42, 43, 46, 47)
ROOTS = "+".join(f"sqrt({n})" for n in SQUARE_FREE)


@pytest.fixture
def slow_reading(monkeypatch):
    """A CPU clock that stands still, except that reading a formula takes
    1 s (it finishes reading within the answer's time, as the clock did
    not move during it)."""
    _items("reference")   # the key is built at the real clock
    now = [0.0]
    monkeypatch.setattr(formulas, "time", SimpleNamespace(process_time=lambda: now[0]))
    read = answers.parse_expression

    def slow(*args, **kwargs):
        expr = read(*args, **kwargs)
        now[0] += 1.0
        return expr

    monkeypatch.setattr(answers, "parse_expression", slow)


def test_a_long_formula_is_read_and_evaluated_in_time():
    given = _read("q5", ROOTS)
    assert given.error is None
    assert float(given.value) == pytest.approx(sum(n ** 0.5 for n in SQUARE_FREE))


@pytest.mark.parametrize("value", [ROOTS, [ROOTS]], ids=["number", "1-element list"])
def test_evaluating_a_formula_has_only_the_time_its_reading_left(slow_reading, value):
    assert _read("q5", value).error == "too large to evaluate"


# --------------------------------------------------------------------------
# Lenient forms and sizes


def test_a_number_given_as_a_1_element_list_is_read_with_a_note():
    given = _read("q5", [0.25])
    assert given.error is None and float(given.value) == 0.25
    assert given.notes == ["a single number was given as a 1-element list; accepted"]


def test_a_vector_of_at_most_max_entries_is_read_its_length_judged_later():
    given = _read("q10", [0.5] * MAX_ENTRIES)
    assert given.error is None and given.value.shape == (MAX_ENTRIES,)


def test_a_vector_of_more_than_max_entries_is_refused_with_its_length():
    assert _read("q10", [0.5] * (MAX_ENTRIES + 1)).error == \
        f"has {MAX_ENTRIES + 1} entries, at most {MAX_ENTRIES} allowed"


def test_a_matrix_with_rows_of_different_lengths_is_refused_saying_so():
    assert _read("q6", [[1, 2, 3], [4, 5]]).error == "rows have different lengths"


# --------------------------------------------------------------------------
# A blank answer


def test_a_blank_or_null_answer_is_not_given_and_other_text_is_read():
    sub = _parse({"student": "Ada", "answers": {"q1": "", "q2": None, "q3": "XXXX"}})
    assert sub.error is None and list(sub.answers) == ["q3"]
    assert sub.answers["q3"].value == "XXXX"
