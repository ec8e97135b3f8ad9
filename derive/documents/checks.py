"""Sanity checks printed under each gradient (questions 6, 12 and 13).

Each check is computed from the numbers of the instance, and each claim it
makes is stated only when the numbers bear it out:

* a softmax gradient's rows sum to 0 (row k is a factor times (a − y)ᵀ, whose
  entries sum to Σa − Σy = 1 − 1 = 0); the largest computed |row sum| is shown;
* the rows (for W²) or columns (for W¹) of an inactive hidden unit are exactly
  0: the ReLU mask is decided exactly (:mod:`derive.numerics.exact`) and multiplies;
* a central finite difference of the loss in the gradient's largest entry,
  beside that entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import sympy as sp

from derive.problem import precision
from derive.calculus.latex import latex
from derive.numerics.evaluate import evaluate_network
from derive.documents.render import Latex
from derive.problem.spec import Network
from derive.calculus.steps import partial

# the step of the finite difference: truncation O(h²) and rounding O(ε/h)
# are both far below the printed decimals
H = 1e-5


@dataclass(frozen=True)
class FiniteDifference:
    """(ℓ(w + h) − ℓ(w − h)) / 2h for the entry (row, col) of layer ``layer``'s W."""

    row: int          # 0-based, as in NumPy
    col: int
    h: float
    quotient: float
    gradient: float

    @property
    def difference(self) -> float:
        return abs(self.quotient - self.gradient)


def largest_entry(grad, avoid: Sequence[int] = ()) -> tuple[int, int]:
    """The (row, col) of the entry largest in magnitude (the first on ties),
    outside the columns ``avoid`` unless every column is to be avoided."""
    g = np.abs(np.asarray(grad, float))
    if len(set(avoid)) < g.shape[1]:
        g = g.copy()
        g[:, list(avoid)] = -1.0
    return tuple(int(i) for i in np.unravel_index(np.argmax(g), g.shape))


def finite_difference(net: Network, x, Ws, bs, y, layer: int, grad,
                      avoid: Sequence[int] = (), bias: bool = False) -> FiniteDifference:
    """The central difference of the loss in the largest entry of ``grad``
    (the gradient for ``Ws[layer]``, or with ``bias`` for ``bs[layer]``, a
    vector: row 0; not in the columns ``avoid``: units at the ReLU kink,
    where the loss has no derivative), both sides in one batch."""
    grad = np.asarray(grad, float).reshape(1, -1) if bias else np.asarray(grad, float)
    row, col = largest_entry(grad, avoid)
    Ws2 = [np.repeat(np.asarray(W, float)[..., None], 2, axis=-1) for W in Ws]
    bs2 = [np.repeat(np.asarray(b, float)[:, None], 2, axis=-1) for b in bs]
    if bias:
        bs2[layer][col] += (H, -H)
    else:
        Ws2[layer][row, col] += (H, -H)
    batch = lambda v: np.repeat(np.asarray(v, float)[:, None], 2, axis=-1)  # noqa: E731
    loss = evaluate_network(net, batch(x), Ws2, bs2, batch(y)).loss
    return FiniteDifference(row, col, H, float((loss[0] - loss[1]) / (2 * H)),
                            float(grad[row, col]))


def row_sums(grad) -> float:
    """The largest |row sum| of a gradient (0 in exact arithmetic for softmax)."""
    return float(np.max(np.abs(np.asarray(grad, float).sum(axis=1))))


def zero_lines(grad, inactive, axis: int) -> bool:
    """Whether the rows (axis 0) or columns (axis 1) of ``grad`` at the
    ``inactive`` indices are exactly 0."""
    g = np.asarray(grad, float)
    lines = g[list(inactive), :] if axis == 0 else g[:, list(inactive)]
    return bool(np.all(lines == 0.0))


def _tex(expr: sp.Basic) -> str:
    return latex(expr, order="none")


