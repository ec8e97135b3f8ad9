"""The reasoning of the numeric worked solutions (questions 5-14), as strings.

For each question: the rule used (formulas printed by :func:`derive.calculus.latex.latex`
from SymPy expressions), the shapes of every product, which hidden units are
active, the loss before and after a step, and sentences of interpretation.
Every sentence is chosen by the numbers of the instance, by a small public
function (:func:`activity`, :func:`state_change`, :func:`loss_change`, ...)
that the tests run over many variants; numbers are printed by
:class:`derive.documents.context.Formatter`. Sanity checks and their sentences come from
:mod:`derive.documents.checks`, the panel of common mistakes from :mod:`derive.documents.panel`.
Indices a person reads count from 1 (unit 3 is the third hidden unit).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.documents import checks, panel
from derive.documents.checks import numbered
from derive.calculus.latex import latex
from derive.numerics.evaluate import Solution
from derive.documents.render import Latex
from derive.problem.spec import Params, parse_params
from derive.calculus.steps import partial
from derive.documents.numbers import Given

ELL, ELL_NEW = sp.Symbol(r"\ell"), sp.Symbol(r"\ell_{\text{new}}")
ETA = sp.Symbol(r"\eta")


def _tex(expr: sp.Basic) -> str:
    return latex(expr, order="none")


def _eq(*exprs: sp.Basic) -> Latex:
    """``e1 = e2 = …`` as written."""
    return Latex(" = ".join(_tex(e) for e in exprs))


def shapes(*factors: tuple[int, int]) -> Latex:
    """The shapes of a product and of its result: ``2 × 1 · 1 × 3 → 2 × 3``."""
    dims = [rf"{r} \times {c}" for r, c in factors]
    result = (factors[0][0], factors[-1][1])
    return Latex(r" \cdot ".join(dims) + rf" \to {result[0]} \times {result[1]}")


# --------------------------------------------------------------------------
# Formulas (the same for every instance)


@lru_cache(maxsize=None)
def formulas() -> dict[str, Latex]:
    """The rules the numeric solutions quote, printed from SymPy expressions."""
    k, j = sp.symbols("k j", integer=True, positive=True)
    n1, n2 = sp.symbols("n^{1} n^{2}", integer=True, positive=True)
    S = sp.Symbol
    w2, a1, d2, z2 = S("w^{2}_{kj}"), S("a^{1}_{k}"), S(r"\delta^{2}_{j}"), S("z^{2}_{j}")
    dl_dw2 = S(r"\frac{\partial \ell}{\partial w^{2}_{kj}}")
    dl_dz2 = S(r"\frac{\partial \ell}{\partial z^{2}_{j}}")
    dz2_dw2 = S(r"\frac{\partial z^{2}_{j}}{\partial w^{2}_{kj}}")
    dz2_da1 = S(r"\frac{\partial z^{2}_{j}}{\partial a^{1}_{k}}")
    dl_da1 = S(r"\frac{\partial \ell}{\partial a^{1}_{k}}")
    grad = S(r"\nabla_W \operatorname{NLLM}")
    z, z_new, x, a, y = S("z"), S(r"z_{\text{new}}"), S("x"), S("a"), S("y")
    norm = lambda s: S(rf"\lVert {s} \rVert")  # noqa: E731
    zmax = S("M")  # M = max_i z²_i
    shifted = sp.exp(sp.Add(z2, -zmax, evaluate=False))
    shifted_k = sp.exp(sp.Add(S("z^{2}_{k}"), -zmax, evaluate=False))
    return {
        "z2_sum": _eq(z2, sp.Add(sp.Sum(sp.Mul(w2, a1, evaluate=False), (k, 1, n1)),
                                 S("w^{2}_{0j}"), evaluate=False)),
        "dW2": _eq(dl_dw2, sp.Mul(dl_dz2, dz2_dw2, evaluate=False),
                   sp.Mul(a1, d2, evaluate=False)),
        "dz2_da1": _eq(dz2_da1, w2),
        "back": _eq(dl_da1, sp.Sum(sp.Mul(w2, d2, evaluate=False), (j, 1, n2)),
                    S(r"\left(W^{2} \delta^{2}\right)_{k}")),
        "first_order": _eq(S(r"\Delta \ell"), sp.Mul(-1, ETA, norm(grad) ** 2, evaluate=False)),
        "dz": _eq(sp.Add(z_new, -z, evaluate=False),
                  sp.Mul(-1, ETA, norm(x) ** 2, sp.Add(a, -y, evaluate=False), evaluate=False)),
        "softmax_shifted": _eq(S("a^{2}_{j}"), shifted / sp.Sum(shifted_k, (k, 1, n2))),
        "M": _eq(zmax, S(r"\max_{i} z^{2}_{i}")),
        "shift": Latex(_tex(sp.Add(S("z^{2}"), -zmax, evaluate=False))),
        "exp": Latex(_tex(sp.exp(sp.Add(S("z^{2}"), -zmax, evaluate=False)))),
        "sum_exp": Latex(_tex(sp.Sum(shifted_k, (k, 1, n2)))),
        "ell": Latex(_tex(ELL)), "ell_new": Latex(_tex(ELL_NEW)),
        "a1_new_zero": Latex(_tex(sp.Eq(S(r"a^{1}_{\text{new}}"), 0, evaluate=False))),
        "bias_alone": Latex(_tex(sp.Function(r"\operatorname{SM}")(S("w^{2}_{0}")))),
        "below": Latex(_tex(sp.StrictLessThan(sp.Add(S("a_{j}"), -S("y_{j}"), evaluate=False), 0))),
        "dl_dW2": Latex(_tex(partial(r"\ell", "W^{2}"))),
        "dl_dW1": Latex(_tex(partial(r"\ell", "W^{1}"))),
    }


# --------------------------------------------------------------------------
# Sentences chosen by the numbers


def _moved(before: float, after: float) -> str:
    return "rose" if after > before else "fell" if after < before else "stayed"


def _change(fmt, before: float, after: float, j: int) -> str:
    """"rose from a_2 ≈ 0.6652 to a_2^new ≈ 0.7725" (class j, 0-based)."""
    return change(fmt, before, after, f"a_{{{j + 1}}}", f"a^{{\\text{{new}}}}_{{{j + 1}}}")


def change(fmt, before: float, after: float, a: str, a_new: str) -> str:
    """"rose from a ≈ 0.6652 to a_new ≈ 0.7725", the value named ``a``
    before the step and ``a_new`` after it (LaTeX)."""
    verb = _moved(before, after)
    if verb == "stayed":
        return f"stayed at ${a_new} {fmt.relation([after])} {fmt.number(after)}$"
    return (f"{verb} from ${a} {fmt.relation([before])} {fmt.number(before)}$ to "
            f"${a_new} {fmt.relation([after])} {fmt.number(after)}$")


def favoured(a, target: int) -> str:
    """Which class the output favours, against the target."""
    top = int(np.argmax(a))
    if np.sum(a == a[top]) > 1:
        return "no single class has the highest probability"
    if top == target:
        return f"the most probable class is class {top + 1}, the target"
    return f"the most probable class is class {top + 1}, not the target class {target + 1}"


def probabilities(fmt, a, a_new, target: int, query: int) -> str:
    """How the step changed the target's and the asked class's probabilities."""
    text = f"The target class's probability {_change(fmt, a[target], a_new[target], target)}"
    if query != target:
        text += f" and class {query + 1}'s {_change(fmt, a[query], a_new[query], query)}"
    return text + "."


def loss_change(fmt, loss: float, loss_new: float, steps: int = 1) -> str:
    """The loss before and after a step (or two): "falls", or "rises" (an
    overshoot), chosen by the numbers."""
    before, after = fmt.number(loss), fmt.number(loss_new)
    ell, new = formulas()["ell"], formulas()["ell_new"]
    span = (f"from ${ell} {fmt.relation([loss])} {before}$ "
            f"to ${new} {fmt.relation([loss_new])} {after}$")
    if loss_new < loss:
        return f"the loss {'indeed ' if steps == 1 else ''}falls, {span}."
    if loss_new > loss:
        step = "the step is" if steps == 1 else "the steps are"
        return (f"here the loss rises, {span}: {step} too long for the first-order "
                f"picture and {'overshoots' if steps == 1 else 'overshoot'}.")
    return f"the loss stays at ${ell} {fmt.relation([loss])} {before}$."


def scores(dz, target: int) -> str:
    """What a step did to the scores z: the target's rises, the others fall
    (always, for x ≠ 0); "" when the numbers do not say so."""
    others = [j for j in range(len(dz)) if j != target]
    if dz[target] > 0 and all(dz[j] < 0 for j in others):
        return "the target's score rises and every other score falls"
    if np.all(dz == 0):
        return "no score moves"
    return ""


def activity(z1, when: str = "", name: str = "z^{1}") -> str:
    """Which hidden units are active (``name`` > 0) and which are off."""
    on = [i for i, v in enumerate(z1) if v > 0]
    off = [i for i, v in enumerate(z1) if not v > 0]
    z = sp.Symbol(name)
    active, inactive = _tex(sp.Gt(z, 0)), _tex(sp.Le(z, 0))
    if not off:
        return f"Every hidden unit is active{when} (${active}$)."
    if not on:
        return f"Every hidden unit is off{when} (${inactive}$)."
    return (f"{numbered(on, 'Unit').capitalize()} {'is' if len(on) == 1 else 'are'} active{when} "
            f"(${active}$); {numbered(off, 'unit')} "
            f"{'is' if len(off) == 1 else 'are'} off (${inactive}$).")


def state_change(mask, z1_new) -> str:
    """Which units changed state in the step; every ReLU dead is the lesson
    (the output is then independent of x near this input when no unit sits
    at the kink z¹ = 0)."""
    mask_new = np.asarray(z1_new) > 0
    if not np.any(mask_new):
        f = formulas()
        text = (f"After the step every ReLU is dead for this input: ${f['a1_new_zero']}$, "
                f"so the output is ${f['bias_alone']}$, set by the bias alone")
        if np.all(np.asarray(z1_new) < 0):
            return text + ": it no longer depends on $x$."
        return text + "."
    died = [i for i in range(len(mask)) if mask[i] and not mask_new[i]]
    woke = [i for i in range(len(mask)) if mask_new[i] and not mask[i]]
    if not died and not woke:
        on = [i for i in range(len(mask)) if mask[i]]
        stay = ("every unit stays active" if len(on) == len(mask) else
                f"{numbered(on, 'unit')} {'stays' if len(on) == 1 else 'stay'} active, "
                f"the others off")
        return f"No hidden unit changed state in the step: {stay}."
    parts = []
    if died:
        parts.append(f"{numbered(died, 'unit')} switched off")
    if woke:
        parts.append(f"{numbered(woke, 'unit')} switched on")
    text = " and ".join(parts)
    return f"In the step {text}."


def zero_lines(inactive: Sequence[int], lines: str, gradient: str, reason: str) -> str:
    """"Units 3 and 4 are off, so their columns of ∂ℓ/∂W¹ are 0" (or that
    every unit is active)."""
    if not inactive:
        return (f"Every hidden unit is active, so no {lines[:-1]} of ${gradient}$ "
                f"is 0 for that reason.")
    one = len(inactive) == 1
    return (f"{numbered(inactive, 'Unit').capitalize()} {'is' if one else 'are'} off, so "
            f"{'its' if one else 'their'} {lines[:-1] if one else lines} of ${gradient}$ "
            f"{'is' if one else 'are'} 0: {reason}.")


# --------------------------------------------------------------------------
# The context


def _given(fmt):
    return Given(fmt.decimals)


def _signs(dL_dz, target: int, x) -> str:
    """The sign lesson of ∇_W NLLM: only the target has a_j − y_j < 0."""
    others = [j for j in range(len(dL_dz)) if j != target]
    if np.any(np.asarray(x) != 0) and dL_dz[target] < 0 and all(dL_dz[j] > 0 for j in others):
        return (f"Only the target class (class {target + 1}) has ${formulas()['below']}$: a step "
                f"against the gradient raises its score and lowers every other.")
    return ""


def _step(fmt, W, lr, G, W_new) -> dict[str, Latex]:
    """W − ηG with the numbers, and the first-order change of the loss."""
    given = _given(fmt)
    first = -float(lr) * float(np.sum(np.asarray(G) ** 2))
    return {"step": Latex(f"{given.matrix(W)} - {given.factor(lr)}{fmt.matrix(G)}"),
            "step_rel": fmt.relation(np.concatenate([np.ravel(G), np.ravel(W_new)])),
            "first_order": Latex(f"{fmt.relation([first])} {fmt.number(first)}")}


def _output_error(n: int) -> sp.MatrixExpr:
    """a − y, n × 1."""
    a, y = sp.MatrixSymbol("a", n, 1), sp.MatrixSymbol("y", n, 1)
    return sp.MatAdd(a, sp.MatMul(-1, y, evaluate=False), evaluate=False)


def _kept(items) -> list:
    return [i for i in items if i]


def _layer(p: Params, lay, fmt, figures: int) -> dict[str, Any]:
    """Questions 5-9: the softmax layer."""
    pl = p.softmax_layer
    m, n = np.shape(pl.W)
    c, q = int(np.argmax(pl.y)), pl.query_class
    dz = lay.z_new - lay.z
    fd = checks.finite_difference(pl.network, pl.x, [pl.W], [pl.b], pl.y, 0, lay.dL_dW)
    rows = checks.row_check(fmt, lay.dL_dW, sp.Symbol("x_{k}"), _output_error(n))
    return {
        "q5": {"target": int(np.argmax(p.nllm_example.y)) + 1},
        "q6": {"shapes": shapes((m, 1), (1, n)), "signs": _signs(lay.dL_dz, c, pl.x),
               "checks": _kept([rows, checks.fd_check(fmt, fd, "", figures)])},
        "q7": {"entry": q + 1, "index": q, "favoured": favoured(lay.a, c)},
        "q8": {**_step(fmt, pl.W, pl.lr, lay.dL_dW, lay.W_new),
               "loss": loss_change(fmt, float(lay.loss), float(lay.loss_new))},
        "q9": {"dz": fmt.row(dz), "dz_rel": fmt.relation(dz), "scores": scores(dz, c),
               "probabilities": probabilities(fmt, lay.a, lay.a_new, c, q)},
    }


def _network(p: Params, net, fmt, figures: int) -> dict[str, Any]:
    """Questions 10-14: the two-layer network."""
    pn, f = p.network, formulas()
    m, n1, n2 = len(pn.x), len(pn.b1), len(pn.b2)
    t = int(np.argmax(pn.y))
    e = np.exp(net.z2 - np.max(net.z2))
    inactive = [i for i in range(n1) if not net.mask[i] > 0]
    kinks = [i for i in range(n1) if net.z1[i] == 0]
    args = (pn.network, pn.x, [pn.W1, pn.W2], [pn.b1, pn.b2], pn.y)
    fd2 = checks.finite_difference(*args, 1, net.dL_dW2)
    fd1 = checks.finite_difference(*args, 0, net.dL_dW1, avoid=kinks)
    rows = checks.row_check(fmt, net.dL_dW2, sp.Symbol("a^{1}_{k}"),
                            sp.MatrixSymbol(r"\delta^{2}", n2, 1), ("a^{2}", "n^{2}"))
    changed = np.any((net.z1_new > 0) != (net.mask > 0)) and np.any(net.z1_new > 0)
    return {
        "q10": {"activity": activity(net.z1)},
        "q11": {"shift": fmt.matrix(net.z2 - np.max(net.z2)),
                "shift_rel": fmt.relation(net.z2 - np.max(net.z2)),
                "exp": fmt.matrix(e), "exp_rel": fmt.relation(e),
                "sum": fmt.number(float(np.sum(e))), "sum_rel": fmt.relation([np.sum(e)]),
                "favoured": favoured(net.a2, t)},
        "q12": {"shapes": shapes((n1, 1), (1, n2)),
                "zero": zero_lines(inactive, "rows", f["dl_dW2"],
                                   "a unit that passes nothing forward gets no gradient "
                                   "on its outgoing weights"),
                "checks": _kept([rows, checks.zero_check(net.dL_dW2, inactive, 0),
                                 checks.fd_check(fmt, fd2, "2", figures)])},
        "q13": {"back_shapes": shapes((n1, n2), (n2, 1)), "shapes": shapes((m, 1), (1, n1)),
                "activity": activity(net.z1),
                "zero": zero_lines(inactive, "columns", f["dl_dW1"],
                                   "the mask stops the error there, so their incoming "
                                   "weights do not change"),
                "checks": _kept([checks.zero_check(net.dL_dW1, inactive, 1),
                                 checks.fd_check(fmt, fd1, "1", figures, kink=fd1.col in kinks)])},
        # which units are active after the step: said once, by the change when none changed
        "q14": {"activity": activity(net.z1_new, " after the step", r"z^{1}_{\text{new}}")
                if changed else "",
                "change": state_change(net.mask > 0, net.z1_new),
                "loss": loss_change(fmt, float(net.loss), float(net.loss_new), steps=2)},
    }


def context(key: dict, sol: Solution, fmt, config) -> dict[str, Any]:
    """Everything the numeric solutions print beyond the answers, by question
    (q5-q14), with ``formulas``; each question's ``mistakes`` panel is empty
    when ``config.documents.mistakes`` is off."""
    p = parse_params(key["params"])
    figures = config.course.figures
    out: dict[str, Any] = {"formulas": formulas(), **_layer(p, sol.layer, fmt, figures),
                           **_network(p, sol.network, fmt, figures)}
    rows = panel.panel(key, fmt, config) if config.documents.mistakes else {}
    for qid in panel.NUMERIC:
        out[qid]["mistakes"] = rows.get(qid, [])
    return _trusted(out)


def _trusted(value):
    """Every sentence here is our own text around printed numbers and
    formulas (no user text): LaTeX, not to be escaped."""
    if isinstance(value, dict):
        return {k: _trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    return Latex(value) if isinstance(value, str) else value
