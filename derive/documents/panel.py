"""How a panel of common mistakes compares and prints a mistaken value
(:mod:`derive.documents.kind_panel` makes the panel of each question).

A mistake's value is shown only where it differs from the right answer by
more than the precision contract allows (a mistake that happens to give the
right number here teaches nothing on this sheet).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.documents.render import Latex
from derive.problem import precision


def differs(wrong: Any, right: Any, figures: int) -> bool:
    """Whether a mistaken value is not within the contract of the right one."""
    w, r = np.asarray(wrong, float), np.asarray(right, float)
    if w.shape != r.shape or not np.all(np.isfinite(w)):
        return True
    return not bool(np.all(precision.within(w, r, figures)))


def value(fmt, v: Any) -> Latex:
    """A number, or a small matrix (vectors as columns), with its relation."""
    arr = np.asarray(v, float)
    if not np.all(np.isfinite(arr)):
        return Latex(r"\text{overflows}")
    if arr.ndim == 0:
        return Latex(f"{fmt.relation([arr])} {fmt.number(arr)}")
    return Latex(f"{fmt.relation(arr)} {fmt.matrix(arr, 'bsmallmatrix*')}")

