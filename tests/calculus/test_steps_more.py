"""Verdicts of the step checker on steps that differ by a constant, and a
product shown with a repeated factor."""

import sympy as sp

from derive.calculus.latex import latex
from derive.calculus.steps import Derivation, Step, check, equal, product

x, a = sp.symbols("x a", real=True)


def test_expressions_that_differ_by_a_constant_are_not_equal():
    assert not equal(x + 1, x)
    assert not equal(x, x - 1)
    assert not equal(sp.exp(x) + 2, sp.exp(x))
    assert equal((x + 1) ** 2, x ** 2 + 2 * x + 1)


def test_a_step_that_adds_one_is_reported():
    steps = (Step("a", x * (x + 1)), Step("b", x ** 2 + x + 1), Step("c", x ** 2 + x + 1))
    assert check(Derivation("t", x, steps)) == [1]


def test_a_product_shows_a_repeated_factor_as_written():
    assert latex(product(x, x)) == "x x"
    assert latex(product(a, 1 - a, a)) == "a (1 - a) a"
    assert len(product(x, x).args) == 2
