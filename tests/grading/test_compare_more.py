""""Rounded too early" is one significant figure short of the contract, not
two: 2.4 for 2.302585… (right to 2 figures) earns the rounded credit, 2.6
(right to 1 figure only) is wrong and earns nothing from this rule."""

import numpy as np
import pytest

from derive.grading.compare import ROUNDED, _rounded
from derive.grading.results import ItemGrade
from derive.grading.rules import Rules

EXPECTED = np.array([2.302585])


def test_one_figure_short_is_rounded_too_early():
    rules, grade = Rules(), ItemGrade("wrong", 0.0, 10.0)
    assert _rounded(np.array([2.4]), EXPECTED, grade, rules)
    assert (grade.status, grade.diagnosis) == ("wrong", [ROUNDED])
    assert grade.points == pytest.approx(10.0 * rules.rounded_credit)


@pytest.mark.parametrize("figures, value", [(3, 2.6), (4, 2.4)])
def test_two_figures_short_is_not(figures, value):
    grade = ItemGrade("wrong", 0.0, 10.0)
    assert not _rounded(np.array([value]), EXPECTED, grade, Rules(figures=figures))
    assert (grade.points, grade.diagnosis) == (0.0, [])
