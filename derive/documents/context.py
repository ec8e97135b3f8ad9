"""What every document prints the same way: the course's title block, a
derivation as LaTeX, the notation's formulas and an instance's label.

Templates receive no SymPy object and do no arithmetic: every formula here is
printed by :func:`derive.calculus.latex.latex` from an expression the code
built or derived (the shapes are symbols, so SymPy checks that products fit).
An assignment's render context (:mod:`derive.documents.assignment_context`)
and the feedback sheets are made of these.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from derive.calculus.latex import latex
from derive.calculus.steps import Derivation
from derive.documents.render import Latex, UnsettableText, escape_latex
from derive.problem.config import Course
from derive.problem.spec import InputError


# --------------------------------------------------------------------------
# Formulas


def derivation_context(d: Derivation) -> dict[str, Any]:
    """A derivation as LaTeX: its left side, its steps (reason, expression)
    and its result."""
    return {"lhs": Latex(latex(d.lhs)),
            "steps": [{"text": Latex(s.text), "expr": Latex(latex(s.expr))} for s in d.steps],
            "result": Latex(latex(d.result))}


def derivation_from_json(data: Any) -> dict[str, Any] | None:
    """A :func:`derivation_context` read back from JSON, every text LaTeX
    again; ``None`` when ``data`` is not of its shape."""
    try:
        steps = [{"text": Latex(s["text"]), "expr": Latex(s["expr"])} for s in data["steps"]]
        out = {"lhs": Latex(data["lhs"]), "steps": steps, "result": Latex(data["result"])}
    except (KeyError, TypeError):
        return None
    texts = [data["lhs"], data["result"], *(t for s in data["steps"] for t in s.values())]
    ok = all(isinstance(t, str) for t in texts) and all(set(s) == {"text", "expr"}
                                                        for s in data["steps"])
    return out if ok and set(data) == {"lhs", "steps", "result"} else None


def _mat(name: str, rows: int, cols: int = 1) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, rows, cols)


def _tex(expr: sp.Basic) -> Latex:
    return Latex(latex(expr, order="none"))


# The one notation: the loss is ℓ (L is the number of layers)
LOSS = r"\ell"


def _eq(lhs: sp.Basic, rhs: sp.Basic) -> sp.Basic:
    """``lhs = rhs`` as written (SymPy would otherwise try to decide it)."""
    return sp.Eq(lhs, rhs, evaluate=False)


def _dims(M: sp.MatrixExpr) -> Latex:
    rows, cols = M.shape
    return Latex(rf"{latex(rows)} \times {latex(cols)}")


@lru_cache(maxsize=None)
def notation() -> dict[str, Latex]:
    """The formulas of the notation section that hold for any network: the
    shapes of W^l and w_0^l (symbols, so SymPy checks them), their entries,
    the loss and the natural log."""
    m_l, n_l = sp.symbols("m^{l} n^{l}", positive=True, integer=True)
    W_l, b_l = _mat("W^{l}", m_l, n_l), _mat("w_0^{l}", n_l)
    z_l = sp.Symbol("z^{l}")
    k, j = sp.symbols("k j", integer=True)
    w_l = sp.IndexedBase("w^{l}")
    return {
        "W_l_dims": _dims(W_l), "b_l_dims": _dims(b_l),
        "n_l": _tex(_eq(n_l, sp.Symbol("m^{l+1}"))),
        "a_l": _tex(_eq(sp.Symbol("a^{l}"), sp.Function("f^{l}")(z_l))),
        "w_kj": _tex(w_l[k, j]), "w_0j": _tex(w_l[0, j]), "x_0": _tex(_eq(sp.Symbol("x_0"), 1)),
        "loss": _tex(sp.Function(LOSS)(sp.Symbol("a^{L}"), sp.Symbol("y"))),
        "ln": _tex(sp.log(sp.Symbol("x"))),
    }


# --------------------------------------------------------------------------
# The context


def instance_label(variant: str, assignment: str = "") -> Latex:
    """The footer's name of an instance: the reference assignment (or an
    assignment file's given data) or a variant, with the file's name."""
    name = f"Assignment {escape_latex(assignment)}" if assignment else "Reference assignment"
    if variant == "reference":
        return Latex(name)
    return Latex(f"{name}, variant {escape_latex(variant)}" if assignment else f"Variant {escape_latex(variant)}")


def course_context(course: Course, title: str = "") -> dict[str, Latex]:
    """The title block's text, escaped; a character TeX cannot set is an
    input error naming the field. The config's title wins; without one the
    documents take ``title`` (the assignment's, field ``title`` of its file)."""
    out = {}
    for name in ("course", "title", "term", "instructor"):
        value, field = getattr(course, name), f"course.{name}"
        if name == "title" and not value:
            value, field = title, "title"
        try:
            out[name] = escape_latex(value)
        except UnsettableText as e:
            raise InputError(field, str(e)) from None
    return out


