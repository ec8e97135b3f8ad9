"""Answer key + derivation steps -> the render context: strings and numbers only.

Templates receive no SymPy object and do no arithmetic. Every formula here is
printed by :func:`derive.calculus.latex.latex` from an expression the code built or
derived; every number comes from the answer key or from
:func:`derive.numerics.evaluate.solve` on the key's own params (the intermediates the
key does not store: z¹, δ², the ReLU mask, ...).

Given data are printed exactly (:class:`Given`). Computed numbers are
rounded for reading to ``course.decimals`` places, except where the exact
value is short: a number equal to a decimal of at most that many places (3,
−1, 0.5, 0.25) is printed exactly, without trailing zeros, with ``=``; a
rounded one gets ``\approx``. A non-zero number that would round to 0 is
printed as a power of ten (in math mode: every number is).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derive.documents import explain
from derive.problem import precision
from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.problem.config import Config, Course
from derive.numerics.key import POINTS
from derive.calculus.latex import latex
from derive.numerics.evaluate import Solution, solve
from derive.documents.render import Latex, UnsettableText, escape_latex
from derive.documents.numbers import Formatter, Given, points
from derive.documents.sheet import answer_sheet
from derive.problem.spec import InputError, parse_params
from derive.calculus.steps import Derivation, partial



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


def _relu_mask(z_name: str) -> str:
    return latex(sp.Heaviside(sp.Symbol(z_name), 0))


# The one notation: the loss is ℓ (L is the number of layers), the softmax SM
LOSS = r"\ell"
SM = sp.Function(r"\operatorname{SM}")


def d_loss(wrt: str) -> str:
    """The name of ∂ℓ/∂``wrt`` (a LaTeX fraction), for a symbol or a matrix."""
    return partial(LOSS, wrt).name


def _inline(num: str, den: str) -> sp.Symbol:
    """∂num/∂den with a slash, for a formula inside a line of prose."""
    return sp.Symbol(rf"\partial {num} / \partial {den}")


@lru_cache(maxsize=None)
def matrix_formulas(m: int, n: int, m_net: int, n1: int, n2: int) -> dict[str, Latex]:
    """The matrix forms of the forward pass, backprop and the update, for a
    softmax layer (m inputs, n classes) and the m_net-n1-n2 network. The shapes
    are explicit so that SymPy checks every product's dimensions."""
    eta = sp.Symbol(r"\eta")
    # softmax layer (questions 6-9)
    W, x, b, y = _mat("W", m, n), _mat("x", m), _mat("w_0", n), _mat("y", n)
    a, G = _mat("a", n), _mat(r"\nabla_W \operatorname{NLLM}", m, n)
    # network (questions 10-14)
    x1 = _mat("x", m_net)
    W1, b1, W2, b2 = _mat("W^{1}", m_net, n1), _mat("w_0^{1}", n1), _mat("W^{2}", n1, n2), _mat("w_0^{2}", n2)
    a1, a2 = _mat("a^{1}", n1), _mat("a^{2}", n2)
    y2, d1, d2 = _mat("y", n2), _mat(r"\delta^{1}", n1), _mat(r"\delta^{2}", n2)
    G1, G2 = _mat(d_loss("W^{1}"), m_net, n1), _mat(d_loss("W^{2}"), n1, n2)
    mask = _mat(_relu_mask("z^{1}"), n1)
    f1, z1 = sp.Function("f^{1}"), sp.IndexedBase("z^{1}")
    # unevaluated, so that they print in the order of the assignment: A − η B
    sub = lambda A, B: sp.MatAdd(A, sp.MatMul(-1, eta, B, evaluate=False), evaluate=False)  # noqa: E731
    add = lambda A, B: sp.MatAdd(A, B, evaluate=False)  # noqa: E731
    minus = lambda A, B: sp.MatAdd(A, sp.MatMul(-1, B, evaluate=False), evaluate=False)  # noqa: E731
    return {
        "z": _tex(add(W.T * x, b)),
        "grad_W": _tex(sp.MatMul(x, sp.Transpose(minus(a, y)), evaluate=False)),
        "W_new": _tex(sub(W, G)),
        "z1": _tex(add(W1.T * x1, b1)),
        "a1": Latex(latex(sp.Max(sp.Symbol("z^{1}"), 0))),
        "z2": _tex(add(W2.T * a1, b2)),
        "a2": _tex(SM(sp.Symbol("z^{2}"))),
        "delta2": _tex(minus(a2, y2)),
        "back": _tex(W2 * d2),
        "mask": Latex(_relu_mask("z^{1}")),
        "delta1": _tex(sp.HadamardProduct(W2 * d2, mask)),
        "dL_dW2": _tex(a1 * d2.T),
        "dL_dW1": _tex(x1 * d1.T),
        "W2_new": _tex(sub(W2, G2)),
        "W1_new": _tex(sub(W1, G1)),
        # question 10 asks for f¹(z¹_1), …, f¹(z¹_n1): units count from 1
        "hidden_first": _tex(f1(z1[1])), "hidden_last": _tex(f1(z1[n1])),
        # question 12's hint: a column times a row has the shape of W²
        "a1_dims": _dims(a1), "d2_row_dims": _dims(d2.T), "W2_dims": _dims(W2),
    }


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


