r"""The printer's order and brackets where SymPy's own order would differ: a
number first (in a product and in a sum), an exponential before a bracketed
sum, ``\cdot`` only between two numbers, brackets around a negative or a
Σ-holding factor of a product kept as written. Expressions are built in the
tests, not at collection, so that each test runs the code that builds them."""

import pytest
import sympy as sp

from derive.calculus.latex import latex
from derive.calculus.steps import product

z, a, x, y = sp.symbols("z a x y", real=True)
i, j, k, n = sp.symbols("i j k n", integer=True, positive=True)
A, W, Z = (sp.IndexedBase(s) for s in "awz")


def _softmax_denominator():
    return sp.Sum(sp.exp(Z[k]), (k, 1, n))


_SUM = r"\sum_{k=1}^{n} e^{z_{k}}"


@pytest.mark.parametrize("build, expected", [
    # a number that SymPy would sort after a letter is still the coefficient
    (lambda: sp.log(2) * x, r"\ln(2) x"),
    (lambda: sp.sqrt(2) * x, r"\sqrt{2} x"),
    # an exponential before a bracketed sum (SymPy puts the sum first)
    (lambda: sp.exp(z) * (1 - a), "e^{z} (1 - a)"),
    (lambda: sp.exp(-z) * (1 - a), "e^{- z} (1 - a)"),
    # a number before a big operator of the same sign (SymPy puts it last)
    (lambda: 1 + _softmax_denominator(), "1 + " + _SUM),
    (lambda: sp.Sum(W[k] * x, (k, 1, n)) + 1, r"1 + \sum_{k=1}^{n} x w_{k}"),
])
def test_a_number_first_and_an_exponential_before_a_bracket(build, expected):
    assert latex(build()) == expected


@pytest.mark.parametrize("build, expected", [
    # digits that would run together: 32^x
    (lambda: 3 * sp.Integer(2) ** x, r"3 \cdot 2^{x}"),
    (lambda: sp.Symbol("x_1") * sp.Integer(2) ** x, r"x_{1} \cdot 2^{x}"),
    # a digit inside an index or a bracket does not touch the next number
    (lambda: W[0, j] * sp.Integer(2) ** x, r"w_{0j} 2^{x}"),
    (lambda: sp.log(2) * sp.Integer(2) ** x, r"\ln(2) 2^{x}"),
])
def test_a_cdot_only_between_two_numbers(build, expected):
    assert latex(build()) == expected


@pytest.mark.parametrize("build, expected", [
    (lambda: product(y, -a), "y (- a)"),
    (lambda: product(A[i], -A[j]), "a_{i} (- a_{j})"),
    (lambda: product(y, -a * x, x), "y (- a x) x"),
    (lambda: product(x, -1 / a), r"x \left(- \frac{1}{a}\right)"),
    (lambda: product(x, sp.Rational(-1, 2)), r"x \left(- \frac{1}{2}\right)"),
    (lambda: product(A[i], -sp.exp(Z[j]) / _softmax_denominator()),
     r"a_{i} \left(- \frac{e^{z_{j}}}{" + _SUM + r"}\right)"),
    # a negative first factor: the sign goes in front, no brackets
    (lambda: product(-a * x, y), "- a x y"),
])
def test_a_negative_factor_after_the_first_is_bracketed(build, expected):
    assert latex(build()) == expected


@pytest.mark.parametrize("build, expected", [
    # what follows a Σ would read as part of its body
    (lambda: product(sp.exp(-z) * _softmax_denominator(), x), r"\left(e^{- z} " + _SUM + r"\right) x"),
    (lambda: product(a * _softmax_denominator(), x), r"\left(a " + _SUM + r"\right) x"),
    # last, or held inside a fraction's bar: nothing follows it
    (lambda: product(x, a * _softmax_denominator()), "x a " + _SUM),
    (lambda: product(sp.exp(Z[i]) / _softmax_denominator(), x), r"\frac{e^{z_{i}}}{" + _SUM + "} x"),
])
def test_a_factor_holding_a_sum_is_bracketed_unless_last_or_a_fraction(build, expected):
    assert latex(build()) == expected


def test_non_commutative_factors_keep_their_order():
    P, Q = sp.symbols("P Q", commutative=False)
    assert latex(P ** 2 * Q) == "P^{2} Q"
    assert latex(Q * P ** 2) == "Q P^{2}"
    assert latex(sp.exp(z) * (1 + x) * Q * P) == "e^{z} (1 + x) Q P"
