"""Properties of the SymPy derivations at random points: every step of the
softmax Jacobian's derivation (and SymPy's own derivative of the softmax)
has rows and columns that sum to 0, every step of ∂NLLM/∂z sums to 0 over
the classes, and the softmax output layer's ∂ℓ/∂W has rows that sum to 0
in the δ recursion, its stable forms and direct differentiation, for any
loss on the softmax. Points have ties (equal logits) and logits of 10⁴."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive.calculus import softmax as sm
from derive.calculus.backprop import derive_backprop, forward, symbols_for
from derive.calculus.rules import LOSSES
from derive.problem.spec import Layer, Network
from tests.strategies import examples

DIGITS = 60
ZERO = sp.Float(10) ** (20 - DIGITS)   # what 60 digits leave of a sum of O(1) terms

_DERIVATIONS = {"jacobian": sm.derive_softmax_jacobian, "nllm_dz": sm.derive_nllm_dz,
                "layer": sm.derive_softmax_layer_gradient}


@lru_cache(maxsize=None)
def forms(name: str, n: int, m: int = 1) -> list[sp.Expr]:
    """SymPy's own derivative (``direct``) and every step of a derivation,
    unfolded for n classes and m inputs (free indices left free)."""
    d = _DERIVATIONS[name]()
    return [d.unfold(e, {sm.n: n, sm.m: m}) for e in (d.direct, *[s.expr for s in d.steps])]


def value(expr: sp.Expr, indices: dict, point: dict) -> sp.Float:
    return sp.N(expr.xreplace(indices).xreplace(point), DIGITS)


def assert_zero_sum(terms: list, what):
    total, size = sum(terms), sum(abs(t) for t in terms)
    assert abs(total) <= ZERO * (1 + size), (what, total, terms)


# logits with ties (a value drawn again) and of any size up to 10⁴
_NUMBERS = st.one_of(st.integers(-10**4, 10**4),
                     st.fractions(-10, 10, max_denominator=20)).map(sp.Rational)


@st.composite
def logits(draw, n: int) -> list:
    pool = draw(st.lists(_NUMBERS, min_size=1, max_size=n))
    return [draw(st.sampled_from(pool)) for _ in range(n)]


@examples(15)
@given(st.integers(2, 5), st.data())
def test_each_step_of_the_softmax_jacobian_has_rows_and_columns_summing_to_0(n, data):
    z = data.draw(logits(n), label="z")
    point = {sm.z[k + 1]: v for k, v in enumerate(z)}
    for step, expr in enumerate(forms("jacobian", n)):
        J = [[value(expr, {sm.i: i, sm.j: j}, point) for j in range(1, n + 1)]
             for i in range(1, n + 1)]
        for i in range(n):
            assert_zero_sum(J[i], ("row", i + 1, "step", step))
            assert_zero_sum([J[r][i] for r in range(n)], ("column", i + 1, "step", step))


@examples(15)
@given(st.integers(2, 5), st.data())
def test_each_step_of_the_nllm_gradient_sums_to_0_over_the_classes(n, data):
    """∂NLLM/∂zⱼ = aⱼ − yⱼ for one-hot y: Σⱼ is 1 − 1 at every step."""
    z = data.draw(logits(n), label="z")
    c = data.draw(st.integers(1, n), label="class")
    point = {sm.z[k + 1]: v for k, v in enumerate(z)}
    point.update({sm.y[k]: int(k == c) for k in range(1, n + 1)})
    for step, expr in enumerate(forms("nllm_dz", n)):
        assert_zero_sum([value(expr, {sm.j: j, sm.c: c}, point) for j in range(1, n + 1)],
                        ("step", step))


@examples(10)
@given(st.integers(2, 3), st.integers(1, 2), st.data())
def test_each_step_of_the_softmax_layer_gradient_has_rows_summing_to_0(n, m, data):
    """∂NLLM/∂w_kj = x_k (aⱼ − yⱼ): for each input k, Σⱼ is 0."""
    numbers = st.fractions(-3, 3, max_denominator=10).map(sp.Rational)
    x = data.draw(st.lists(st.one_of(numbers, _NUMBERS.map(lambda v: v / 1000)),
                           min_size=m, max_size=m), label="x")
    c = data.draw(st.integers(1, n), label="class")
    point = {sm.x[q + 1]: v for q, v in enumerate(x)}
    point.update({sm.w[q, col]: data.draw(numbers, label=f"w[{q}, {col}]")
                  for q in range(1, m + 1) for col in range(1, n + 1)})
    point.update({sp.IndexedBase("w_0")[col]: data.draw(numbers, label=f"w0[{col}]")
                  for col in range(1, n + 1)})
    point.update({sm.y[col]: int(col == c) for col in range(1, n + 1)})
    for step, expr in enumerate(forms("layer", n, m)):
        for k in range(1, m + 1):
            assert_zero_sum([value(expr, {sm.k: k, sm.j: j, sm.c: c}, point)
                             for j in range(1, n + 1)], ("input", k, "step", step))


@lru_cache(maxsize=None)
def gradients(net: Network) -> dict:
    """∂ℓ/∂Wᴸ of a network by the δ recursion (textbook and stable forms)
    and by differentiating the composed loss, with the symbols."""
    s = symbols_for(net)
    loss = LOSSES[net.loss].L(forward(net, s)[1][-1], s.y)
    return {"symbols": s, "recursion": derive_backprop(net).dL_dW[-1],
            "stable": derive_backprop(net, stable=True).dL_dW[-1],
            "direct": s.W[-1].applyfunc(lambda w: sp.diff(loss, w))}


@examples(10)
@given(st.sampled_from(["nllm", "mse"]), st.sampled_from([None, "relu"]), st.integers(2, 3),
       st.data())
def test_any_loss_on_a_softmax_output_has_gradient_rows_summing_to_0(loss, hidden, n, data):
    """∂ℓ/∂Wᴸ = aᴸ⁻¹ (δᴸ)ᵀ with δᴸ = Jᵀ ∂ℓ/∂a: the softmax Jacobian's rows
    sum to 0, so do δᴸ and each row, whatever the loss (for nllm, y one-hot)."""
    layers = ((Layer(2, hidden),) if hidden else ()) + (Layer(n, "softmax"),)
    net = Network(2, layers, loss)
    g = gradients(net)
    s = g["symbols"]
    numbers = st.fractions(-3, 3, max_denominator=10).map(sp.Rational)
    point = {v: data.draw(numbers, label=str(v)) for v in s.flat()[:-n]}
    if loss == "nllm":
        c = data.draw(st.integers(0, n - 1), label="class")
        point.update({v: int(k == c) for k, v in enumerate(s.y)})
    else:
        point.update({v: data.draw(numbers) for v in s.y})
    for form in ("recursion", "stable", "direct"):
        G = g[form]
        for r in range(G.rows):
            assert_zero_sum([sp.N(G[r, col].xreplace(point), DIGITS) for col in range(G.cols)],
                            (form, "row", r + 1))
