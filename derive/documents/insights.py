"""Sentences of interpretation for the numeric worked solutions, chosen by the
numbers of the instance at hand, for any network of the catalogue.

Each function takes numbers (and the names to print) and returns one
sentence, or "" where nothing true and useful can be said; indices a person
reads count from 1 (unit 3 is the third unit). The wording follows the
numbers: "rose"/"fell", "active"/"off", ties, zero inputs, dead units.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import sympy as sp

from derive.documents.checks import numbered, series
from derive.documents.kind_text import ETA

# a unit is saturated where its slope is under this share of the activation's largest
SATURATED = 0.1
SATURATING = ("sigmoid", "tanh")


def _be(items: Sequence, one: str = "is", many: str = "are") -> str:
    return one if len(items) == 1 else many


def _norm2(symbol: str) -> str:
    return rf"\lVert {symbol} \rVert^{{2}}"


def output_signs(loss: str, delta, target: int, feeds: bool, L: int) -> str:
    """What the signs of δᴸ = aᴸ − y say a step on Wᴸ does to the output's
    scores: it moves zᴸ by −η‖aᴸ⁻¹‖² δᴸ (``target``: the target class,
    0-based; ``feeds``: aᴸ⁻¹ (x for L = 1) is not all 0, so the step moves
    them). Only for the losses whose δᴸ is a − y of a one-hot or 0/1 target
    (nllm, nll); "" when the signs say nothing clear."""
    d = np.asarray(delta, float)
    if not feeds or loss not in ("nllm", "nll"):
        return ""
    a = f"a^{{{L}}}"
    step = "a step against the gradient" if L == 1 else f"a step of $W^{{{L}}}$ against its gradient"
    if loss == "nll":
        if d.size != 1 or d[0] == 0:  # several 0/1 labels: each unit's own sign
            return ""
        sign, verb = ("<", "raises") if d[0] < 0 else (">", "lowers")
        return (f"Here ${a} - y {sign} 0$: {step} {verb} the score $z^{{{L}}}$ and with it "
                f"the probability of class 1.")
    others = [j for j in range(len(d)) if j != target]
    if d[target] < 0 and all(d[j] > 0 for j in others):
        return (f"Only the target class (class {target + 1}) has ${a}_{{j}} - y_{{j}} < 0$: "
                f"{step} raises its score and lowers every other.")
    return ""


def first_order(fmt, lr: float, grads: dict[str, np.ndarray]) -> str:
    """The first-order change of the loss in a step of size ``lr`` on the
    parameters named (LaTeX) by ``grads``' keys: −η Σ ‖∇‖², never positive.
    Ends where the actual change of the loss can follow (``; ``)."""
    value = -float(lr) * sum(float(np.sum(np.asarray(g, float) ** 2)) for g in grads.values())
    norms = [_norm2(rf"\nabla_{{{p}}} \ell") for p in grads]
    formula = (rf"- {ETA} {norms[0]}" if len(norms) == 1 else
               rf"- {ETA} \left({' + '.join(norms)}\right)")
    if value == 0:
        return (rf"The gradient is 0: to first order the step does not change the loss "
                rf"($\Delta \ell = {formula} = 0$); ")
    return (rf"This is a descent step: to first order the loss changes by "
            rf"$\Delta \ell = {formula} {fmt.relation([value])} {fmt.number(value)}$, never "
            rf"positive, so a step against the gradient lowers $\ell$ when it is short enough; ")


def score_shift(dz, target: int | None) -> str:
    """What a step's change of the scores ``dz`` = z_new − z does to each
    class (softmax: ``target`` is the target class, 0-based; one output:
    ``target`` None); "" when the signs say nothing clear."""
    dz = np.asarray(dz, float)
    if len(dz) == 1:
        return "the score " + ("rises" if dz[0] > 0 else "falls" if dz[0] < 0 else "stays")
    others = [j for j in range(len(dz)) if j != target]
    if not np.any(dz):
        return "no score moves"
    if dz[target] > 0 and all(dz[j] < 0 for j in others):
        return "the target's score rises and every other score falls"
    return ""


VERBS = {"past": ("rose", "fell", "stayed"), "present": ("rises", "falls", "stays")}


def change_verb(fmt, before: float, after: float, tense: str = "past") -> str:
    """"rose"/"fell" (``tense`` "present": "rises"/"falls") as the numbers
    moved, "stayed" where ``fmt`` prints them the same: no direction is
    claimed that the digits shown do not show."""
    up, down, same = VERBS[tense]
    if fmt.number(before) == fmt.number(after):
        return same
    return up if after > before else down


def moved(fmt, before: float, after: float, name: str, name_new: str) -> str:
    """"rose from a ≈ 0.6652 to a_new ≈ 0.7725" ("stayed at …" when equal as printed)."""
    verb = change_verb(fmt, before, after)
    if verb == "stayed":
        return f"stayed at ${name_new} {fmt.relation([after])} {fmt.number(after)}$"
    return (f"{verb} from ${name} {fmt.relation([before])} {fmt.number(before)}$ to "
            f"${name_new} {fmt.relation([after])} {fmt.number(after)}$")


def probabilities(fmt, a, a_new, target: int, query: int, names) -> str:
    """How the step changed the target class's probability and the asked
    class's (0-based; ``names(j)`` gives entry j's name before and after)."""
    said = f"The target class's probability {moved(fmt, a[target], a_new[target], *names(target))}"
    if query != target:
        said += f" and class {query + 1}'s {moved(fmt, a[query], a_new[query], *names(query))}"
    return said + "."


def favoured(a, target: int) -> str:
    """Which class the output favours, against the target (0-based); ties said."""
    a = np.asarray(a, float)
    tops = [j for j in range(len(a)) if a[j] == np.max(a)]
    if len(tops) > 1:
        with_target = ("the target among them" if target in tops else
                       f"not the target class {target + 1}")
        tied = series([str(j + 1) for j in tops])
        return f"classes {tied} tie for the highest probability, {with_target}"
    top = tops[0]
    if top == target:
        return f"the most probable class is class {top + 1}, the target"
    return f"the most probable class is class {top + 1}, not the target class {target + 1}"


def zero_rows(inputs, l: int, off: Sequence[int], gradient: str) -> str:
    """Rows of ∇Wˡ that are 0 because the layer's input is 0 there: an input
    xₖ = 0 (``l`` = 1), a ReLU unit of layer l − 1 that is off (``off``), or
    another unit whose output is 0. "" when no input is 0."""
    zero = [k for k in range(len(inputs)) if inputs[k] == 0]
    if not zero:
        return ""
    lines = "row" if len(zero) == 1 else "rows"
    its = "its" if len(zero) == 1 else "their"
    then = (f"so {its} {lines} of ${gradient}$ {_be(zero)} 0: "
            f"a unit that passes nothing forward gets no gradient on its outgoing weights.")
    if l == 1:
        names = series([f"$x_{{{k + 1}}}$" for k in zero])
        return (f"{'Input' if len(zero) == 1 else 'Inputs'} {names} {_be(zero)} 0, so {its} "
                f"{lines} of ${gradient}$ {_be(zero)} 0: an input that is 0 adds nothing to "
                f"$z^{{1}}$, so its weights get no gradient.")
    if set(zero) <= set(off):
        return f"{numbered(zero, 'Unit')} {_be(zero)} off, {then}"
    return (f"{numbered(zero, 'Unit')} of layer {l - 1} {_be(zero, 'outputs', 'output')} 0 "
            f"($a^{{{l - 1}}}_{{k}} = 0$), {then}")


def zero_columns(delta, back, off: Sequence[int], gradient: str) -> str:
    """Columns of ∇Wˡ that are 0 because δˡⱼ = (Wˡ⁺¹δˡ⁺¹)ⱼ fˡ′(zˡⱼ) is 0: a
    ReLU that is off (``off``: the mask stops the error), or an error that
    cancels in ``back`` = Wˡ⁺¹δˡ⁺¹. "" when no such entry of δˡ is 0."""
    zero = [j for j in range(len(delta)) if delta[j] == 0]
    masked = [j for j in zero if j in off]
    cancelled = [j for j in zero if j not in off and back[j] == 0]
    said = []
    if masked:
        its = "its column" if len(masked) == 1 else "their columns"
        said.append(f"{numbered(masked, 'Unit')} {_be(masked)} off, so {its} of ${gradient}$ "
                    f"{_be(masked)} 0: the mask stops the error there, so "
                    f"{'its' if len(masked) == 1 else 'their'} incoming weights do not change.")
    if cancelled:
        its = "its column" if len(cancelled) == 1 else "their columns"
        said.append(f"The error reaching {numbered(cancelled, 'unit')} cancels to 0, so "
                    f"{its} of ${gradient}$ {_be(cancelled)} 0 too.")
    return " ".join(said)


@lru_cache(maxsize=None)
def largest_slope(activation: str) -> float:
    """f′(0), the steepest slope of a saturating activation: its SymPy
    definition differentiated."""
    from derive.calculus.activations import FUNCTION, z
    return float(sp.diff(FUNCTION[activation], z).subs(z, 0))


def saturated(fmt, activation: str, f_prime, l: int, gradient: str) -> str:
    """The saturated units of a sigmoid or tanh layer (slope under a tenth of
    the largest): they pass back only that fraction of their error, so their
    columns of ∇Wˡ are scaled down, yet no mask sets them to 0. "" for other
    activations or none saturated."""
    if activation not in SATURATING:
        return ""
    fp = np.asarray(f_prime, float)
    units = [j for j in range(len(fp)) if fp[j] < SATURATED * largest_slope(activation)]
    if not units:
        return ""
    slopes = series([f"$f^{{{l}}}{{}}'(z^{{{l}}}_{{{j + 1}}}) {fmt.relation([fp[j]])} "
                     f"{fmt.number(fp[j])}$" for j in units])
    one = len(units) == 1
    it, column = ("it", "its column") if one else ("them", "their columns")
    return (f"{numbered(units, 'Unit')} {_be(units)} saturated ({slopes}, against a largest "
            f"slope of {largest_slope(activation):g}): {'it passes' if one else 'they pass'} back "
            f"only that fraction of the error reaching {it}, so {column} of ${gradient}$ "
            f"{_be(units)} scaled down by it; no mask sets {it} to 0.")


def dead_layer(z_new, l: int, L: int, output: str) -> str:
    """After the step, every ReLU of hidden layer ``l`` is off for this input:
    what is above it is set by the biases alone (``output``: the output
    layer's function of its bias, LaTeX, when l = L − 1). "" unless all off."""
    z_new = np.asarray(z_new, float)
    if np.any(z_new > 0):
        return ""
    said = (f"After the step every ReLU of layer {l} is dead for this input: "
            f"$a^{{{l}}}_{{\\text{{new}}}} = 0$, so ")
    said += (f"the output is ${output}$, set by the bias alone" if l == L - 1 else
             f"every layer above it is set by the biases alone")
    if np.all(z_new < 0):
        return said + ": near this input the output does not change with $x$."
    return said + "."


def state_change(z, z_new, l: int) -> str:
    """Which ReLU units of layer ``l`` switched off or on in the step (or
    that none changed state)."""
    on, on_new = np.asarray(z) > 0, np.asarray(z_new) > 0
    died = [j for j in range(len(on)) if on[j] and not on_new[j]]
    woke = [j for j in range(len(on)) if on_new[j] and not on[j]]
    if not died and not woke:
        return f"No unit of layer {l} changed state in the step."
    said = [f"{numbered(units, 'unit')} switched {how}" for units, how in
            ((died, "off"), (woke, "on")) if units]
    return f"In the step {' and '.join(said)} (layer {l})."
