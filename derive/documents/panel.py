"""The panel of common mistakes: what each mistake of the library gives on
this instance's numbers (questions 5-14).

Each value is recomputed for the instance by :meth:`derive.numerics.mistakes.Mistake.recompute`
and shown only where it differs from the right answer by more than the
precision contract allows (a mistake that happens to give the right number
here teaches nothing on this sheet). Each row carries the library's short
diagnosis: the first clause of its feedback.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.problem import precision
from derive.calculus.latex import latex
from derive.numerics.mistakes import MISTAKES, Mistake
from derive.documents.render import Latex
from derive.calculus.steps import partial

NUMERIC = tuple(f"q{i}" for i in range(5, 15))


def short(m: Mistake) -> Latex:
    """The library's diagnosis, first clause (before its first colon)."""
    return Latex(m.tex.split(": ", 1)[0])


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


def _label(q: str, part: str) -> str:
    layer = "2" if q == "q12" else "1"
    if part == "grad":
        return latex(partial(r"\ell", f"W^{{{layer}}}"))
    return rf"W^{{{layer}}}_{{\text{{new}}}}"


def _shown(q: str, wrong: Any, right: Any, fmt, figures: int) -> list[Latex]:
    """The mistaken value(s) of question ``q`` that differ (none: empty)."""
    if q == "q5":
        wrong, right = wrong["value"], right["value"]
    if isinstance(right, dict):
        return [Latex(f"{_label(q, part)} {value(fmt, wrong[part])}") for part in ("grad", "W")
                if differs(wrong[part], right[part], figures)]
    return [value(fmt, wrong)] if differs(wrong, right, figures) else []


def panel(key: dict, fmt, config) -> dict[str, list[dict[str, Any]]]:
    """Question -> one row per mistake that changes its answer here:
    ``{"code", "what" (the short diagnosis), "parts"}`` (a gradient and an
    update: the parts that differ, each labelled)."""
    right, figures = key["answers"], config.course.figures
    out: dict[str, list[dict[str, Any]]] = {q: [] for q in NUMERIC}
    for m in MISTAKES:
        sheet = m.recompute(key)
        for q in NUMERIC:
            if q in sheet:
                shown = _shown(q, sheet[q], right[q], fmt, figures)
                if shown:
                    out[q].append({"code": m.code, "what": short(m), "parts": shown})
    return out
