"""The handout's printer: (expression, expected LaTeX) pairs, as latexify_py
tests its code generator. Term order, factor order and parentheses are
printing rules; the expressions themselves are never rewritten."""

import pytest
import sympy as sp

from derive.calculus.rules import sigmoid
from derive.calculus.latex import is_tall, latex, negated
from derive.calculus.steps import partial, product

z, a, y, M, x, w0 = sp.symbols("z a y M x w_0", real=True)
i, j, k, n = sp.symbols("i j k n", integer=True, positive=True)
A, Y, Z, W = (sp.IndexedBase(s) for s in "ayzw")
S = sp.Sum(sp.exp(Z[k]), (k, 1, n))
f = sp.Function("f")


@pytest.mark.parametrize("expr, expected", [
    # terms: positive before negative, a number first in its group
    (sp.exp(Z[j] - M), "e^{z_{j} - M}"),
    (A[j] - Y[j], "a_{j} - y_{j}"),
    (-Y[j] + A[j], "a_{j} - y_{j}"),
    (1 - a, "1 - a"),
    (sp.exp(z) + 1, "1 + e^{z}"),
    (x - 1, "x - 1"),
    (-a - y, "- a - y"),
    (sp.KroneckerDelta(i, j) - A[j], r"\delta_{ij} - a_{j}"),
    (-sp.exp(Z[j]) / S + sp.KroneckerDelta(i, j),
     r"\delta_{ij} - \frac{e^{z_{j}}}{\sum_{k=1}^{n} e^{z_{k}}}"),
    (-Y[j] + A[j] * sp.Sum(Y[i], (i, 1, n)), r"a_{j} \sum_{i=1}^{n} y_{i} - y_{j}"),
    # a sum of negative terms: the sign goes in front of Σ
    (sp.Sum(-Y[i] / A[i], (i, 1, n)), r"- \sum_{i=1}^{n} \frac{y_{i}}{a_{i}}"),
    (sp.Sum(-Y[i] * (sp.KroneckerDelta(i, j) - A[j]), (i, 1, n)),
     r"- \sum_{i=1}^{n} y_{i} (\delta_{ij} - a_{j})"),
    (sp.Sum(product(-Y[i] / A[i], A[i]), (i, 1, n)),
     r"- \sum_{i=1}^{n} \frac{y_{i}}{a_{i}} a_{i}"),
    (-sp.Sum(Y[j] * sp.log(A[j]), (j, 1, n)), r"- \sum_{j=1}^{n} y_{j} \ln(a_{j})"),
    (a - sp.Sum(Y[i], (i, 1, n)), r"a - \sum_{i=1}^{n} y_{i}"),
    (w0 + sp.Sum(W[k], (k, 1, n)), r"\sum_{k=1}^{n} w_{k} + w_{0}"),
    (1 + w0 - sp.Sum(W[k], (k, 1, n)) - a, r"1 + w_{0} - \sum_{k=1}^{n} w_{k} - a"),
    # factors: coefficient, letters, exponentials, brackets, functions, Σ
    (y * (1 - a), "y (1 - a)"),
    ((1 - y) * sp.log(1 - a), r"(1 - y) \ln(1 - a)"),
    (2 * x * (1 + x), "2 x (1 + x)"),
    (sp.exp(Z[i]) * sp.KroneckerDelta(i, j) * S,
     r"\delta_{ij} e^{z_{i}} \sum_{k=1}^{n} e^{z_{k}}"),
    (3 * sp.Integer(2) ** x, r"3 \cdot 2^{x}"),
    # kept factors stay in the order written
    (product(x, a - y), "x (a - y)"),
    (product(a - y, x), "(a - y) x"),
    (product(sigmoid(z), 1 - sigmoid(z)), r"\sigma(z) (1 - \sigma(z))"),
    # parentheses: plain around a flat argument, \left( around a tall one
    (sigmoid(z), r"\sigma(z)"),
    (sp.log(a), r"\ln(a)"),
    (sp.log(A[j]), r"\ln(a_{j})"),
    (sp.log(1 - a), r"\ln(1 - a)"),
    (sp.Max(z, 0), r"\max(z, 0)"),
    (sp.Max(0, z - 1), r"\max(z - 1, 0)"),
    (sp.Min(0, z), r"\min(z, 0)"),
    (sp.tanh(z), r"\tanh(z)"),
    (-x * (y + 1), "- x (1 + y)"),
    (-(x + y), "- x - y"),
    (sp.Mul(-1, x + y, evaluate=False), "- (x + y)"),
    (f(z), "f(z)"),
    (sp.Function(r"\operatorname{NLLM}")(a, y), r"\operatorname{NLLM}(a, y)"),
    (sp.Heaviside(z, 0), r"\mathbf{1}[z > 0]"),
    (sp.log(a / (1 + a)), r"\ln{\left(\frac{a}{1 + a}\right)}"),
    (sigmoid(sp.Sum(W[k] * x, (k, 1, n)) + w0),
     r"\sigma{\left(\sum_{k=1}^{n} x w_{k} + w_{0}\right)}"),
    (sp.Heaviside(z / 2, 0), r"\mathbf{1}\left[\frac{z}{2} > 0\right]"),
    ((1 + sp.exp(-z)) ** 2, "(1 + e^{- z})^{2}"),
    (S ** 2, r"\left(\sum_{k=1}^{n} e^{z_{k}}\right)^{2}"),
    (sp.exp(-z) / (1 + sp.exp(-z)) ** 2, r"\frac{e^{- z}}{(1 + e^{- z})^{2}}"),
    (product(1 / (1 + sp.exp(-z)), 1 - 1 / (1 + sp.exp(-z))),
     r"\frac{1}{1 + e^{- z}} \left(1 - \frac{1}{1 + e^{- z}}\right)"),
    (product(sp.exp(Z[i]) / S, A[j]), r"\frac{e^{z_{i}}}{\sum_{k=1}^{n} e^{z_{k}}} a_{j}"),
    # indices: w_{kj} without a comma; a layer's superscript stacks over them
    (W[k, j], "w_{kj}"),
    (W[0, j], "w_{0j}"),
    (sp.IndexedBase("w^{l}")[k, j], "w^{l}_{kj}"),
    (W[k, 10], "w_{k, 10}"),
    (sp.IndexedBase("w_0")[j], "{w_{0}}_{j}"),
    # transposes
    (sp.Transpose(sp.MatrixSymbol("x", 2, 1)), "x^{T}"),
    (sp.Transpose(sp.MatrixSymbol(r"\delta^{2}", 2, 1)), r"(\delta^{2})^{T}"),
    (sp.Transpose(sp.MatrixSymbol(partial(r"\ell", "z^{2}").name, 2, 1)),
     r"\left(\frac{\partial \ell}{\partial z^{2}}\right)^{T}"),
])
def test_printed(expr, expected):
    assert latex(expr) == expected


