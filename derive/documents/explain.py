"""Sentences of the numeric worked solutions chosen by the numbers, and the
shapes of a product, as strings (used by :mod:`derive.documents.worked`).

Every sentence is chosen by the numbers of the instance, by a small public
function the tests run over many instances; numbers are printed by
:class:`derive.documents.numbers.Formatter`. Indices a person reads count from 1
(unit 3 is the third unit of a layer).
"""

from __future__ import annotations

import sympy as sp

from derive.calculus.latex import latex
from derive.documents.checks import numbered
from derive.documents.render import Latex

ELL, ELL_NEW = sp.Symbol(r"\ell"), sp.Symbol(r"\ell_{\text{new}}")


def _tex(expr: sp.Basic) -> str:
    return latex(expr, order="none")


def shapes(*factors: tuple[int, int]) -> Latex:
    """The shapes of a product and of its result: ``2 × 1 · 1 × 3 → 2 × 3``."""
    dims = [rf"{r} \times {c}" for r, c in factors]
    result = (factors[0][0], factors[-1][1])
    return Latex(r" \cdot ".join(dims) + rf" \to {result[0]} \times {result[1]}")


def loss_change(fmt, loss: float, loss_new: float, steps: int = 1) -> str:
    """The loss before and after a step (or two): "falls", or "rises" (an
    overshoot), chosen by the numbers."""
    before, after = fmt.number(loss), fmt.number(loss_new)
    ell, new = _tex(ELL), _tex(ELL_NEW)
    span = (f"from ${ell} {fmt.relation([loss])} {before}$ "
            f"to ${new} {fmt.relation([loss_new])} {after}$")
    if loss_new < loss:
        return f"the loss {'indeed ' if steps == 1 else ''}falls, {span}."
    if loss_new > loss:
        step = "the step is" if steps == 1 else "the steps are"
        return (f"here the loss rises, {span}: {step} too long for the first-order "
                f"picture and {'overshoots' if steps == 1 else 'overshoot'}.")
    return f"the loss stays at ${ell} {fmt.relation([loss])} {before}$."


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

