"""Feedback PDFs: one per student, with the shared LaTeX pipeline.

For each item the student did not get right: their answer, the key's answer,
the diagnosis and the step of the worked solution that item rests on. The
context holds strings only; student text (names, unreadable answers) is
escaped, and a character pdflatex cannot set becomes ``?``.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.documents.build import compile_pdf, install
from derive.problem.config import Config
from derive.documents.context import course_context, derivation_context
from derive.documents.numbers import Formatter
from derive.files import temp_folder
from derive.grading.rules import Rules, parse_rules, scoring_rules
from derive.grading.results import StudentGrade
from derive.calculus.latex import latex
from derive.grading.feedback_steps import formulas
from derive.grading.kind_answers import items_of, parts_of
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.documents.render import Latex, UnsettableText, escape_latex, make_env

MAX_SHOWN = 12        # rows or columns of a student's matrix printed in full
MAX_RAW = 160         # characters of an unreadable answer printed

STATUS_TEXT = {"correct": "correct", "carried-forward": "carried forward",
               "wrong": "wrong", "missing": "missing", "invalid": "unreadable",
               "manual": "graded by hand"}

def plain_text(text: Any) -> Latex:
    """Untrusted text as LaTeX that prints it; unsettable characters become ``?``."""
    text = " ".join(str(text).split())
    try:
        return escape_latex(text)
    except UnsettableText:
        return Latex("".join(_settable(ch) for ch in text))


def _settable(ch: str) -> str:
    try:
        return escape_latex(ch)
    except UnsettableText:
        return "?"


def _raw(value: Any) -> Latex:
    """An unreadable answer as typewriter text, clipped, breakable anywhere."""
    raw = value if isinstance(value, str) else json.dumps(value)[:MAX_RAW + 1]
    raw = " ".join(raw[:MAX_RAW].split()) + ("..." if len(raw) > MAX_RAW else "")
    chunks = ["".join(map(_settable, raw[i:i + 8])) for i in range(0, len(raw), 8)]
    return Latex(r"\texttt{" + r"\allowbreak{}".join(chunks) + "}")


def _shown_answer(fmt: Formatter, value: Any) -> Latex:
    """The student's answer as they gave it, in print."""
    if isinstance(value, sp.Basic):
        return Latex(rf"$\displaystyle {latex(value)}$")
    if isinstance(value, dict):
        parts = [(name, v) for name, v in value.items() if v is not None]
        return Latex(r"\quad ".join(f"{_part_label(name)} {_shown_answer(fmt, v)}"
                                    for name, v in parts))
    arr = np.asarray(value, float)
    if arr.ndim == 2 and max(arr.shape) > MAX_SHOWN:
        return Latex(rf"a ${arr.shape[0]} \times {arr.shape[1]}$ matrix (too large to print)")
    if arr.ndim == 1 and arr.size > MAX_SHOWN:
        return Latex(rf"a vector of {arr.size} entries (too large to print)")
    return Latex(f"${fmt.number(float(arr)) if arr.ndim == 0 else fmt.matrix(arr)}$")


class Wide(Formatter):
    """The handout's number format, with very large numbers (a student's
    overflowing answer) in powers of ten."""

    def number(self, v: float) -> Latex:
        if abs(v) >= 1e6:
            mantissa, exponent = f"{v:.3e}".split("e")
            return Latex(rf"{mantissa} \times 10^{{{int(exponent)}}}")
        return super().number(v)


def _part_label(name: str) -> str:
    return {"grad": "gradient:", "W": r"$W_{\text{new}}$:", "new": "new:"}.get(name, "")


def feedback_context(grade: StudentGrade, answers: dict, key: dict | None,
                     config: Config, rules: Rules | None = None) -> dict[str, Any]:
    """The render context of one student's feedback (strings and numbers only).
    ``answers`` maps items to the student's validated values; ``rules``
    (default: the config's) are stated as the scoring rule."""
    if rules is None:
        rules = parse_rules(config.grading, figures=config.course.figures)
    fmt = Wide(config.course.decimals)
    key_rows, steps = (_key_rows(fmt, key), _steps(key)) if key else ({}, {})
    rows, details = [], []
    for q, g in grade.items.items():
        rows.append({"item": _label(q), "status": STATUS_TEXT[g.status],
                     "points": f"{g.points:g}", "max": f"{g.max:g}"})
        if g.status == "correct" or grade.error:
            continue
        value = answers.get(q)
        if g.status in ("invalid", "manual"):
            shown = _raw(g.given) if g.given is not None else Latex(r"\textit{no answer}")
        elif value is None:
            shown = Latex(r"\textit{no answer}")
        else:
            shown = _shown_answer(fmt, value)
        step = steps.get(q, {"derivation": None, "formulas": []})
        details.append({
            "item": _label(q), "status": STATUS_TEXT[g.status], "points": f"{g.points:g}",
            "max": f"{g.max:g}", "given": shown, "expected": key_rows.get(q, []),
            "diagnosis": [{"code": c, "text": Latex(MISTAKE_KINDS[c].tex)}
                          for c in g.diagnosis],
            "feedback": plain_text(_other_feedback(g)), "step": step})
    title = (key or {}).get("assignment", {}).get("title", "")
    return {"course": course_context(config.course, title), "student": plain_text(grade.student),
            "variant": plain_text(grade.variant or "none"), "score": f"{grade.score:g}",
            "max": f"{grade.max:g}", "error": plain_text(grade.error) if grade.error else "",
            "notes": [plain_text(n) for n in grade.notes], "rows": rows, "details": details,
            "scoring": [plain_text(sentence) for sentence in scoring_rules(rules)]}


