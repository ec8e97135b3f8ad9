"""A formula with a sum over k = 1..n or an indexed quantity (the softmax's
aⱼ = e^{zⱼ}/Σₖe^{zₖ}) is compared at n = 3, j = 1: with either of the two
alone, not only with both."""

import pytest
import sympy as sp

from derive.calculus import softmax as sm
from derive.grading.compare import equivalent
from derive.grading.rules import Rules

k, n, j, z = sm.k, sm.n, sm.j, sm.z


@pytest.mark.parametrize("given, expected, same", [
    (sp.Sum(1, (k, 1, n)), sp.Integer(3), True),      # a sum, nothing indexed: n = 3
    (sp.Sum(1, (k, 1, n)), sp.Integer(4), False),
    (z[j], z[1], True),                                # indexed, no sum: j = 1
    (z[j], z[2], False),
], ids=["sum-at-3", "sum-not-at-4", "index-at-1", "index-not-at-2"])
def test_a_sum_or_an_indexed_quantity_alone_is_taken_at_n_3_and_j_1(given, expected, same):
    assert equivalent(given, expected, "q4", Rules()) is same
    assert equivalent(expected, given, "q4", Rules()) is same
