r"""Brackets and signs of expressions built unevaluated (a step that shows a
sum inside a sum, a minus sign before a bracket) and of products kept as
written whose factors repeat: where the printer's rules differ from what
SymPy would print."""

import pytest
import sympy as sp

from derive.calculus.latex import latex
from derive.calculus.steps import product

a, b, x, y = sp.symbols("a b x y", real=True)
i, j = sp.symbols("i j", integer=True, positive=True)
A = sp.IndexedBase("a")


@pytest.mark.parametrize("build, expected", [
    # a sum shown inside a sum keeps its brackets, grown to a fraction's height
    (lambda: sp.Add(x, sp.Add(a, b, evaluate=False), evaluate=False), "x + (a + b)"),
    (lambda: sp.Add(x, sp.Add(a / 2, b, evaluate=False), evaluate=False),
     r"x + \left(\frac{a}{2} + b\right)"),
    (lambda: x + sp.Mod(a / 2, b), r"x + \left(\frac{a}{2} \bmod b\right)"),
])
def test_a_term_that_is_a_sum_is_bracketed_to_its_height(build, expected):
    assert latex(build()) == expected


@pytest.mark.parametrize("build, expected", [
    (lambda: sp.Mul(-1, a + b, evaluate=False), "- (a + b)"),
    (lambda: sp.Mul(-1, a / 2 + b, evaluate=False), r"- \left(\frac{a}{2} + b\right)"),
])
def test_minus_a_sum_brackets_the_sum_to_its_height(build, expected):
    assert latex(build()) == expected


def test_a_negative_first_factor_of_an_unevaluated_product_is_not_bracketed():
    # as in a product kept as written: the sign goes in front
    assert latex(sp.Mul(-2 * x, y, evaluate=False)) == "- 2 x y"


@pytest.mark.parametrize("build, expected", [
    # the diagonal of the softmax Jacobian's second term: -a_j a_j, not -a_j²
    (lambda: product(-A[j], A[j]), "- a_{j} a_{j}"),
    (lambda: product(-A[j], A[j], A[i]), "- a_{j} a_{j} a_{i}"),
    (lambda: product(-y, x, x), "- y x x"),
])
def test_a_negative_kept_product_keeps_repeated_factors_apart(build, expected):
    assert latex(build()) == expected
