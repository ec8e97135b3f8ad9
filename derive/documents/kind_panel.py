"""The panel of common mistakes of a question of an assignment file, by kind.

What each mistake of the library (:mod:`derive.numerics.kind_mistakes`)
gives on the part's numbers, shown only where it differs from the right
answer by more than the precision contract allows (as the reference's panel,
:mod:`derive.documents.panel`, whose comparison and printing it reuses); for a
formula question, the formula the mistake gives.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from derive.calculus.latex import latex
from derive.documents.kind_text import answer_labels
from derive.documents.panel import differs, value
from derive.documents.render import Latex, escape_latex
from derive.problem.assignment import Part, Question
from derive.problem.catalogue import NUMERIC_KINDS



def _shown(q: Question, labels: list[str], wrong: Any, right: Any, fmt, figures: int) -> list[Latex]:
    """The parts of a mistaken answer that differ from the right one (a
    formula: the library gives only those that differ)."""
    if isinstance(wrong, dict) and "sympy" in wrong:
        return [_formula(wrong["sympy"])]
    if q.kind == "loss":
        wrong = wrong["value"] if isinstance(wrong, dict) else wrong
        return [value(fmt, wrong)] if differs(wrong, right["value"], figures) else []
    if q.kind == "gradient-step":
        return [Latex(f"{label} {value(fmt, wrong[part])}")
                for part, label in zip(("grad", "new"), labels)
                if differs(wrong[part], right[part], figures)]
    return [value(fmt, wrong)] if differs(wrong, right, figures) else []


def part_mistakes(part: Part, solution) -> dict[str, dict[str, Any]]:
    """Question id -> {mistake code: what it gives} for every question of
    ``part`` on its given data, each mistake of the library run once for the
    whole part (:func:`derive.numerics.kind_mistakes.part_wrong_answers`);
    a formula question's, which do not depend on the data, once per process."""
    from derive.numerics.kind_mistakes import part_wrong_answers
    out: dict[str, dict[str, Any]] = {}
    if any(_numeric(q) for q in part.questions):
        out.update(part_wrong_answers(part, None, getattr(solution, "f_prime", None)))
    for q in part.questions:
        if not _numeric(q):
            out[q.id] = _formula_mistakes(part.network, q)
    return out


def _numeric(q: Question) -> bool:
    """Whether the library computes the question's mistakes from the part's numbers."""
    return q.kind in NUMERIC_KINDS or q.kind == "loss"


@lru_cache(maxsize=None)
def _formula_mistakes(network, q: Question) -> dict[str, Any]:
    # what the library's formula mistakes give depends on the network and the question
    # alone (kept on disk: SymPy's simplify decides which change the formula)
    from derive.numerics.kind_mistakes import wrong_answers
    from derive.documents.textcache import cached
    question = Question("", q.kind, 0, q.options)
    return cached("formula-mistakes", repr((network, question)),
                  lambda: wrong_answers(Part("", "", (question,), network), question),
                  _formula_entry)


def _formula_entry(value: Any) -> bool:
    """Whether a kept entry has the shape of the formula mistakes: {code: {"sympy": text}}."""
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    return isinstance(value, dict) and all(
        code in MISTAKE_KINDS and isinstance(v, dict) and list(v) == ["sympy"]
        and isinstance(v["sympy"], str) for code, v in value.items())


@lru_cache(maxsize=256)
def _formula(text: str) -> Latex:
    # the library's formula (our own SymPy text), as the panel prints it
    return Latex(r"\displaystyle " + latex(sp.sympify(text)))


def mistakes(part: Part, q: Question, wrong: dict[str, Any], answer: Any, fmt,
             figures: int) -> list[dict]:
    """One row per mistake that changes this question's answer here
    (``wrong``: this question's entry of :func:`part_mistakes`):
    ``{"code", "what" (the mistake's title), "parts"}``."""
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    if q.kind in NUMERIC_KINDS and part.given is None or q.kind == "loss" and "value" not in answer:
        return []
    labels = answer_labels(part, q)
    rows: dict[tuple, dict] = {}   # mistakes that give the same answer share a row
    for code, wrong in wrong.items():
        shown = _shown(q, labels, wrong, answer, fmt, figures)
        if shown:
            row = rows.setdefault(tuple(shown), {"code": code, "titles": [], "parts": shown})
            row["titles"].append(MISTAKE_KINDS[code].title)
    return [{"code": r["code"], "parts": r["parts"], "what": _what(tuple(r["titles"]))}
            for r in rows.values()]


@lru_cache(maxsize=256)
def _what(titles: tuple[str, ...]) -> Latex:
    """The row's titles, joined, capitalised and escaped."""
    text = " or ".join(titles)
    return escape_latex(text[:1].upper() + text[1:])
