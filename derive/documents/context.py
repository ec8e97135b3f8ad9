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

from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
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


@lru_cache(maxsize=None)
def derivations() -> dict[str, dict[str, Any]]:
    """Parts 1 and 2: every derivation the handout prints, by name."""
    ds = {"sigmoid": sig.derive_sigmoid(), "sigmoid_prime": sig.derive_sigmoid_prime(),
          "nll_gradient": sig.derive_nll_gradient(), "softmax": sm.derive_softmax(),
          "softmax_jacobian": sm.derive_softmax_jacobian(), "nllm": sm.derive_nllm(),
          "nllm_dz": sm.derive_nllm_dz(),
          "softmax_layer_gradient": sm.derive_softmax_layer_gradient()}
    return {name: derivation_context(d) for name, d in ds.items()}


def _mat(name: str, rows: int, cols: int = 1) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, rows, cols)


def _tex(expr: sp.Basic) -> Latex:
    return Latex(latex(expr, order="none"))


# The one notation: the loss is ℓ (L is the number of layers), the softmax SM
LOSS = r"\ell"
SM = sp.Function(r"\operatorname{SM}")


def _inline(num: str, den: str) -> sp.Symbol:
    """∂num/∂den with a slash, for a formula inside a line of prose."""
    return sp.Symbol(rf"\partial {num} / \partial {den}")


def _eq(lhs: sp.Basic, rhs: sp.Basic) -> sp.Basic:
    """``lhs = rhs`` as written (SymPy would otherwise try to decide it)."""
    return sp.Eq(lhs, rhs, evaluate=False)


def _dims(M: sp.MatrixExpr) -> Latex:
    rows, cols = M.shape
    return Latex(rf"{latex(rows)} \times {latex(cols)}")


@lru_cache(maxsize=None)
def notation() -> dict[str, Latex]:
    """The formulas of the notation section and of the questions' prose and
    hints (the layer's shapes are symbols, so SymPy checks that ``W^T x + w_0``
    fits and that the hints' products have matching shapes)."""
    m, n, m_l, n_l, n1, n2 = sp.symbols("m n m^{l} n^{l} n^{1} n^{2}", positive=True, integer=True)
    W, x, b = _mat("W", m, n), _mat("x", m), _mat("w_0", n)
    W_l, b_l = _mat("W^{l}", m_l, n_l), _mat("w_0^{l}", n_l)
    z_l, a_l = sp.Symbol("z^{l}"), sp.Symbol("a^{l}")
    f, z, a, y = sp.Function("f"), sp.Symbol("z"), sp.Symbol("a"), sp.Symbol("y")
    ell, nllm = sp.Function(LOSS), sp.Function(r"\operatorname{NLLM}")
    # question 3: one sigmoid unit; question 6: one softmax layer
    k, j = sm.k, sm.j
    unit = sp.Add(sp.Sum(sp.Indexed("w", k) * sm.x[k], (k, 1, sm.m)), sp.Symbol("w_0"),
                  evaluate=False)
    layer = sp.Add(sp.Sum(sp.Mul(sm.w[k, j], sm.x[k], evaluate=False), (k, 1, sm.m)),
                   sm.w[0, j], evaluate=False)
    w_l = sp.IndexedBase("w^{l}")
    dloss_dz2 = _inline(LOSS, "z^{2}")
    a1 = _mat("a^{1}", n1)
    z1 = sp.Symbol("z^{1}")
    return {
        "z": _tex(_eq(_mat("z", n), sp.MatAdd(W.T * x, b, evaluate=False))),
        "a": _tex(_eq(a, f(z))),
        "x_dims": _dims(x),
        "W_l_dims": _dims(W_l), "b_l_dims": _dims(b_l),
        "n_l": _tex(_eq(n_l, sp.Symbol("m^{l+1}"))),
        "a_l": _tex(_eq(a_l, sp.Function("f^{l}")(z_l))),
        "w_kj": _tex(w_l[k, j]), "w_0j": _tex(w_l[0, j]), "x_0": _tex(_eq(sp.Symbol("x_0"), 1)),
        "loss": _tex(ell(sp.Symbol("a^{L}"), y)), "ell": _tex(sp.Symbol(LOSS)),
        "ln": _tex(sp.log(sp.Symbol("x"))),
        "unit": _tex(_eq(a, sp.Function(r"\sigma")(unit))),
        "layer": _tex(_eq(sm.z[j], layer)), "sm": _tex(_eq(a, SM(z))),
        # a derived result: its terms in the printer's order, not SymPy's
        # (\mathrm: an operator name would set a space before the slash)
        "layer_gradient": Latex(latex(_eq(_inline(r"\mathrm{NLLM}", "w_{kj}"),
                                          sm.derive_softmax_layer_gradient().result))),
        "nll": Latex(latex(_eq(sp.Function(r"\operatorname{NLL}")(a, y), sig.nll(sig.a, sig.y)))),
        "loss_net": _tex(_eq(sp.Symbol(LOSS), nllm(sp.Symbol("a^{2}"), y))),
        "dloss_dz2": _tex(_eq(dloss_dz2, sp.Add(sp.Symbol("a^{2}"), -y, evaluate=False))),
        "dloss_dW2": _tex(_eq(_inline(LOSS, "W^{2}"), a1 * _mat(dloss_dz2.name, n2).T)),
        # ∂ℓ/∂· alone, for the questions' prose and hints
        **{f"dl_d{v}": _tex(_inline(LOSS, tex)) for v, tex in
           (("z2", "z^{2}"), ("W2", "W^{2}"), ("a1", "a^{1}"), ("z1", "z^{1}"), ("W1", "W^{1}"))},
        "dz2_da1": _tex(_eq(_inline("z^{2}", "a^{1}"), sp.Symbol("W^{2}"))),
        "relu": _tex(sp.Max(z1, 0)), "relu_prime": _tex(sp.Heaviside(z1, 0)),
        "dz1_dW1": _tex(_eq(_inline("z^{1}", "W^{1}"), sp.Symbol("x"))),
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