def _other_feedback(g) -> str:
    """The feedback sentences that the diagnosis does not already print."""
    text = g.feedback
    for code in g.diagnosis:
        text = text.replace(MISTAKE_KINDS[code].text, "")
    return " ".join(text.split())


def _label(item: str) -> Latex:
    """An item as the feedback names it: its number (q7: 7), else its id."""
    return Latex(item[1:]) if item[:1] == "q" and item[1:].isdigit() else plain_text(item)


def _key_rows(fmt: Formatter, key: dict) -> dict[str, list[Latex]]:
    """A schema 2 key's answers in print (formulas from their SymPy text,
    parsed by the whitelist; LaTeX-only answers are not printed)."""
    out: dict[str, list[Latex]] = {}
    for item in items_of(key):
        e = item.expected
        if e is None:
            out[item.id] = []
        elif isinstance(e, sp.Basic):
            out[item.id] = [Latex(latex(e))]
        elif isinstance(e, dict):
            out[item.id] = [Latex(rf"\text{{gradient: }} {_math(fmt, e['grad'])} \quad "
                                  rf"\text{{new: }} {_math(fmt, e['new'])}")]
        else:
            out[item.id] = [_math(fmt, e)]
    return out


def _steps(key: dict) -> dict[str, dict]:
    """The step of the worked solution each question rests on: a formula
    question's derivation from the catalogue (the last one, which gives the
    answer), a numeric question's matrix formulas (:mod:`feedback_steps`)."""
    from derive.calculus.catalogue import derivations as catalogue
    out = {}
    for part in parts_of(key):
        for q in part.questions:
            ds = catalogue(part, q)
            out[q.id] = {"derivation": derivation_context(ds[-1]) if ds else None,
                         "formulas": formulas(part, q)}
    return out


def _math(fmt: Formatter, value: np.ndarray) -> Latex:
    return fmt.number(float(value)) if value.ndim == 0 else fmt.matrix(value)


def render_feedback(context: dict[str, Any]) -> str:
    """The .tex source of one feedback sheet."""
    return make_env().get_template("feedback.tex.j2").render(**context)


_LATIN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ı": "i",
                        "ĸ": "k", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d",
                        "·": ""})


def file_name(index: int, student: str) -> str:
    """``007-ada-lovelace``: the submission's position (so two names that slug
    alike still differ) and an ASCII slug of the name, accents and ligatures
    spelled out by Unicode's compatibility decomposition (Zoë, ſ, ﬁ: zoe, s,
    fi), then the Latin letters it leaves (ł, ø, æ, ß); a name with no Latin
    letter at all is ``student``."""
    letters = unicodedata.normalize("NFKD", student).lower().translate(_LATIN)
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-"
                   for ch in letters if not unicodedata.combining(ch))
    slug = "-".join(part for part in slug.split("-") if part)[:40].strip("-") or "student"
    return f"{index + 1:03d}-{slug}"


def build_feedback(sources: Sequence[tuple[str, str]], out_dir: Path, *,
                   jobs: int | None = None, timeout: float = 120,
                   progress: bool = False) -> list[Path]:
    """Compile ``(name, tex source)`` pairs in parallel (``jobs`` pdflatex at
    once, default: the number of cores) and move the PDFs into ``out_dir``
    only when every one compiled."""
    with temp_folder("handouts-feedback-") as work:  # kept only for a LaTeX error's log
        texs = []
        for name, source in sources:
            folder = work / name
            folder.mkdir()
            tex = folder / f"{name}.tex"
            tex.write_text(source, encoding="utf-8")
            texs.append(tex)
        jobs = jobs or os.cpu_count() or 1
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            done = pool.map(lambda t: compile_pdf(t, timeout=timeout), texs)
            if progress:
                from tqdm import tqdm
                done = tqdm(done, total=len(texs), desc="feedback PDFs", unit="pdf",
                            file=sys.stderr)
            pdfs = list(done)
        flat = []
        for pdf in pdfs:
            target = work / pdf.name
            os.replace(pdf, target)
            flat.append(target)
        return install(work, flat, out_dir)
