"""The formula questions of a variant (activation, derivative, loss, Jacobian,
gradient formula) as multiple choice for an LMS: the key's formula and the
forms the library's mistakes give (:func:`derive.numerics.kind_mistakes.formula_mistakes`),
each wrong option with its diagnosis as feedback.

Where the library gives fewer than two wrong forms (it gives one or none
for every kind), plausible wrong forms derived in SymPy fill in, each with
its own diagnosis (:mod:`derive.variants.choice_forms`). Options are printed
with the sheets' printer (:func:`derive.calculus.latex.latex`) in
``\\( … \\)`` for the LMS's MathJax; the right one is the key's own LaTeX.
A form equal to another (or to the right one) is left out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import sympy as sp

from derive.calculus.catalogue import derivations
from derive.calculus.latex import latex
from derive.calculus.rules import sigmoid
from derive.numerics.kind_mistakes import formula_mistakes
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.problem.catalogue import FORMULA_KINDS
from derive.variants import choice_forms as cf


@dataclass(frozen=True)
class Choice:
    """One option: its HTML (maths in ``\\( … \\)``), whether it is right,
    the feedback a student who picks it sees (HTML: the mistake's diagnosis)
    and the library's code of that mistake (``""``: a form of no library mistake)."""

    html: str
    right: bool
    feedback: str = ""
    code: str = ""   # the library's mistake this option is (derive.numerics.mistake_kinds), if one


@dataclass(frozen=True)
class Choices:
    """A formula question's options, in the order to show them."""

    qid: str
    options: tuple[Choice, ...]


def formula_choices(assignment, key: dict) -> dict[str, Choices]:
    """Per formula question id of ``key`` (an instance of ``assignment``), its
    options: the key's formula and at least two wrong forms, each with its
    diagnosis, in an order fixed by the variant and question (not the right
    one first every time)."""
    parts = {p.id: p for p in assignment.parts}
    out = {}
    for qid, q in key["questions"].items():
        if q["kind"] not in FORMULA_KINDS:
            continue
        part = parts.get(q["part"])
        question = next((x for x in part.questions if x.id == qid), None) if part else None
        if question is None or question.kind != q["kind"]:
            raise ValueError(f"key {key.get('variant')}: question {qid} ({q['kind']}) is not one "
                             f"of assignment {assignment.name!r}")
        answer = key["answers"][qid]
        options = [Choice(_maths(answer["latex"]), True)]
        options += [Choice(_maths(tex), False, f"<p>{tex_html(form.tex)}</p>",
                           form.code if form.code in MISTAKE_KINDS else "")
                    for tex, form in wrong_options(part, question, answer.get("sympy"),
                                                   answer["latex"])]
        options.sort(key=lambda c: hashlib.sha256(
            f"{key['variant']}\0{qid}\0{c.html}".encode()).hexdigest())
        out[qid] = Choices(qid, tuple(options))
    return out


def right_form(part, question, sympy_text: str | None) -> sp.Expr:
    """The key's formula as the sheet prints it: its SymPy text (σ(z) for
    the sigmoid in a derivative), or for a formula given as LaTeX only (the
    softmax, a loss, the Jacobian) the catalogue's derivation of it."""
    kind = question.kind
    if sympy_text is None or (kind == "activation" and question.get("activation") == "softmax"):
        d = derivations(part, question)[-1]
        return d.result if kind == "softmax-jacobian" else d.steps[0].expr
    expr = sp.sympify(sympy_text)
    if kind == "activation-derivative" and question.get("activation") == "sigmoid":
        expr = expr.subs(1 / (1 + sp.exp(-cf.z)), sigmoid(cf.z))
    return expr


@lru_cache(maxsize=256)
def wrong_options(part, question, sympy_text: str | None,
                  right_tex: str) -> tuple[tuple[str, cf.Form], ...]:
    """A formula question's wrong options: (LaTeX as printed, form), none
    equal to the key's formula (``sympy_text``/``right_tex``) or to another."""
    shown = right_form(part, question, sympy_text)
    lhs = right_tex.split(" = ", 1)[0] + " = " if _has_lhs(question) else ""
    layers = len(part.network.layers) if part.network else 0
    out: list[tuple[str, cf.Form]] = []
    for form in _forms(part, question, shown, sympy_text):
        tex = lhs + latex(form.expr, symbol_names=cf.symbol_names(form.expr, layers))
        if tex != right_tex and all(tex != t for t, _ in out) and not cf.same(form.expr, shown) \
                and not any(cf.same(form.expr, f.expr) for _, f in out):
            out.append((tex, form))
    return tuple(out)


def _has_lhs(question) -> bool:
    return question.kind in ("loss", "softmax-jacobian") or \
        (question.kind == "activation" and question.get("activation") == "softmax")


def _forms(part, question, shown: sp.Expr, sympy_text: str | None) -> list[cf.Form]:
    """Every candidate wrong form of a formula question, the library's first."""
    kind = question.kind
    net = part.network
    library = formula_mistakes(question, sp.sympify(sympy_text)) if sympy_text else {}
    one_unit = net is not None and net.layers[-1].size == 1
    if kind == "activation":
        return cf.activation_forms(question.get("activation"), shown, library)
    if kind == "activation-derivative":
        return cf.derivative_forms(question.get("activation"), shown, library)
    if kind == "softmax-jacobian":
        return cf.jacobian_forms()
    if kind == "loss":
        return cf.loss_forms(question.get("loss"), one_unit, shown)
    if kind == "output-gradient":
        return cf.output_gradient_forms(net.layers[-1].activation, net.loss, one_unit, shown,
                                        library)
    return cf.gradient_formula_forms(len(net.layers), one_unit, shown, library)


def _maths(tex: str) -> str:
    return f"\\({escape(tex, quote=False)}\\)"


def tex_html(tex: str) -> str:
    """A sentence of LaTeX text (maths in ``$…$``, as the mistake library
    writes its diagnoses) as HTML with the maths in ``\\( … \\)``."""
    pieces = tex.split("$")
    return "".join(_maths(p) if i % 2 else escape(p, quote=False).replace("``", "“")
                   .replace("''", "”") for i, p in enumerate(pieces))
