"""The shared scoring flow (``derive.grading.scoring.grade_submission``;
mutation survivors): the guard for an item whose grading raises keeps the
answer as written, and nothing for an item the student left blank."""

from derive.grading.results import ItemGrade
from derive.grading.rules import Rules
from derive.grading.scoring import grade_submission
from tests.grading.test_scoring_mutants_3 import _Student


class _Unreadable(_Student):
    """A grader whose every item raises before anything is compared (here
    asking whether it is graded by hand), answered or not."""

    def manual(self, item):
        raise TypeError("no such question")


def test_an_item_whose_grading_raises_keeps_the_answer_given_and_none_for_a_blank():
    st = _Unreadable({"q1": [1.0, 2.0, 4.0]})
    got = grade_submission(st.sub, st.v, Rules(), {"q1": 2.0, "q4": 3.0}, lambda *a: st)
    why = "Could not grade this answer (no such question)."
    assert got.items == {"q1": ItemGrade("invalid", 0.0, 2.0, given=[1.0, 2.0, 4.0], feedback=why),
                         "q4": ItemGrade("invalid", 0.0, 3.0, given=None, feedback=why)}
    assert (got.score, got.max) == (0.0, 5.0)
