"""formula_mistakes: a mistake that leaves the formula the same is not one,
whether a point or simplify shows it."""

import sympy as sp

from derive.numerics.formula_mistakes import _differs_somewhere, formula_mistakes
from derive.problem.assignment import Question

z = sp.Symbol("z")


def _q(kind, activation=None):
    return Question("q", kind, 1, (("activation", activation),))


def test_a_mistake_that_changes_nothing_is_left_out():
    assert formula_mistakes(_q("activation-derivative"), sp.Integer(0)) == {}
    # even in z: flipping the sign of z changes nothing (simplify has to prove it)
    assert formula_mistakes(_q("activation", "sigmoid"), sp.cosh(z)) == {}
    assert formula_mistakes(_q("activation", "sigmoid"), (sp.exp(z) + sp.exp(-z)) / 2) == {}


def test_a_mistake_that_changes_the_formula_is_kept():
    sigmoid = 1 / (1 + sp.exp(-z))
    assert formula_mistakes(_q("activation", "sigmoid"), sigmoid) == \
        {"sign-flipped": 1 / (1 + sp.exp(z))}
    assert formula_mistakes(_q("gradient-formula"), sp.Symbol("x_k") * (sp.Symbol("a") - 1)) \
        == {"sign-flipped": -sp.Symbol("x_k") * (sp.Symbol("a") - 1)}


def test_one_point_decides_only_a_clear_difference():
    assert _differs_somewhere(sp.exp(z) - 1 - z)
    assert not _differs_somewhere(sp.sin(z) ** 2 + sp.cos(z) ** 2 - 1)
    k, n, j = sp.symbols("k n j", integer=True)
    zz = sp.IndexedBase("z")
    softmax = sp.exp(zz[j]) / sp.Sum(sp.exp(zz[k]), (k, 1, n))
    assert _differs_somewhere(sp.exp(zz[j]) - softmax)    # not normalised
    assert not _differs_somewhere(softmax - sp.exp(zz[j]) / sp.Sum(sp.exp(zz[k]), (k, 1, n)))
    # a sum that is 0 for every n: the point cannot tell, simplify does
    assert not _differs_somewhere(sp.Sum(k, (k, 1, n)) - n * (n + 1) / 2)
