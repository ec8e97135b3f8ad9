"""Printing edges the handouts rarely reach: powers of the named functions,
sums over two indices, the transpose of a matrix named by a formula."""

import pytest
import sympy as sp

from derive.calculus.latex import latex
from derive.calculus.rules import sigmoid

z, i, j, n = sp.symbols("z i j n")
x = sp.IndexedBase("x")


@pytest.mark.parametrize("expr, expected", [
    (sigmoid(z) ** 2, r"\sigma(z)^{2}"),
    (sp.log(z) ** 2, r"\ln(z)^{2}"),
    (sp.Max(z, 0) ** 2, r"\max(z, 0)^{2}"),
    (sp.Min(z, 0) ** 3, r"\min(z, 0)^{3}"),
    (sp.Heaviside(z, 0) ** 2, r"\mathbf{1}[z > 0]^{2}"),
])
def test_a_power_of_a_function_is_written_after_its_parentheses(expr, expected):
    assert latex(expr) == expected


def test_a_sum_over_two_indices_keeps_both_ranges():
    tex = latex(sp.Sum(x[i, j], (i, 1, n), (j, 1, n)))
    assert tex.startswith(r"\sum") and r"1 \leq i \leq n" in tex and r"1 \leq j \leq n" in tex
    assert latex(sp.Sum(x[i], (i, 1, n))) == r"\sum_{i=1}^{n} x_{i}"


def test_a_sum_of_a_sum_brackets_its_body_to_its_height():
    assert latex(sp.Sum(x[i] + 1, (i, 1, n))) == r"\sum_{i=1}^{n} (1 + x_{i})"
    assert latex(sp.Sum(x[i] / 2 + 1, (i, 1, n))) == r"\sum_{i=1}^{n} \left(1 + \frac{x_{i}}{2}\right)"


def test_the_transpose_of_a_matrix_named_by_a_fraction_is_bracketed():
    named = sp.MatrixSymbol(r"\frac{\partial L}{\partial W}", 2, 2)
    assert latex(named.T) == r"\left(\frac{\partial L}{\partial W}\right)^{T}"
    assert latex(sp.MatrixSymbol("W", 2, 2).T) == "W^{T}"


a, b, c = sp.symbols("a b c")


@pytest.mark.parametrize("expr, expected", [
    # a power of a power: a^{b}^{c} would be a TeX error (double superscript)
    (sp.Pow(sp.Pow(a, b, evaluate=False), c, evaluate=False), r"(a^{b})^{c}"),
    (sp.Derivative(a * b, a), r"\frac{\partial}{\partial a} a b"),
    (sp.Integral(a + b, a), r"\int (a + b)\, da"),
    (sp.Mod(a + b, c), r"(a + b) \bmod c"),
    (sp.Mod(a * b, c), r"a b \bmod c"),
])
def test_brackets_where_precedence_asks_and_nowhere_else(expr, expected):
    assert latex(expr) == expected
