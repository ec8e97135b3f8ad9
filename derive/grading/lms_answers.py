"""The responses of an LMS report as the answers a student would write in
JSON: numbers read as the LMS reads them, a Moodle cloze response split into
its fields, a Canvas question per entry put back into its vector or matrix,
and the attempt to grade chosen for each student.

Numbers (:func:`lms_number`) are read as Moodle's numerical question reads
them (qtype_numerical_answer_processor::apply_units): spaces dropped,
``1.5×10^-3``/``1.5x10^-3``/``1.5*10**-3`` as ``1.5e-3``, a comma a
thousands separator when the text has a point or several commas (``1,234.5``)
and else a decimal comma (``0,5``, as on a site whose decimal separator is the
comma; an English-language site reads it as 5). What is not a number then
(``1/3``, ``exp(-1)``) goes to the grader as text, as in a JSON submission.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from derive.grading.lms_reports import FINISHED, Attempt
from derive.problem.spec import InputError, printable

RULES = ("last", "first", "highest")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_TIMES_TEN = re.compile(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)")
_FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?")
_CLOZE_PART = re.compile(r"(?:^|; )part (\d+):(?: |$)")
EMPTY = None   # a box left empty


def lms_number(text: str | None) -> Any:
    """A response box as a number (float), the text itself when it is no
    number (the grader reads ``1/3`` or says why it cannot), or None when empty."""
    if text is None:
        return None
    raw = text.strip()
    if raw in ("", "-"):
        return None
    s = _SPACES.sub("", raw).replace("\u2212", "-")
    s = _TIMES_TEN.sub(r"e\1", s)
    if "." in s or s.count(",") > 1:
        s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    if _FLOAT.fullmatch(s):
        value = float(s)
        return value if math.isfinite(value) else raw
    return raw


def split_cloze(text: str, fields: int) -> list[str | None] | None:
    """The fields of Moodle's summary of a cloze response (qtype_multianswer
    summarise_response: ``part 1: 0.5; part 2: -0.25``; a field left empty is
    ``part 2: ``), or None when it cannot be split into ``fields`` parts
    unambiguously (a response that itself contains ``; part 3:``)."""
    found = list(_CLOZE_PART.finditer(text))
    if [int(m[1]) for m in found] != list(range(1, fields + 1)) or found[0].start() != 0:
        return None
    ends = [m.start() for m in found[1:]] + [len(text)]
    return [text[m.end():end].strip() or None for m, end in zip(found, ends)]


def shape_of(answer: Any) -> Any:
    """The shape of a key's numeric answer: () for a number, (n,) or (r, c),
    or {"grad": shape, "new": shape} for a gradient-step."""
    if isinstance(answer, dict) and "value" in answer:
        answer = answer["value"]
    if isinstance(answer, dict):
        return {p: np.shape(answer[p]) for p in ("grad", "new")}
    return np.shape(answer)


def _size(shape) -> int:
    return int(np.prod(shape)) if shape else 1


def _nest(values: list, shape) -> Any:
    if not shape:
        return values[0]
    return np.array(values, dtype=object).reshape(shape).tolist()


def fill(values: list, shape) -> tuple[Any, list[int]]:
    """Boxes (in row-major order) as the answer of ``shape``, and the boxes
    (from 1) left empty; (None, []) when every box is empty."""
    if isinstance(shape, dict):
        out, empty, start = {}, [], 0
        for part in ("grad", "new"):
            n = _size(shape[part])
            value, holes = fill(values[start:start + n], shape[part])
            if value is not None:
                out[part] = value
                empty += [start + h for h in holes]
            start += n
        return (out or None), empty
    if all(v is EMPTY for v in values):
        return None, []
    empty = [i + 1 for i, v in enumerate(values) if v is EMPTY]
    return _nest(["" if v is EMPTY else v for v in values], shape), empty


def entry_index(shape, part: str, entry: tuple[int, ...]) -> int | None:
    """The box (from 0, row-major; a gradient-step's grad boxes first) of a
    Canvas question's entry (``q12.new[2,1]``: part new, row 2, column 1)."""
    offset = 0
    if isinstance(shape, dict):
        if part not in shape:
            return None
        offset = _size(shape["grad"]) if part == "new" else 0
        shape = shape[part]
    elif part:
        return None
    if len(entry) != len(shape) or any(not 1 <= e <= n for e, n in zip(entry, shape)):
        return None
    return offset + int(np.ravel_multi_index(tuple(e - 1 for e in entry), shape)) \
        if shape else offset


# --------------------------------------------------------------------------
# Attempts


def parse_attempt_rule(value: Any, where: str) -> str | int:
    """``last`` (the default), ``first``, ``highest`` (the LMS's own grade) or
    an attempt's number (from 1)."""
    if isinstance(value, str) and value.strip().lower() in RULES:
        return value.strip().lower()
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return value
    raise InputError(where, f"expected last, first, highest or an attempt's number, "
                     f"got {printable(str(value))[:40]!r}")


def _order(attempts: list[Attempt]) -> list[Attempt]:
    """A student's attempts, first to last: by Canvas's attempt number, by
    Moodle's Started on (Canvas's submitted) when every one has it, else in the
    report's order (Moodle's default, by the attempt's creation)."""
    if all(a.number is not None for a in attempts):
        return sorted(attempts, key=lambda a: a.number)
    if all(a.started is not None for a in attempts):
        return sorted(attempts, key=lambda a: a.started)
    return sorted(attempts, key=lambda a: a.line)


def choose_attempts(attempts: list[Attempt], rule: str | int
                    ) -> tuple[list[Attempt], list[str]]:
    """The attempt to grade of each student (in the order students first
    appear), and what was left out and why."""
    by_student: dict[str, list[Attempt]] = {}
    for a in attempts:
        by_student.setdefault(a.who, []).append(a)
    chosen, skipped = [], []
    for who, mine in by_student.items():
        ordered = _order(mine)
        done = [a for a in ordered if a.state == FINISHED]
        if who.startswith("name: ") and len(done) > 1:   # no identity column to tell them apart
            skipped.append(f"{printable(mine[0].name)}: {len(done)} finished attempts under one "
                           "name and no identity column, taken as one student's (two students "
                           "of one name would be merged: download the report with Username, "
                           "ID number or Email address)")
        for a in ordered:
            if a.state != FINISHED:
                said = f"attempt {printable(a.state).lower()}" if a.state else "no attempt"
                skipped.append(f"line {a.line} ({printable(a.name)}): {said}, not graded")
        if isinstance(rule, int):
            numbered = {a.number: a for a in ordered} if all(a.number is not None
                                                               for a in ordered) \
                else dict(enumerate(ordered, 1))
            pick = numbered.get(rule)
            if pick is None or pick.state != FINISHED:
                skipped.append(f"{printable(mine[0].name)}: no finished attempt number {rule}")
                continue
        elif not done:
            continue
        elif rule == "first":
            pick = done[0]
        elif rule == "highest":
            pick = max(reversed(done), key=lambda a: -math.inf if a.score is None else a.score)
        else:
            pick = done[-1]
        chosen.append(pick)
    return chosen, skipped