@lru_cache(maxsize=None)
def class_notation(query_class: int) -> dict[str, Any]:
    """How the sheets name the query class (``query_class`` counts from 0, as
    the data and the answer key do; a person reads it counting from 1)."""
    number = query_class + 1
    a, a_new = sp.IndexedBase("a"), sp.IndexedBase(r"a^{\text{new}}")
    return {"number": number, "ordinal": precision.ordinal(number),
            "a": _tex(a[number]), "a_new": _tex(a_new[number]),
            "numpy": f"a[{query_class}]"}


# --------------------------------------------------------------------------
# The context


def instance_label(variant: str, assignment: str = "") -> Latex:
    """The footer's name of an instance: the reference assignment (or an
    assignment file's given data) or a variant, with the file's name."""
    name = f"Assignment {escape_latex(assignment)}" if assignment else "Reference assignment"
    if variant == "reference":
        return Latex(name)
    return Latex(f"{name}, variant {escape_latex(variant)}" if assignment else f"Variant {escape_latex(variant)}")


def course_context(course: Course) -> dict[str, Latex]:
    """The title block's text, escaped; a character TeX cannot set is an
    input error naming the field."""
    out = {}
    for name in ("course", "title", "term", "instructor"):
        try:
            out[name] = escape_latex(getattr(course, name))
        except UnsettableText as e:
            raise InputError(f"course.{name}", str(e)) from None
    return out


def _quantities(fmt: Formatter, values: dict[str, Any]) -> dict[str, dict]:
    return {name: fmt.quantity(v) for name, v in values.items()}


def _captions(key: dict, sol: Solution, fmt: Formatter) -> dict[str, dict[str, Latex]]:
    from derive.documents.captions import figure_captions  # captions imports this module
    return figure_captions(key, sol, fmt)


