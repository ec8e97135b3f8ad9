"""The shared scoring flow (``derive.grading.scoring``) against a variant
built by hand: what doing nothing gives and the per-entry credit it
decides, a student's own answers and what later ones rest on, the
diagnosis of an update's parts, the wording of what is said, and what the
grade keeps of the answer and the key."""

from types import SimpleNamespace

import numpy as np
import pytest

from derive.grading.answers import Given, Submission
from derive.grading.rules import Rules
from derive.grading.scoring import NOT_GENUINE, Student, diagnose, grade_item
from derive.numerics import kind_mistakes as km
from derive.numerics.mistake_kinds import ORDER

A, B = ORDER[:2]   # two mistakes of the library, in its order

W = [1.0, 2.0, 3.0]                       # the parameter before the step (lr 0.1)
KEY = {
    "q1": np.array([1.0, 2.0, 3.0]),
    "q2": {"grad": np.array([1.0, 0.0, 2.0]), "new": np.array([0.9, 2.0, 2.8])},
    "q3": np.array(1.0),
    "q4": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
}
# the mistake A's update: a wrong gradient and the step taken with it
WRONG_GRAD = [5.0, 5.0, 5.0]
A_UPDATE = {"grad": np.array(WRONG_GRAD), "new": np.array([0.5, 1.5, 2.5])}


def _value(answer):
    if isinstance(answer, dict):
        return {p: None if a is None else np.asarray(a, float) for p, a in answer.items()}
    return np.asarray(answer, float)


class _Student(Student):
    """A grader's student: carried values by (item, part) as the test gives
    them, every mistake acting on every item, the library's sentences."""

    def __init__(self, answers, rules=Rules(), sheets=(), nothing=None, given=(),
                 carried=None, affects=None):
        sub = Submission(0, "ada", "v", {q: Given(a, _value(a)) for q, a in answers.items()})
        variant = SimpleNamespace(expected=KEY, sheets=list(sheets), affects=affects or {},
                                  order=ORDER, given=[np.asarray(g, float) for g in given],
                                  nothing={k: np.asarray(a, float)
                                           for k, a in (nothing or {}).items()})
        super().__init__(sub, variant, rules)
        self._cf = carried or {}

    def carried(self, item, part=None):
        return self._cf.get((item, part))

    def acts_on(self, code, item):
        return True

    def describe(self, codes):
        return km.describe(codes)

    def carried_text(self, item):
        return f"Follows from your answer before {item}."

    def manual(self, item):
        return False


def _grade(item, answers, max_points=2.0, **kw):
    return grade_item(item, _Student(answers, **kw), max_points)


# --------------------------------------------------------------------------
# What the grade keeps; a missing answer


def test_the_grade_keeps_the_answer_as_written_and_the_key_as_given():
    st = _Student({"q1": [1.0, 2.0, 4.0]})
    graded = grade_item("q1", st, 2.0, expected=[1, 2, 3])
    assert (graded.given, graded.expected) == ([1.0, 2.0, 4.0], [1, 2, 3])
    missing = grade_item("q3", st, 1.0, expected=1)
    assert (missing.given, missing.expected) == (None, 1)


def test_a_missing_answer_earns_nothing_and_says_so():
    graded = _grade("q3", {})
    assert (graded.status, graded.points, graded.feedback) == ("missing", 0.0, "No answer.")


# --------------------------------------------------------------------------
# What doing nothing gives


def test_per_entry_credit_counts_only_the_entries_the_right_answer_changes():
    """Doing nothing gives q1 [1, 5, 7]: the first entry is the key's
    without any work, so one right entry of the two informative ones is half
    the credit (with zeros as the baseline it would be two of three)."""
    graded = _grade("q1", {"q1": [1.0, 2.0, 9.0]}, 4.0, nothing={"q1": [1.0, 5.0, 7.0]})
    assert (graded.status, graded.points) == ("wrong", 2.0)


def test_per_entry_credit_of_a_new_value_counts_the_entries_the_step_changes():
    """The gradient's 0 leaves W's second entry as it was: it tells nothing,
    and the new value's one right entry of the other two is half the credit."""
    graded = _grade("q2", {"q2": {"grad": KEY["q2"]["grad"].tolist(), "new": [0.9, 2.0, 9.0]}},
                    4.0, nothing={"q2.new": W})
    assert (graded.status, graded.points) == ("wrong", 2.0)


def test_a_new_value_that_is_the_parameter_before_the_step_earns_nothing():
    graded = _grade("q2", {"q2": {"grad": KEY["q2"]["grad"].tolist(), "new": W}},
                    nothing={"q2.new": W})
    assert (graded.status, graded.points, graded.feedback) == ("wrong", 0.0, NOT_GENUINE)


def test_a_copy_of_the_data_is_judged_at_the_figures_of_the_course():
    """At two significant figures 5.04 and 7.04 are the given 5 and 7."""
    answers = {"q1": [5.04, 7.04, 1.0]}
    copy = _grade("q1", answers, rules=Rules(figures=2), given=[[5.0, 7.0, 1.0]])
    assert (copy.status, copy.points, copy.feedback) == ("wrong", 0.0, NOT_GENUINE)
    assert _grade("q1", answers, given=[[5.0, 7.0, 1.0]]).feedback != NOT_GENUINE


# --------------------------------------------------------------------------
# The student's own answers, and what later ones rest on


def test_own_answer_is_transposed_back_only_to_the_keys_shape():
    st = _Student({"q4": np.arange(6.0).reshape(2, 3).tolist(), "q1": [[1.0, 2.0, 3.0]] * 3})
    assert st.own("q4").shape == (3, 2)
    assert st.own("q1") is None   # 3 × 3 for 3 entries: neither shape nor its transpose