def test_printing_changes_no_expression():
    # the printer orders terms; the expression is SymPy's own
    e = sp.exp(Z[j] - M)
    assert latex(e) == "e^{z_{j} - M}" and e.args[0] == -M + Z[j]


@pytest.mark.parametrize("expr, tall", [
    (z, False), (1 - a, False), (sp.exp(-z), False), (A[j], False),
    (a / 2, True), (1 / a, True), (S, True), (sp.Derivative(f(z), z), True),
    (sp.Matrix([1, 2]), True), (partial("a", "z"), True), (partial("a", "z_j", j), True),
])
def test_tall(expr, tall):
    assert is_tall(expr) is tall


@pytest.mark.parametrize("expr, minus", [
    (-a, a), (a, None), (a - y, None), (sp.Sum(-Y[i], (i, 1, n)), sp.Sum(Y[i], (i, 1, n))),
    (sp.Sum(Y[i], (i, 1, n)), None),
])
def test_negated(expr, minus):
    assert negated(expr) == minus


def test_negated_kept_product_keeps_its_factors():
    p = product(-a, x - 1)
    assert latex(negated(p)) == "a (x - 1)" and latex(p) == "- a (x - 1)"


def test_order_none_keeps_the_written_order():
    e = sp.Add(sp.Symbol("b"), -a, evaluate=False)
    assert latex(e, order="none") == "b - a"
    assert latex(sp.Add(-M, z, evaluate=False), order="none") == "- M + z"


def test_an_expression_printed_before_is_not_printed_again():
    from derive.calculus import latex as module
    expr = sp.exp(Z[j] - M) / sp.Sum(sp.exp(Z[k] - M), (k, 1, n))
    first = latex(expr)
    hits = module._printed.cache_info().hits
    assert latex(expr) == first
    assert module._printed.cache_info().hits == hits + 1


def test_printed_expressions_are_told_apart_by_structure_and_settings():
    # SymPy's == is structural: a product kept in another order is another key
    ab, ba = product(a, 1 - y), product(1 - y, a)
    assert (latex(ab), latex(ba)) == ("a (1 - y)", "(1 - y) a")
    assert (latex(sp.Integer(2)), latex(sp.Float(2.0))) == ("2", "2.0")
    h = sp.Symbol("a1_k", real=True)
    assert latex(h) == "a_{1 k}"
    assert latex(h, symbol_names={h: "a^{1}_{k}"}) == "a^{1}_{k}"
    assert latex(h, symbol_names={h: "h"}) == "h"
    assert latex(h - y, order="none") != latex(h - y, symbol_names={h: "h"})


def test_what_is_not_a_sympy_expression_is_printed_as_before():
    assert latex(2.0) == "2.0" and latex(2) == "2"
    assert latex([a, 1]) == r"\left[ a, \  1\right]"
