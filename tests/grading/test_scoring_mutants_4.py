"""The shared scoring flow (``derive.grading.scoring``) at the level of one
item's words and one submission (mutation survivors of ``grade_item`` and
``grade_submission``): the notes on how an answer was read, what an
unexplained wrong answer is told, a formula too large to evaluate, the key's
answer kept beside each grade, a submission that is not graded, and an item
whose grading raises."""

from functools import lru_cache

import numpy as np
import pytest

from derive.grading.answers import Submission
from derive.grading.kind_answers import items_of, submission_parser
from derive.grading.kind_grade import grade_all_kinds
from derive.grading.results import ItemGrade
from derive.grading.rules import Rules
from derive.grading.scoring import grade_submission
from derive.numerics.key import build_assignment_key
from tests.grading.examples import EXAMPLES
from tests.grading.test_kind_grade import _json, _perfect, grade
from tests.grading.test_scoring_mutants_3 import _Student

COLUMN = "The vector was given as a column (a list of 1-element lists); accepted."
UNEXPLAINED = "Not the key's answer, and none of the known mistakes explains it."


@lru_cache(maxsize=None)
def _key(name: str) -> dict:
    return _json(build_assignment_key(EXAMPLES[name]()))


def _graded(name: str, answers: dict):
    """The grade of one student of example ``name`` whose answers are the
    key's with ``answers`` instead."""
    key = _key(name)
    sub = {"student": "s", "variant": key["variant"], "answers": {**_perfect(key), **answers}}
    return grade(key, [sub])["s"]


# --------------------------------------------------------------------------
# One item: the notes, an unexplained wrong answer, a formula too large


def test_each_note_on_reading_an_answer_is_a_sentence_of_its_feedback():
    """The logistic example's bias step (q10) as a bare column: two notes,
    each capitalised and ended with a full stop, one space apart."""
    [new] = _key("logistic")["answers"]["q10"]["new"]
    got = _graded("logistic", {"q10": [[new]]}).items["q10"]
    assert (got.status, got.feedback) == (
        "correct", f"{COLUMN} A bare list was taken as the updated parameter.")


def test_an_unexplained_wrong_answer_says_so_before_the_note_on_reading_it():
    """The reference's a1 (q10), off in every entry and given as a column."""
    a1 = np.asarray(_key("reference")["answers"]["q10"]) + [0.3, -0.2, 0.1, 0.4]
    got = _graded("reference", {"q10": [[a] for a in a1.tolist()]}).items["q10"]
    assert (got.status, got.points, got.diagnosis, got.feedback) == (
        "wrong", 0.0, [], f"{UNEXPLAINED} {COLUMN}")


def test_a_formula_too_large_to_evaluate_where_it_is_compared_earns_nothing():
    """exp(exp(exp(exp(z)))) reads as a formula but is beyond the evaluator
    at the points it is compared with the key's σ(z) at."""
    got = _graded("reference", {"q1": "exp(exp(exp(exp(z))))"}).items["q1"]
    assert (got.status, got.points, got.diagnosis, got.feedback) == (
        "invalid", 0.0, [], "Could not evaluate this answer: too large to evaluate.")


# --------------------------------------------------------------------------
# One submission


def test_each_item_keeps_the_keys_answer_beside_its_grade():
    key = _key("reference")
    got = _graded("reference", {"q10": [0.0, 0.0, 0.0, 0.0]}).items
    assert got["q10"].expected == key["answers"]["q10"]
    assert got["q1"].expected == key["answers"]["q1"]


def test_a_submission_without_a_key_is_not_graded_and_keeps_its_variant_and_points():
    key = _key("reference")
    parse = submission_parser(items_of(key))
    sub = parse({"student": "s", "variant": "v99", "answers": _perfect(key)}, 0)
    [got] = grade_all_kinds([sub], [key], Rules())
    points = {q: float(q_["points"]) for q, q_ in key["questions"].items()}
    assert (got.variant, got.error, got.score, got.max) == (
        "v99", "no key for variant 'v99'", 0.0, sum(points.values()))
    why = "Submission not graded: no key for variant 'v99'."
    assert {q: (g.status, g.points, g.max, g.feedback) for q, g in got.items.items()} == {
        q: ("invalid", 0.0, p, why) for q, p in points.items()}


def test_the_assignments_total_is_the_grades_maximum_graded_or_not():
    """The caller's total (here more than the items graded) is the grade's
    maximum, whether the submission is graded or refused."""
    st = _Student({"q1": [1.0, 2.0, 3.0]})
    refused = Submission(0, "ada", "v", error="unreadable")
    got = [grade_submission(sub, st.v, Rules(), {"q1": 2.0}, lambda *a: st, total=10.0)
           for sub in (st.sub, refused)]
    assert [(g.score, g.max) for g in got] == [(2.0, 10.0), (0.0, 10.0)]


def test_a_problem_is_said_only_of_a_submission_without_a_variant():
    """``problem`` explains why there is no variant; beside one, the
    submission is graded."""
    st = _Student({"q1": [1.0, 2.0, 3.0]})
    got = grade_submission(st.sub, st.v, Rules(), {"q1": 2.0}, lambda *a: st,
                           problem="no key for variant 'v'")
    assert (got.error, got.items["q1"].status, got.score) == (None, "correct", 2.0)


def _raising(error: Exception) -> type:
    """A student whose carried value raises ``error`` while it is worked out."""

    class Raising(_Student):
        def carried(self, item, part=None):
            raise error

    return Raising


def test_an_item_whose_grading_raises_is_invalid_and_the_rest_is_graded():
    # The guard keeps a grade for every item when grading one raises (an
    # overflow in what an answer should be given the student's own earlier
    # ones, a bad value the validation let through): the item is invalid,
    # worth nothing, keeps the answer as written and says why; the other
    # items are graded as usual. A Student whose carried value raises drives
    # it here, whichever real answers happen to make grading raise.
    st = _raising(FloatingPointError("overflow encountered in add"))(
        {"q1": [1.0, 2.0, 4.0], "q3": 1.0})
    got = grade_submission(st.sub, st.v, Rules(), {"q1": 2.0, "q3": 1.0, "q4": 3.0},
                           lambda *a: st, total=6.0)
    assert got.items["q1"] == ItemGrade(
        "invalid", 0.0, 2.0, given=[1.0, 2.0, 4.0],
        feedback="Could not grade this answer (overflow encountered in add).")
    assert [(g.status, g.points) for g in got.items.values()] == [
        ("invalid", 0.0), ("correct", 1.0), ("missing", 0.0)]
    assert (got.score, got.max) == (1.0, 6.0)


@pytest.mark.parametrize("error", [FloatingPointError, ValueError, TypeError, OverflowError])
def test_each_error_of_a_computation_leaves_the_item_invalid(error):
    st = _raising(error("no value"))({"q1": [1.0, 2.0, 4.0]})
    got = grade_submission(st.sub, st.v, Rules(), {"q1": 2.0}, lambda *a: st)
    assert got.items["q1"].feedback == "Could not grade this answer (no value)."
