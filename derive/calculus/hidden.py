"""∂ℓ/∂wˡ_kj and ∂ℓ/∂wˡ_0j of a layer below the output, and ∂ℓ/∂wᴸ_0j of
the output layer: the steps a numeric ``gradient`` question with ``show``
shows for them (the output layer's weights are
:func:`derive.calculus.catalogue.gradient_formula`).

A hidden layer's steps are written for any network: the error reaches zˡⱼ
through aˡⱼ and every z^(l+1)ᵢ, ∂z^(l+1)ᵢ/∂aˡⱼ = w^(l+1)_ji, and the
activation's slope fˡ′(zˡⱼ) comes from its local rule
(:mod:`derive.calculus.rules`). ``definitions`` unfold each placeholder, so
:func:`derive.calculus.steps.check` proves every step follows from the one
before.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.calculus.rules import ACTIVATIONS
from derive.calculus.steps import Derivation, Step, partial, partial_key, product

ELL = r"\ell"
i = sp.Symbol("i", integer=True, positive=True)


def _input(l: int) -> tuple[sp.Symbol, str]:
    """aˡ⁻¹ₖ (xₖ for the first layer) as a symbol and as LaTeX."""
    tex = "x_{k}" if l == 1 else f"a^{{{l - 1}}}_{{k}}"
    return sp.Symbol(tex, real=True), tex


@lru_cache(maxsize=None)
def hidden_gradient(activation: str, l: int, bias: bool = False) -> Derivation:
    """∂ℓ/∂wˡ_kj (``bias``: ∂ℓ/∂wˡ_0j) of hidden layer ``l`` with activation
    ``activation``: δˡⱼ = (Σᵢ δ^(l+1)ᵢ w^(l+1)_ji) fˡ′(zˡⱼ), times aˡ⁻¹ₖ (or 1)."""
    up = l + 1
    n = sp.Symbol(f"n^{{{up}}}", integer=True, positive=True)
    d_up, w_up = sp.IndexedBase(rf"\delta^{{{up}}}"), sp.IndexedBase(f"w^{{{up}}}")
    z, a = sp.Symbol(f"z^{{{l}}}_{{j}}", real=True), sp.Symbol(f"a^{{{l}}}_{{j}}", real=True)
    zj, aj, zi = f"z^{{{l}}}_j", f"a^{{{l}}}_j", f"z^{{{up}}}_i"
    w = f"w^{{{l}}}_{{0j}}" if bias else f"w^{{{l}}}_{{kj}}"
    h, h_tex = (sp.Integer(1), "1") if bias else _input(l)
    back = sp.Sum(d_up[i] * w_up[sp.Symbol("j", integer=True, positive=True), i], (i, 1, n))
    fp = ACTIVATIONS[activation].df(z, a)
    delta = sp.Symbol(rf"\delta^{{{l}}}_{{j}}", real=True)
    dl_dz, dz_dw, da_dz = partial(ELL, zj), partial(zj, w), partial(aj, zj)
    tail = (lambda *f: product(*f)) if bias else (lambda *f: product(*f, h))  # noqa: E731
    chain = sp.Sum(product(partial(ELL, zi, i), partial(zi, aj, i)), (i, 1, n))
    steps = [Step(rf"Only ${zj}$ depends on ${w}$", product(dl_dz, dz_dw)),
             Step(rf"${zj}$ reaches $\ell$ through ${aj}$, which enters every ${zi}$",
                  product(chain, da_dz, dz_dw)),
             Step(rf"$\frac{{\partial {zi}}}{{\partial {aj}}} = w^{{{up}}}_{{ji}}$, "
                  rf"$\frac{{\partial {aj}}}{{\partial {zj}}} = f^{{{l}}}{{}}'({zj})$ and "
                  rf"$\frac{{\partial {zj}}}{{\partial {w}}} = {h_tex}$", tail(back, fp)),
             Step(rf"The first factors are $\delta^{{{l}}}_{{j}}$, entry $j$ of "
                  rf"$(W^{{{up}}} \delta^{{{up}}}) \odot f^{{{l}}}{{}}'(z^{{{l}}})$",
                  delta if bias else product(delta, h))]
    if not bias:
        prev = "x" if l == 1 else f"a^{{{l - 1}}}"
        steps.append(Step(rf"In matrix form the gradient is ${prev}\,(\delta^{{{l}}})^T$, "
                          rf"with the shape of $W^{{{l}}}$", product(h, delta)))
    return Derivation(
        f"{activation}_hidden{l}_{'bias' if bias else 'weight'}_gradient", partial(ELL, w),
        tuple(steps),
        definitions={dl_dz: back * fp, dz_dw: h, da_dz: fp, delta: back * fp,
                     partial_key(ELL, zi): lambda i_: d_up[i_],
                     partial_key(zi, aj): lambda i_: w_up[sp.Symbol("j", integer=True,
                                                                    positive=True), i_]})


@lru_cache(maxsize=None)
def output_bias_gradient(L: int, one_unit: bool) -> Derivation:
    """∂ℓ/∂wᴸ_0j = δᴸⱼ: the bias enters zᴸⱼ with factor 1."""
    j = "" if one_unit else "_j"
    zj, w = f"z{j}", (f"w^{{{L}}}_{{0}}" if one_unit else f"w^{{{L}}}_{{0j}}")
    dl_dz, dz_dw = partial(ELL, zj), partial(zj, w)
    return Derivation(
        f"output{L}_bias_gradient", partial(ELL, w),
        (Step(rf"Only ${zj}$ depends on ${w}$", product(dl_dz, dz_dw)),
         Step(rf"${w}$ enters ${zj}$ with factor 1: the output gradient above", dl_dz)),
        definitions={dz_dw: sp.Integer(1)})
