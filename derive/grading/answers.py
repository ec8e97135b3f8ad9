"""Students' submissions: numbers, vectors, matrices and updates validated
(the answers of a key's questions by their kinds: :mod:`derive.grading.kind_answers`).

Everything here is untrusted. Formulas are parsed by
:func:`derive.grading.formulas.parse_expression` (a whitelist; nothing a
student typed is ever executed); answers files are read by
:mod:`derive.grading.answers_file`. Sizes are checked before anything is
converted, so huge inputs are refused quickly.

A malformed file raises :class:`~derive.problem.spec.InputError` (one line, exit 2);
a malformed submission or answer inside a good file is kept, marked with its
problem, and the rest is graded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from derive.grading.formulas import (
    MAX_ENTRIES, AnswerError, _Budget, _HugeInteger, _kind, _short, evaluate, parse_expression)


# --------------------------------------------------------------------------
# Numbers, vectors, matrices


@dataclass
class Given:
    """One validated answer: its value (SymPy expression, NumPy array, or
    {"grad", "new"} of arrays), notes for the student, or the problem that
    made it unusable."""

    raw: Any
    value: Any = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def _number(value, budget: _Budget) -> float:
    if isinstance(value, bool) or value is None:
        raise AnswerError(f"expected a number, got {_kind(value)}")
    if isinstance(value, _HugeInteger):
        raise AnswerError(f"number with {value.digits} digits is too large")
    if isinstance(value, int):
        if abs(value) > 2 ** 1000:   # beyond float range   # beyond float range, and slow to print
            raise AnswerError("number too large")
        number = float(value)
    elif isinstance(value, float):
        number = float(value)
    elif isinstance(value, str):  # "1/3", "exp(-1)": a formula without variables
        number = evaluate(parse_expression(value, budget=budget), budget=budget)
        if number.imag:
            raise AnswerError(f"{_short(value)!r} is not a real number")
        number = number.real
    else:
        raise AnswerError(f"expected a number, got {_kind(value)}")
    if not math.isfinite(number):
        raise AnswerError("expected a finite number")
    return number


def _array(value, ndim: int, budget: _Budget) -> tuple[np.ndarray, list[str]]:
    """A number (ndim 0), vector (1) or matrix (2), sizes checked first."""
    notes: list[str] = []
    if ndim == 0:
        if isinstance(value, list):
            if len(value) != 1 or isinstance(value[0], list):
                raise AnswerError("expected one number, got a list")
            notes.append("a single number was given as a 1-element list; accepted")
            value = value[0]
        return np.array(_number(value, budget)), notes
    if not isinstance(value, list):
        raise AnswerError(f"expected a {'vector' if ndim == 1 else 'matrix'} "
                          f"(a JSON list), got {_kind(value)}")
    if len(value) > MAX_ENTRIES:
        raise AnswerError(f"has {len(value)} entries, at most {MAX_ENTRIES} allowed")
    rows = [r for r in value if isinstance(r, list)]
    if ndim == 1 and rows and len(rows) == len(value) and all(len(r) == 1 for r in rows):
        notes.append("the vector was given as a column (a list of 1-element lists); accepted")
        value = [r[0] for r in rows]
        rows = []
    if ndim == 1:
        if rows:
            raise AnswerError("expected a flat list of numbers")
        return np.array([_number(v, budget) for v in value]), notes
    if len(rows) != len(value) or not value:
        raise AnswerError("expected a matrix as a list of rows")
    if sum(len(r) for r in rows) > MAX_ENTRIES:
        raise AnswerError(f"too many entries, at most {MAX_ENTRIES} allowed")
    if len({len(r) for r in rows}) != 1:
        raise AnswerError("rows have different lengths")
    return np.array([[_number(v, budget) for v in r] for r in rows]), notes


def _update(value, budget: _Budget, new: str, ndim: int, bare: str
            ) -> tuple[dict[str, np.ndarray | None], list[str]]:
    """A gradient with the step: {"grad": ..., ``new``: ...} (``ndim``: of
    both), or a bare list taken as the new value (the note ``bare``)."""
    if isinstance(value, list):
        W, notes = _array(value, ndim, budget)
        return {"grad": None, new: W}, notes + [bare]
    if not isinstance(value, dict):
        raise AnswerError(f'expected {{"grad": ..., "{new}": ...}}, got {_kind(value)}')
    unknown = sorted(set(value) - {"grad", new})
    if unknown:
        raise AnswerError(f"unknown part {_short(str(unknown[0]))!r}; expected grad and/or {new}")
    out, notes = {"grad": None, new: None}, []
    for part in ("grad", new):
        if part in value:
            try:
                out[part], more = _array(value[part], ndim, budget)
            except AnswerError as e:
                raise AnswerError(f"{part}: {e}") from None
            notes += more
    if out[new] is None and out["grad"] is None:
        raise AnswerError(f"neither grad nor {new} given")
    return out, notes


# --------------------------------------------------------------------------
# Submissions and answers files


@dataclass
class Submission:
    """One student's answers (validated), or the problem with the whole entry."""

    index: int
    student: str
    variant: str | None
    answers: dict[str, Given] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def _label(value, index: int) -> str:
    if isinstance(value, str) and value.strip():
        value = " ".join(value.split())
        return value if len(value) <= 200 else value[:197] + "..."
    return f"#{index + 1}"


def parse_submission(entry: Any, index: int, items: Sequence[str],
                     validate: Callable[[str, Any], Given]) -> Submission:
    """Validate one submission ({"student", "variant", "answers"}): the
    answers to ``items`` (the key's question ids), each by
    ``validate(item, value)``."""
    if not isinstance(entry, dict):
        return Submission(index, f"#{index + 1}", None,
                          error=f"expected an object with student, variant and answers, "
                                f"got {_kind(entry)}")
    student = _label(entry.get("student"), index)
    variant = entry.get("variant")
    sub = Submission(index, student, variant if isinstance(variant, str) else None)
    if not isinstance(entry.get("student"), str) or not entry["student"].strip():
        sub.error = "student: missing or not text"
    elif "variant" in entry and not isinstance(variant, (str, type(None))):
        sub.error = "variant: not text"
    elif isinstance(variant, str) and len(variant) > 100:
        sub.error = "variant: too long"
    elif not isinstance(entry.get("answers"), dict):
        sub.error = f"answers: missing or not an object of {items[0]}...{items[-1]}"
    unknown = sorted(set(entry) - {"student", "variant", "answers"})
    if unknown:
        sub.notes.append(f"ignored field {_short(str(unknown[0]))!r}")
    if sub.error:
        return sub
    answers = entry["answers"]
    extra = sorted(set(answers) - set(items), key=str)
    if extra:
        sub.notes.append(f"ignored unknown item {_short(str(extra[0]))!r}")
    sub.answers = {i: validate(i, answers[i]) for i in items
                   if i in answers and answers[i] is not None and answers[i] != ""}
    return sub