def build_context(key: dict, config: Config, *, figures: dict | None = None,
                  solution: Solution | None = None) -> dict[str, Any]:
    """The render context of one instance: strings and numbers only."""
    params = parse_params(key["params"])
    sol = solution or solve([params])[0]
    fmt = Formatter(config.course.decimals)
    ans, lay, net = key["answers"], sol.layer, sol.network
    pl, pn = params.softmax_layer, params.network
    c = pl.query_class  # from 0, as in the data
    given = _quantities(Given(fmt.decimals), {
        "nllm_a": params.nllm_example.a, "nllm_y": params.nllm_example.y,
        "W": pl.W, "b": pl.b, "x": pl.x, "y": pl.y, "lr": pl.lr,
        "W1": pn.W1, "b1": pn.b1, "W2": pn.W2, "b2": pn.b2, "x_net": pn.x, "y_net": pn.y,
        "lr_net": pn.lr})
    layer = _quantities(fmt, {
        "z": lay.z, "a": lay.a, "loss": lay.loss, "dL_dz": lay.dL_dz,
        "dL_dW": ans["q6"], "W_new": ans["q8"], "z_new": lay.z_new, "a_new": lay.a_new,
        "loss_new": lay.loss_new, "a_c": ans["q7"], "a_c_new": ans["q9"],
        "nllm": ans["q5"]["value"]})
    network = _quantities(fmt, {
        "z1": net.z1, "a1": ans["q10"], "z2": net.z2, "a2": ans["q11"], "loss": net.loss,
        "delta2": net.delta2, "back": net.W2_delta2, "mask": net.mask, "delta1": net.delta1,
        "dL_dW2": ans["q12"]["grad"], "W2_new": ans["q12"]["W"],
        "dL_dW1": ans["q13"]["grad"], "W1_new": ans["q13"]["W"],
        "z1_new": net.z1_new, "a1_new": net.a1_new, "z2_new": net.z2_new,
        "a2_new": ans["q14"], "loss_new": net.loss_new})
    m, n = np.shape(pl.W)
    nllm_class = int(np.argmax(params.nllm_example.y))
    n1, n2 = len(pn.b1), len(pn.b2)
    shown_points = {q: points(p) for q, p in POINTS.items()}
    return {
        "course": course_context(config.course),
        "documents": {"sheet": config.documents.sheet, "mistakes": config.documents.mistakes},
        "variant": key["variant"],
        "decimals": config.course.decimals,
        # classes are numbered from 1 on the sheets (the data count from 0)
        "nllm_class": nllm_class + 1,
        "nllm_a_c": Given().number(params.nllm_example.a[nllm_class]),
        "nllm_example": _tex(_eq(sp.Symbol(r"\operatorname{NLLM}"), -sp.log(sp.Symbol(
            Given().number(params.nllm_example.a[nllm_class]))))),
        "precision": escape_latex(precision.statement(config.course.figures, natural_log=False)),
        "label": instance_label(key["variant"]),
        "points": shown_points,
        "total": points(sum(POINTS.values())),
        "answers": {q: Latex(ans[q]["latex"]) for q in ("q1", "q2", "q3", "q4", "q5")},
        "notation": notation(),
        "derivations": derivations(),
        "formulas": matrix_formulas(m, n, len(pn.x), n1, n2),
        "given": given, "layer": layer, "network": network,
        "sizes": {"m": m, "n": n, "n1": n1, "n2": n2, "m_net": len(pn.x)},
        "query_class": c + 1, "target_class": int(np.argmax(pl.y)) + 1,
        "target_class_net": int(np.argmax(pn.y)) + 1,
        "classes": class_notation(c),
        "figures": dict(figures or {}),
        "summary": summary(fmt, key),
        "explain": explain.context(key, sol, fmt, config),
        "captions": _captions(key, sol, fmt),
        "sheet": answer_sheet(ans, {**summary_labels(c), "q5": r"\operatorname{NLLM}"},
                              shown_points),
    }


# The formula answers q1-q3 are right-hand sides; their left side is the derivation's
ANSWER_LHS = {"q1": "sigmoid", "q2": "sigmoid_prime", "q3": "nll_gradient"}
# How the summary table names each numeric answer (q7 and q9 name the query
# class: :func:`summary_labels`)
SUMMARY_LABELS = {
    "q6": r"\nabla_W \operatorname{NLLM}", "q8": r"W_{\text{new}}",
    "q10": r"a^{1}", "q11": r"a^{2}",
    "q12": (d_loss("W^{2}"), r"W^{2}_{\text{new}}"),
    "q13": (d_loss("W^{1}"), r"W^{1}_{\text{new}}"),
    "q14": r"a^{2}_{\text{new}}",
}


def summary_labels(query_class: int) -> dict[str, Any]:
    """The summary table's label of every numeric answer for a query class
    counted from 0 (q7 is a_3 for the third class)."""
    names = class_notation(query_class)
    return {**SUMMARY_LABELS, "q7": names["a"], "q9": names["a_new"]}


def _shown(fmt: Formatter, label: str, value: Any) -> Latex:
    q = fmt.quantity(value)
    return Latex(f"{label} {q['rel']} {q['value']}")


def summary(fmt: Formatter, key: dict) -> list[dict[str, Any]]:
    """The answer key in print: one row per item, each a list of formulas."""
    ans, rows = key["answers"], []
    labels = summary_labels(key["params"]["softmax_layer"]["query_class"])
    for q, p in POINTS.items():
        value, label = ans[q], labels.get(q)
        if q in ANSWER_LHS:
            lhs = derivations()[ANSWER_LHS[q]]["lhs"]
            shown = [Latex(f"{lhs} = {value['latex']}")]
        elif q in ("q4", "q5"):
            shown = [Latex(value["latex"])]
            if "value" in value:
                shown.append(_shown(fmt, r"\operatorname{NLLM}", value["value"]))
        elif isinstance(value, dict):
            shown = [_shown(fmt, label[0], value["grad"]), _shown(fmt, label[1], value["W"])]
        else:
            shown = [_shown(fmt, label, value)]
        rows.append({"item": q[1:], "points": points(p), "answer": shown})
    return rows