def series(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def numbered(indices: Sequence[int], noun: str) -> str:
    """0-based indices as a person reads them: "unit 3", "units 3 and 4",
    "units 1, 2 and 4"."""
    return f"{noun}{'s' if len(indices) > 1 else ''} {series([str(i + 1) for i in indices])}"


@lru_cache(maxsize=None)
def _sums(a: str, n: str) -> Latex:
    """Σ a_j − Σ y_j = 1 − 1 = 0 for the output ``a`` with ``n`` entries."""
    j = sp.Symbol("j", integer=True, positive=True)
    count = sp.Symbol(n, integer=True, positive=True)
    sums = sp.Add(sp.Sum(sp.Symbol(f"{a}_{{j}}"), (j, 1, count)),
                  -sp.Sum(sp.Symbol("y_{j}"), (j, 1, count)), evaluate=False)
    return Latex(" = ".join(_tex(e) for e in (sums, sp.Add(1, -1, evaluate=False), sp.Integer(0))))


def difference_quotient(entry: str) -> Latex:
    """(ℓ(w + h) − ℓ(w − h)) / 2h for the weight named ``entry``."""
    ell, w, h = sp.Function(r"\ell"), sp.Symbol(entry), sp.Symbol("h")
    top = sp.Add(ell(sp.Add(w, h, evaluate=False)),
                 sp.Mul(-1, ell(sp.Add(w, -h, evaluate=False)), evaluate=False), evaluate=False)
    return Latex(_tex(sp.Mul(top, sp.Pow(sp.Mul(2, h, evaluate=False), -1, evaluate=False),
                             evaluate=False)))


def derivative(entry: str) -> Latex:
    return Latex(_tex(partial(r"\ell", entry)))


# --------------------------------------------------------------------------
# The printed checks, each stated only when the numbers bear it out


def row_check(fmt, grad, row: sp.Expr, factor: sp.MatrixExpr,
              output: tuple[str, str] = ("a", "n")) -> str:
    """Each row of a softmax gradient sums to 0: row k is ``row`` times
    ``factor``ᵀ = (a − y)ᵀ, whose entries sum to 0 (``output``: a's name and
    size); with the largest |row sum| computed in floating point."""
    largest = row_sums(grad)
    if largest > 1e-9 * max(1.0, float(np.max(np.abs(grad)))):
        return ""
    computed = ("exactly 0 in floating point too" if largest == 0 else
                f"computed in floating point, ${_tex(_LARGEST_ROW_SUM)} "
                f"{fmt.relation([largest])} {fmt.number(largest)}$: rounding error")
    return (f"Each row sums to 0: row $k$ is ${_tex(row)}$ times ${_tex(sp.Transpose(factor))}$, "
            f"and the entries of ${_tex(factor)}$ sum to ${_sums(*output)}$ ({computed}).")


_LARGEST_ROW_SUM = sp.Symbol(r"\max_{k} \left|\text{row sum}_{k}\right|")


def zero_check(grad, inactive: Sequence[int], axis: int) -> str:
    """The inactive units' rows or columns are exactly 0 (only when they are)."""
    if not inactive or not zero_lines(grad, inactive, axis):
        return ""
    lines = "row" if axis == 0 else "column"
    return (f"The {lines}{'s' if len(inactive) > 1 else ''} of the inactive "
            f"{numbered(inactive, 'unit')} {'are' if len(inactive) > 1 else 'is'} exactly 0.")


def fd_check(fmt, fd: FiniteDifference, layer: str, figures: int, kink: bool = False,
             bias: bool = False) -> str:
    """A central finite difference of the largest entry, beside the entry;
    ``kink``: the entry's unit sits at z¹ = 0, where ReLU has no derivative;
    ``bias``: the entry is a bias w0ⱼ (index 0, as if x0 = 1)."""
    index = f"0{fd.col + 1}" if bias else f"{fd.row + 1}{fd.col + 1}"
    entry = f"w^{{{layer}}}_{{{index}}}" if layer else f"w_{{{index}}}"
    agree = bool(precision.within(fd.quotient, fd.gradient, figures))
    diff = (f"difference ${fmt.relation([fd.difference])} {fmt.number(fd.difference)}$"
            if fd.difference else "the same number")
    text = (f"Finite difference in the largest entry: ${difference_quotient(entry)} "
            f"{fmt.relation([fd.quotient])} {fmt.number(fd.quotient)}$ with "
            f"$h = {fmt.number(fd.h)}$, beside ${derivative(entry)} "
            f"{fmt.relation([fd.gradient])} {fmt.number(fd.gradient)}$: "
            f"they {'agree' if agree else 'disagree'} ({diff}).")
    if not agree and kink:
        z = sp.Symbol(f"z^{{{layer or 1}}}_{{{fd.col + 1}}}")
        text += (f" Unit {fd.col + 1} sits at the kink ${_tex(sp.Eq(z, 0, evaluate=False))}$, "
                 f"where ReLU has no derivative: the quotient averages the slopes on either "
                 f"side, the convention of a zero derivative at 0 takes the flat side.")
    return text