def test_what_doing_nothing_gives_is_no_source_for_later_answers():
    st = _Student({"q1": [1.0, 5.0, 7.0], "q2": {"grad": [1.0, 0.0, 2.0], "new": W}},
                  nothing={"q1": [1.0, 5.0, 7.0], "q2.new": W})
    assert st.source("q1") is None
    assert st.source("q2", "new") is None
    assert st.source("q2", "grad").tolist() == [1.0, 0.0, 2.0]


def test_an_answer_not_given_rests_on_what_follows_from_earlier_ones():
    st = _Student({"q2": {"grad": [1.0, 0.0, 2.0], "new": None}},
                  carried={("q2", "new"): np.array([7.0, 7.0, 7.0])})
    assert st.source("q2", "new").tolist() == [7.0, 7.0, 7.0]


# --------------------------------------------------------------------------
# Diagnosis


def test_no_more_mistakes_are_combined_than_the_rules_allow():
    pair = ((A, B), {"q1": np.array([4.0, 4.0, 4.0])})
    st = _Student({}, rules=Rules(combinations=1), sheets=[pair])
    assert diagnose("q1", np.array([4.0, 4.0, 4.0]), st) == []
    st = _Student({}, rules=Rules(combinations=2), sheets=[pair])
    assert diagnose("q1", np.array([4.0, 4.0, 4.0]), st) == [A, B]


def test_the_first_sheet_of_a_mistake_set_that_matches_speaks_for_it():
    """A's two sheets (two classes read) both give q1's answer; the first
    gives q3 what the student did not write, so B (which leaves q3 alone)
    is the likelier explanation, though A's second sheet gives their q3."""
    sheets = [((A,), {"q1": np.array([4.0, 4.0, 4.0]), "q3": np.array(7.0)}),
              ((A,), {"q1": np.array([4.0, 4.0, 4.0]), "q3": np.array(8.0)}),
              ((B,), {"q1": np.array([4.0, 4.0, 4.0])})]
    st = _Student({"q1": [4.0, 4.0, 4.0], "q3": 8.0}, sheets=sheets,
                  affects={A: {"q1", "q3"}, B: {"q1"}})
    assert diagnose("q1", np.array([4.0, 4.0, 4.0]), st) == [B]


# --------------------------------------------------------------------------
# Carried forward


def test_no_carried_credit_when_the_earlier_answers_give_the_key():
    """The student's earlier answers give 1.008, the key's 1 at three
    figures; their 1.016 agrees with that but not with the key: rounded too
    early, not carried forward."""
    graded = _grade("q3", {"q3": 1.016}, carried={("q3", None): np.array(1.008)})
    assert (graded.status, graded.points, graded.diagnosis) == (
        "wrong", 1.0, ["rounded-too-early"])


def test_a_new_value_from_an_unexplained_wrong_gradient_earns_part_of_the_credit():
    graded = _grade("q2", {"q2": {"grad": [3.0, 3.0, 3.0], "new": [0.7, 1.7, 2.7]}},
                    carried={("q2", "new"): np.array([0.7, 1.7, 2.7])})
    assert (graded.status, graded.points, graded.feedback) == (
        "carried-forward", 1.0, f"{Student.CARRIED_NEW}, but that gradient is wrong, "
        "and none of the known mistakes explains it.")


def test_a_transposed_matrix_whose_entries_differ_says_so():
    graded = _grade("q4", {"q4": [[1.0, 3.0, 5.0], [2.0, 4.0, 9.0]]})
    assert (graded.status, graded.points, graded.feedback) == (
        "wrong", 0.0, "Transposed, and transposed back the entries still differ from the key.")


# --------------------------------------------------------------------------
# An update (gradient and new value)


def test_an_update_without_its_new_value_says_the_points_are_for_it():
    graded = _grade("q2", {"q2": {"grad": KEY["q2"]["grad"].tolist(), "new": None}},
                    sheets=[((A,), {"q2": A_UPDATE})])
    assert (graded.status, graded.points, graded.feedback) == (
        "missing", 0.0, Student.MISSING_NEW)


@pytest.mark.parametrize("grad, diagnosis", [(WRONG_GRAD, [A]), ([6.0, 6.0, 6.0], [])])
def test_the_gradient_beside_a_missing_new_value_is_diagnosed(grad, diagnosis):
    graded = _grade("q2", {"q2": {"grad": grad, "new": None}},
                    sheets=[((A,), {"q2": A_UPDATE})])
    assert (graded.status, graded.points, graded.diagnosis) == ("missing", 0.0, diagnosis)
    assert graded.feedback == " ".join([Student.MISSING_NEW, km.describe(diagnosis)]).strip()


def test_a_right_gradient_with_a_mistakes_new_value_is_that_mistake():
    graded = _grade("q2", {"q2": {"grad": KEY["q2"]["grad"].tolist(),
                                  "new": A_UPDATE["new"].tolist()}},
                    sheets=[((A,), {"q2": A_UPDATE})])
    assert (graded.status, graded.points, graded.diagnosis) == ("wrong", 1.0, [A])


def test_a_right_new_value_beside_a_mistakes_gradient_only_looks_right():
    """The mistake's gradient, but the key's new value (the mistake's step
    lands elsewhere): the gradient alone names the mistake, which costs what
    it costs elsewhere."""
    graded = _grade("q2", {"q2": {"grad": WRONG_GRAD, "new": KEY["q2"]["new"].tolist()}},
                    sheets=[((A,), {"q2": A_UPDATE})])
    assert (graded.status, graded.points, graded.diagnosis) == ("wrong", 1.0, [A])
    assert graded.feedback == (f"{Student.LOOKS_RIGHT_NEW} to the precision asked, but the "
                               f"gradient given beside it is not. {km.describe([A])}")
