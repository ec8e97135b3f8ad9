"""Answers files: JSON or CSV as spreadsheets write them, read into submissions.

A malformed file raises :class:`~derive.problem.spec.InputError` (one line,
exit 2) naming the place; each entry is then validated by the caller's
``parse`` (:func:`derive.grading.answers.parse_submission` by default).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Any, Callable

from derive.grading.formulas import MAX_NESTING, _parse_int, _short
from derive.problem.names import same_name
from derive.problem.spec import InputError, printable

MAX_FILE_BYTES = 32 * 2**20   # a class's answers file is a few hundred kB
MAX_SUBMISSIONS = 10_000


def load_submissions(path: str | Path, parse: Callable, columns: set[str]) -> list:
    """Read an answers file (JSON: one submission or a list; CSV: the
    ``columns`` student, variant and one per question, see
    :func:`derive.grading.kind_answers.csv_columns`) and validate each
    submission with ``parse(entry, index)``. A malformed file, or one
    student twice, is an :class:`InputError` naming the place."""
    path = Path(path)
    where = printable(str(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("--answers", f"{where}: no such file") from None
    except OSError as e:
        raise InputError("--answers", f"{where}: cannot read ({e.__class__.__name__})") from None
    if size > MAX_FILE_BYTES:
        raise InputError("--answers", f"{where}: {size / 2**20:.0f} MB, at most "
                         f"{MAX_FILE_BYTES // 2**20} MB allowed")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError("--answers", f"{where}: cannot read ({e.__class__.__name__})") from None
    is_csv = path.suffix.lower() == ".csv"
    text = _decode(data, where, legacy=is_csv)
    entries, places = _csv_entries(text, where, columns) if is_csv \
        else _json_entries(text, where)
    if len(entries) > MAX_SUBMISSIONS:
        raise InputError("--answers", f"{where}: {len(entries)} submissions, at most "
                         f"{MAX_SUBMISSIONS} allowed")
    submissions = [parse(e, i) for i, e in enumerate(entries)]
    _refuse_duplicates(submissions, places, where)
    return submissions


def _decode(data: bytes, where: str, legacy: bool) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, and for CSV the
    Windows-1252/Latin-1 that spreadsheets write; anything else refused by name."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as e:
                if not legacy:
                    raise InputError("--answers", f"{where}: not UTF-8 text (byte {e.start + 1}); "
                                     "save it as UTF-8") from None
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("--answers", f"{where}: neither UTF-8 nor Windows-1252 (Latin-1) "
                         "text; save it as UTF-8") from None
    if "\x00" in text:
        raise InputError("--answers", f"{where}: contains NUL characters; not a text file")
    return text


def _refuse_duplicates(submissions: list, places: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for sub, place in zip(submissions, places):
        if sub.error and sub.student.startswith("#"):
            continue
        name = same_name(sub.student)
        if name in seen:
            raise InputError("--answers", f"{where}: student '{printable(_short(sub.student))}' "
                             f"appears twice ({places[seen[name]]} and {place}); keep one "
                             "submission per student")
        seen[name] = sub.index


def _nesting(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            deepest = max(deepest, depth)
            if depth <= MAX_NESTING:
                stack.extend((v, depth + 1) for v in
                             (value.values() if isinstance(value, dict) else value))
    return deepest


def _json_entries(text: str, where: str) -> tuple[list, list[str]]:
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as e:
        raise InputError("--answers", f"{where}: not valid JSON ({e.msg} at line "
                         f"{e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise InputError("--answers", f"{where}: nested too deeply") from None
    if _nesting(data) > MAX_NESTING:
        raise InputError("--answers", f"{where}: nested more than {MAX_NESTING} deep")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InputError("--answers", f"{where}: expected a submission object or a "
                         "non-empty list of them")
    return data, [f"entry {i + 1}" for i in range(len(data))]


_CELL_JSON = re.compile(r"\s*[\[{\-0-9.]")
_DECIMAL_COMMA = re.compile(r"\s*[-+]?\d+,\d+\s*$")
_DELIMITERS = (",", ";", "\t")


def _csv_entries(text: str, where: str, columns: set[str]) -> tuple[list, list[str]]:
    """Rows of a CSV file as submissions, with the line each starts on.

    The separator is the one of ``, ; tab`` that makes a header with a
    ``student`` column; spaces after it are skipped; a number with a decimal
    comma (``2,303``) is read in a ``;`` file. A quote left open, a row with
    more cells than the header, or a student cell spanning lines is an error
    naming the line."""
    first = (text.splitlines() or [""])[0]
    found = [(len(h), d) for d in _DELIMITERS
             if "student" in (h := [c.strip().strip("\"") for c in first.split(d)])]
    if not found:
        raise InputError("--answers", f"{where}: needs a header row with a student column "
                         "(student, variant and a column per question, q1...; separated by commas, "
                         "semicolons or tabs)")
    delimiter = max(found)[1]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True, strict=True)
    rows = _csv_rows(reader, where)
    (_, header), rows = rows[0], rows[1:]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    for col in header:
        if col not in columns:
            raise InputError("--answers", f"{where}: unknown column '{printable(_short(col))}'")
        if header.count(col) > 1:
            raise InputError("--answers", f"{where}: column {col!r} appears twice")
    entries, places = [], []
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        if any(c.strip() for c in row[len(header):]):
            raise InputError("--answers", f"{where}: line {line}: {len(row)} cells, but the "
                             f"header has {len(header)} columns")
        cells = dict(zip(header, row))
        for col in ("student", "variant"):
            if "\n" in cells.get(col, "") or "\r" in cells.get(col, ""):
                raise InputError("--answers", f"{where}: line {line}: the {col} cell spans "
                                 "several lines (a quote left open?)")
        answers: dict[str, Any] = {}
        for col, cell in cells.items():
            if col in ("student", "variant") or not cell.strip():
                continue
            item, _, part = col.partition(".")
            value = _cell(cell, decimal_comma=delimiter == ";")
            if part:
                answers.setdefault(item, {})
                if isinstance(answers[item], dict):
                    answers[item][part] = value
            else:
                answers[item] = value
        entries.append({"student": cells.get("student"), "variant": cells.get("variant") or None,
                        "answers": answers})
        places.append(f"line {line}")
    return entries, places


def _csv_rows(reader, where: str) -> list[tuple[int, list[str]]]:
    """Every row with the line it starts on; a CSV error names that line."""
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as e:
            hint = " (a quote left open?)" if "end of data" in str(e) or "expected" in str(e) \
                else ""
            raise InputError("--answers", f"{where}: line {line}: not valid CSV "
                             f"({printable(str(e))}){hint}") from None
        rows.append((line, row))


def _cell(cell: str, decimal_comma: bool = False) -> Any:
    """A CSV cell: JSON (numbers, lists, objects) when it looks like it, else text."""
    if decimal_comma and _DECIMAL_COMMA.match(cell):
        cell = cell.replace(",", ".")
    if len(cell) <= MAX_FILE_BYTES and _CELL_JSON.match(cell):
        try:
            value = json.loads(cell, parse_int=_parse_int)
        except (ValueError, RecursionError):
            return cell
        return value if _nesting(value) <= MAX_NESTING else cell
    return cell
