"""formula_mistakes by question kind: which mistake each formula kind gets,
and what it makes of the key's formula (written out by hand here)."""

import pytest
import sympy as sp

from derive.numerics.formula_mistakes import formula_mistakes
from derive.problem.assignment import Question

z = sp.Symbol("z")
k, n, j = sp.symbols("k n j", integer=True)
Z = sp.IndexedBase("z")


def _q(kind, activation=None):
    return Question("q", kind, 1, (("activation", activation),))


def test_an_unnormalised_softmax_is_its_numerator():
    softmax = sp.exp(Z[j]) / sp.Sum(sp.exp(Z[k]), (k, 1, n))
    assert formula_mistakes(_q("activation", "softmax"), softmax) == \
        {"not-normalised": sp.exp(Z[j])}


@pytest.mark.parametrize("kind", ["activation-derivative", "output-gradient", "gradient-formula"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", None])
def test_a_derivative_or_gradient_formula_gets_its_sign_flipped(kind, activation):
    a, y, x = sp.symbols("a y x_k")
    expected = x * (a - y)                       # no z in it: flipping z would change nothing
    got = formula_mistakes(_q(kind, activation), expected)
    assert list(got) == ["sign-flipped"] and sp.expand(got["sign-flipped"] - x * (y - a)) == 0


@pytest.mark.parametrize("activation, formula", [
    ("tanh", sp.tanh(z)), ("tanh", (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))),
    ("relu", sp.Max(0, z)), ("softmax", sp.exp(z))])
def test_no_mistake_of_the_library_is_about_these_activations(activation, formula):
    """Only the sigmoid's sign (σ(−z)) and the softmax's normalisation are
    mistakes of an activation formula; tanh (even written as a fraction), ReLU,
    and a softmax formula with nothing to normalise get none."""
    assert formula_mistakes(_q("activation", activation), formula) == {}


def test_a_mistake_no_point_can_evaluate_is_kept_when_simplify_shows_it():
    """f is unknown: the one point cannot evaluate −f(z) − f(z); simplify can."""
    f = sp.Function("f")(z)
    assert formula_mistakes(_q("activation-derivative"), f) == {"sign-flipped": -f}
