"""Explanations the numeric worked solutions add to their steps, as blocks
(:mod:`derive.documents.blocks`), for any network of the catalogue: the rule a
``gradient`` question asks to show, the shifted softmax with its numbers,
why the error goes back through Wˡ⁺¹ rather than its transpose, and after
the step: the state of each ReLU layer, how the scores and probabilities moved. Formulas are
printed from SymPy expressions; the sentences chosen by numbers are in
:mod:`derive.documents.insights`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derive.calculus.catalogue import gradient_derivations
from derive.calculus.latex import latex
from derive.calculus.steps import partial
from derive.documents import explain, insights
from derive.documents.blocks import align, text
from derive.documents.context import derivation_context, derivation_from_json
from derive.documents.textcache import cached
from derive.documents.kind_text import (ACTIVATION_NAMES, ETA, new, output_class, param_symbol,
                                        sup)
from derive.problem.assignment import Part
from derive.problem.spec import Network


def _tex(expr: sp.Basic) -> str:
    return latex(expr, order="none")


def shown_rule(net: Network, param: str) -> list[dict[str, Any]]:
    """The derivation of ∂ℓ/∂w_kj a ``gradient`` question with ``show`` asks
    for (the calculus catalogue's steps, each checked by SymPy)."""
    return [{"type": "derivation", "d": d} for d in _rule(net, param)]


@lru_cache(maxsize=None)
def _rule(net: Network, param: str) -> tuple[dict[str, Any], ...]:
    # the same for every instance of the network: derived and printed once, kept on disk
    kept = cached("shown-rule", repr((net, param)),
                  lambda: [derivation_context(d) for d in gradient_derivations(net, param)],
                  lambda v: isinstance(v, list) and bool(v)
                  and all(map(derivation_from_json, v)))
    return tuple(map(derivation_from_json, kept))


def shifted_softmax(fmt, z, l: int) -> list[dict[str, Any]]:
    """aˡ = SM(zˡ) computed as e^(zˡ − M) / Σ e^(zˡₖ − M), M = max zˡ, with its numbers."""
    z = np.asarray(z, float)
    e = np.exp(z - np.max(z))
    k, j = sp.symbols("k j", integer=True, positive=True)
    n, M = sp.Symbol(f"n^{{{l}}}", integer=True, positive=True), sp.Symbol("M")
    shift = lambda name: sp.Add(sp.Symbol(name), -M, evaluate=False)  # noqa: E731
    total = sp.Sum(sp.exp(shift(f"z^{{{l}}}_{{k}}")), (k, 1, n))
    q = lambda v: f"{fmt.relation(v)} {fmt.matrix(v) if np.ndim(v) else fmt.number(v)}"  # noqa: E731
    largest = sp.Eq(M, sp.Symbol(rf"\max_{{i}} z^{{{l}}}_{{i}}"), evaluate=False)
    return [text(f"The softmax, shifted by the largest score ${_tex(largest)}$ "
                 f"so that no exponential overflows (the shift cancels in the quotient):"),
            align((f"a^{{{l}}}_{{j}}", _tex(sp.exp(shift(f"z^{{{l}}}_{{j}}")) / total), ""),
                  (_tex(shift(f"z^{{{l}}}")), q(z - np.max(z)), ""),
                  (_tex(sp.exp(shift(f"z^{{{l}}}"))), q(e), ""),
                  (_tex(total), q(float(np.sum(e))), ""))]


def through_forward_weights(l: int, last: bool) -> list[dict[str, Any]]:
    """Why δˡ takes Wˡ⁺¹ δˡ⁺¹ and not its transpose: aˡₖ reaches every unit of
    layer l + 1 (``last``: the output layer), through w^(l+1)_kj."""
    up = l + 1
    j = sp.Symbol("j", integer=True, positive=True)
    n = sp.Symbol(f"n^{{{up}}}", integer=True, positive=True)
    w, d = sp.Symbol(f"w^{{{up}}}_{{kj}}"), sp.Symbol(rf"\delta^{{{up}}}_{{j}}")
    where = "every output" if last else f"every unit of layer {up}"
    return [text(f"Why $W^{{{up}}}$ and not its transpose: $a^{{{l}}}_{{k}}$ reaches {where}, "
                 f"with ${_tex(sp.Eq(partial(f'z^{{{up}}}_{{j}}', f'a^{{{l}}}_{{k}}'), w))}$, "
                 f"so summing over $j$"),
            align((_tex(partial(r"\ell", f"a^{{{l}}}_{{k}}")),
                   f"{_tex(sp.Sum(sp.Mul(d, w, evaluate=False), (j, 1, n)))} = "
                   rf"\left(W^{{{up}}} \delta^{{{up}}}\right)_{{k}}", "")),
            text(rf"row $k$ of $W^{{{up}}}$ times $\delta^{{{up}}}$.")]


# ---------------------------------------------------------------- after the step

def relu_states(part: Part, sol, z_new) -> list[str]:
    """Each ReLU layer after the step: dead for this input (what is above it
    then set by the biases), or which units are active and which changed state."""
    net, L = part.network, len(part.network.layers)
    b = param_symbol(f"b{L}")
    b = new(b) if f"b{L}" in part.step_params else b
    out = ACTIVATION_NAMES[net.layers[-1].activation][1].replace("z", b)
    said = []
    for l in range(1, L):
        if net.layers[l - 1].activation != "relu":
            continue
        dead = insights.dead_layer(z_new[l - 1], l, L, out)
        said += [dead] if dead else [
            explain.activity(z_new[l - 1], " after the step", new(sup("z", l))),
            insights.state_change(sol.z[l - 1], z_new[l - 1], l)]
    return said


def moved(fmt, part: Part, sol, data, c: int) -> list[dict[str, Any]]:
    """How the step moved the scores (one layer: by −η(‖x‖² + 1)δ¹, the
    terms of the parameters it updates) and the probabilities of the target
    class and of class ``c`` (from 1)."""
    net, step = part.network, part.step_params
    a, a_new, blocks = sol.a[-1], sol.after.a[-1], []
    if len(net.layers) == 1:
        one = net.sizes[1] == 1
        held = [name for g, name in (("W", "weights"), ("b", "bias" if one else "biases"))
                if f"{g}1" not in step]
        factor = " + ".join(t for g, t in (("W", r"\lVert x \rVert^{2}"), ("b", "1"))
                            if f"{g}1" in step)
        factor = f"({factor}) " if "+" in factor else "" if factor == "1" else f"{factor} "
        dz = sol.after.z[-1] - sol.z[-1]
        lead = f"the step moved the score{'' if one else 's'} by"
        blocks += [text(f"The {held[0]} {'is' if held[0] == 'bias' else 'are'} held, so {lead}"
                        if held else lead[0].upper() + lead[1:]),
                   align((r"z_{\text{new}} - z",
                          rf"- {ETA} {factor}\delta^{{1}} {fmt.relation(dz)} "
                          rf"{fmt.number(dz[0]) if one else fmt.matrix(dz)}", ""))]
        verdict = insights.score_shift(dz, None if one else int(np.argmax(data.y)))
        if verdict:
            blocks.append(text(f"{verdict[0].upper()}{verdict[1:]}."))
    names = lambda j: (output_class(net, j + 1), new(output_class(net, j + 1)))  # noqa: E731
    if len(a) == 1:
        said = f"The probability of class {c} {insights.moved(fmt, a[0], a_new[0], *names(0))}."
    else:
        said = insights.probabilities(fmt, a, a_new, int(np.argmax(data.y)), c - 1, names)
    return blocks + [text(said)]
