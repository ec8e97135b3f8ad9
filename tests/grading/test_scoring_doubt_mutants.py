"""How much doubt the student's other answers cast on a diagnosis
(``scoring._doubt``, what ``diagnose`` ranks explanations by): the mistakes
none of their answers shows, and the answers that contradict it, counting
the other part given beside an update's explained one."""

from types import SimpleNamespace

import numpy as np
import pytest

from derive.grading.compare import _same
from derive.grading.rules import Rules
from derive.grading.scoring import _doubt

KEY = {"q1": np.array([1.0, 2.0]), "q2": {"grad": np.array([3.0]), "new": np.array([4.0])}}
WRONG = {"q1": np.array([-1.0, -2.0]), "q2": {"grad": np.array([-3.0]), "new": np.array([5.0])}}


class _Student:
    """The part of a Student that ``_doubt`` reads: answers, key, the
    library's map of which answers each mistake changes."""

    def __init__(self, answers, affects=None):
        self.answers, self.v = answers, SimpleNamespace(affects=affects or {})

    def valid(self, item):
        return self.answers.get(item)

    def own(self, item, part=None):
        value = self.valid(item)
        return value.get(part) if value is not None and part else value

    def expected(self, item):
        return KEY[item]

    def same(self, given, expected, item):
        return _same(given, expected, item, Rules())


def _update(grad, new):
    return {"grad": np.array([grad]), "new": np.array([new])}


@pytest.mark.parametrize("answer, contradicted", [
    (_update(-3.0, 5.0), 0),    # both parts as the mistake gives them
    (_update(7.0, 5.0), 1),     # the gradient beside the explained step is not the mistake's
    (_update(7.0, 8.0), 2),
])
def test_an_update_counts_each_part_given_that_the_mistake_does_not_give(answer, contradicted):
    st = _Student({"q2": answer})
    assert _doubt(("m",), {"q2": WRONG["q2"]}, "q2", st) == (1, contradicted)


def test_a_part_not_given_neither_supports_nor_contradicts():
    st = _Student({"q2": {"grad": None, "new": np.array([5.0])}})
    assert _doubt(("m",), {"q2": WRONG["q2"]}, "q2", st) == (1, 0)
    st = _Student({"q2": {"grad": np.array([7.0]), "new": None}})
    assert _doubt(("m",), {"q2": WRONG["q2"]}, "q2", st) == (1, 1)


def test_contradictions_of_other_answers_and_of_the_update_add_up():
    """q1 contradicts the mistake once (not twice), the update's parts
    agree with it: one contradiction, kept past the update."""
    st = _Student({"q1": np.array([9.0, 9.0]), "q2": _update(-3.0, 5.0)})
    assert _doubt(("m",), WRONG, "q2", st) == (1, 1)
    st = _Student({"q1": np.array([9.0, 9.0]), "q2": _update(7.0, 5.0)})
    assert _doubt(("m",), WRONG, "q2", st) == (1, 2)


def test_an_answer_shows_only_the_mistakes_known_to_change_it():
    """q1 is wrong as the mistakes give it: it shows "m" (which changes q1),
    not "other" (absent from the library's map)."""
    st = _Student({"q1": WRONG["q1"], "q2": _update(-3.0, 5.0)}, {"m": ("q1",)})
    assert _doubt(("m", "other"), WRONG, "q2", st) == (1, 0)
