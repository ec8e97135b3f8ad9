"""A loss question's wrong answers are numbers on its example (the mistake
library run on the example's a and y), not formulas: the loss is a formula
kind, but what the student computes is the example's value."""

import math

import pytest

from derive.numerics.kind_mistakes import wrong_answers
from derive.problem.assignment import parse_assignment
from tests.variants.test_items_edges import EVERY_KIND

# a sigmoid unit whose q1 is a loss without an example, q2 one with a = 0.8, y = 0
UNIT = parse_assignment(EVERY_KIND).parts[0]
NO_EXAMPLE, EXAMPLE = UNIT.questions[0], UNIT.questions[1]


def test_a_loss_example_gets_the_mistakes_numbers():
    # −ln(1 − 0.8) = 1.609…; the sign flipped gives its negative
    wrong = wrong_answers(UNIT, EXAMPLE)
    assert list(wrong) == ["sign-flipped"]
    assert wrong["sign-flipped"] == pytest.approx(math.log(0.2), rel=1e-12)


def test_a_loss_without_an_example_has_no_number_to_get_wrong():
    assert wrong_answers(UNIT, NO_EXAMPLE) == {}
