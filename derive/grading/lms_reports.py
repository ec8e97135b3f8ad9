"""Quiz reports of a learning-management system, read as attempts.

- Moodle: the quiz's Responses report downloaded as CSV (Quiz → Results →
  Responses → Download, with "Question text" ticked). Its columns
  (mod/quiz/report/responses, attempts_report): ``Last name``, ``First
  name``, the site's identity fields (``Email address``, ``ID number``,
  ``Username``, …), ``State``, ``Started on``, ``Completed``, ``Time
  taken``, ``Grade/10.00``, then per slot ``Question N``, ``Response N``
  (and ``Right answer N``); one row per attempt.
- Canvas (classic quizzes): Quiz Statistics → Student Analysis. Its columns
  (Quizzes::QuizStatistics::StudentAnalysis#to_csv): ``name``, ``id``,
  ``sis_id``, ``root_account``, ``section``, ``section_id``,
  ``section_sis_id``, ``submitted``, ``attempt`` (the optional ones when the
  course has them), then per question ``<id>: <question text>`` and its
  points (headed by the points possible), then ``n correct``, ``n
  incorrect``, ``score``.

Every question text the tool exports starts with its marker
(:func:`derive.variants.lms_html.marker`), which names the variant and the
question (a Canvas question: one entry, ``q6[1,2]``); :func:`read_report`
maps each response to it. A report that is not one of these is a one-line
:class:`InputError` naming the line or column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from derive.grading.answers_file import MAX_FILE_BYTES, _csv_rows, _decode
from derive.grading.formulas import _short
from derive.problem.spec import InputError, printable
from derive.variants.lms_html import read_marker

SOURCES = ("moodle", "canvas")
MAX_ATTEMPTS = 50_000

# Moodle's identity fields as its reports head them (core_user\fields::get_display_name);
# the first present wins: a username is unique on a site, an ID number may be
# empty and an email address may be shared (allowaccountssameemail)
MOODLE_IDENTITY = ("Username", "ID number", "Email address")
_MOODLE_SLOT = re.compile(r"(Question|Response|Right answer) (\d+)$")
_MOODLE_GRADE = re.compile(r"Grade/\s*[0-9.,]+$")
# Moodle's attempt states (quiz_attempt::state_name): only a finished attempt is graded
FINISHED = "Finished"
# Moodle's strftimedatetime with its comma replaced by a space (last_responses_table)
_MOODLE_TIME = "%d %B %Y %I:%M %p"
_CANVAS_TIME = "%Y-%m-%d %H:%M:%S"
_CANVAS_QUESTION = re.compile(r"(\d+): (.*)$", re.S)
CANVAS_FIXED = ("name", "id", "sis_id", "root_account", "section", "section_id",
                "section_sis_id", "submitted", "attempt")
CANVAS_TAIL = ("n correct", "n incorrect", "score")


@dataclass
class Response:
    """One response of an attempt: the question it answers (from the marker),
    the report's column, and the text as the report shows it (None: not
    answered)."""

    variant: str
    qid: str
    part: str
    entry: tuple[int, ...]
    column: str
    text: str | None


@dataclass
class Attempt:
    """One row of a report: a student's attempt."""

    line: int
    name: str
    who: str                     # the identity that tells students apart ("Username: ada")
    identity: dict[str, str]     # every identity column of the report, as headed there
    state: str = FINISHED        # "": no attempt
    number: int | None = None    # Canvas's attempt number
    started: datetime | None = None   # Moodle: started on; Canvas: submitted
    score: float | None = None   # the LMS's own grade of the attempt
    responses: list[Response] = field(default_factory=list)


def read_report(path: str | Path, source: str) -> list[Attempt]:
    """Every attempt of a Moodle Responses or Canvas Student Analysis report."""
    where = printable(str(path))
    rows = _table(Path(path), where, "Last name" if source == "moodle" else "name")
    header = [h.strip() for h in rows[0][1]]
    reader = _moodle if source == "moodle" else _canvas
    attempts = reader(header, rows[1:], where)
    if len(attempts) > MAX_ATTEMPTS:
        raise InputError("--answers", f"{where}: {len(attempts)} attempts, at most "
                         f"{MAX_ATTEMPTS} allowed")
    return attempts


def _table(path: Path, where: str, anchor: str) -> list[tuple[int, list[str]]]:
    """The rows of a CSV file (comma, semicolon or tab separated: the one
    whose header has the column ``anchor``, else the one that splits it most),
    each with the line it starts on; blank rows dropped."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError("--answers", f"{where}: {size / 2**20:.0f} MB, at most "
                             f"{MAX_FILE_BYTES // 2**20} MB allowed")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("--answers", f"{where}: no such file") from None
    except OSError as e:
        raise InputError("--answers", f"{where}: cannot read ({e.__class__.__name__})") from None
    if data[:4] == b"PK\x03\x04":
        raise InputError("--answers", f"{where}: a spreadsheet (.xlsx/.ods), not CSV; "
                         "download the report as CSV")
    text = _decode(data, where, legacy=True)

    def header(delimiter: str) -> tuple[bool, int]:
        try:
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                    strict=True), [])
        except csv.Error:
            return False, 0
        return anchor in (c.strip() for c in cells), len(cells)

    delimiter = max((",", ";", "\t"), key=header)   # ties: the comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = [(line, row) for line, row in _csv_rows(reader, where) if any(c.strip() for c in row)]
    if not rows:
        raise InputError("--answers", f"{where}: empty")
    return rows


def _column(header: list[str], name: str, where: str, hint: str = "") -> int:
    if header.count(name) > 1:
        raise InputError("--answers", f"{where}: column {name!r} appears twice")
    if name not in header:
        raise InputError("--answers", f"{where}: no column {name!r}{hint}")
    return header.index(name)


def _cells(header: list[str], row: list[str], line: int, where: str) -> list[str]:
    if any(c.strip() for c in row[len(header):]):
        raise InputError("--answers", f"{where}: line {line}: {len(row)} cells, but the "
                         f"header has {len(header)} columns")
    return [c.strip() for c in row] + [""] * (len(header) - len(row))


def _marker(text: str, line: int | None, column: str, where: str) -> tuple:
    found = read_marker(text)
    if found is None:
        place = f"line {line}, " if line else ""
        raise InputError("--answers", f"{where}: {place}column {printable(_short(column))!r}: "
                         "no 'Problem sheet <variant>, question <id>' in the question text "
                         "(not a quiz exported by handouts variants?)")
    return found


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text not in ("", "-") else None
    except ValueError:
        return None


# --------------------------------------------------------------------------
# Moodle


def _moodle(header: list[str], rows, where: str) -> list[Attempt]:
    last = _column(header, "Last name", where, " (a Moodle quiz Responses report, "
                   "downloaded with the names?)")
    first = _column(header, "First name", where)
    ids = [(h, header.index(h)) for h in MOODLE_IDENTITY if h in header]
    shown = [(h, i) for i, h in enumerate(header) if h in MOODLE_IDENTITY]
    state = header.index("State") if "State" in header else None
    started = header.index("Started on") if "Started on" in header else None
    grade = next((i for i, h in enumerate(header) if _MOODLE_GRADE.match(h)), None)
    slots: dict[int, dict[str, int]] = {}
    for i, h in enumerate(header):
        m = _MOODLE_SLOT.match(h)
        if m:
            if m[1] in slots.setdefault(int(m[2]), {}):
                raise InputError("--answers", f"{where}: column {h!r} appears twice")
            slots[int(m[2])][m[1]] = i
    if not any("Response" in s for s in slots.values()):
        raise InputError("--answers", f"{where}: no 'Response 1', 'Response 2', ... columns "
                         "(a Moodle quiz Responses report?)")
    for n, s in sorted(slots.items()):
        if "Response" in s and "Question" not in s:
            raise InputError("--answers", f"{where}: column 'Response {n}' has no 'Question "
                             f"{n}' beside it; tick 'Question text' in the report's options "
                             "and download it again")
    out = []
    for line, row in rows:
        cells = _cells(header, row, line, where)
        identity = {h: cells[i] for h, i in shown}
        who = next((f"{h}: {cells[i]}" for h, i in ids if cells[i] not in ("", "-")), None)
        name = " ".join(p for p in (cells[first], cells[last]) if p)
        if who is None:
            if not name:
                continue   # not a student's row (an average, a blank line)
            who = f"name: {name}"
        a = Attempt(line, name or who, who, identity)
        if state is not None:   # "-": a student without an attempt (the report may list them)
            a.state = "" if cells[state] in ("", "-") else cells[state]
        if started is not None:
            try:
                a.started = datetime.strptime(" ".join(cells[started].split()), _MOODLE_TIME)
            except ValueError:
                a.started = None
        if grade is not None:
            a.score = _number(cells[grade])
        for n, s in sorted(slots.items()):
            if "Response" not in s:
                continue
            question = cells[s["Question"]]
            if question in ("", "-"):
                continue   # the slot was not in this attempt
            variant, qid, part, entry = _marker(question, line, f"Question {n}", where)
            text = cells[s["Response"]]
            a.responses.append(Response(variant, qid, part, entry, f"Response {n}",
                                        None if text in ("", "-") else text))
        out.append(a)
    return out


# --------------------------------------------------------------------------
# Canvas


def _canvas(header: list[str], rows, where: str) -> list[Attempt]:
    name = _column(header, "name", where, " (a Canvas quiz Student Analysis report? an "
                   "anonymous quiz cannot be graded per student)")
    uid = _column(header, "id", where)
    fixed = {h: header.index(h) for h in CANVAS_FIXED if h in header}
    questions: list[tuple[int, str, tuple]] = []
    i = 0
    while i < len(header):
        h = header[i]
        m = _CANVAS_QUESTION.match(h)
        if m:
            if i + 1 >= len(header) or _number(header[i + 1]) is None:
                raise InputError("--answers", f"{where}: column {printable(_short(h))!r} has "
                                 "no points column after it")
            if read_marker(m[2]) is not None or _number(header[i + 1]):
                questions.append((i, h, _marker(m[2], None, h, where)))
            i += 2   # a question of no points without a marker (a text item): not graded
            continue
        i += 1   # a column of Canvas's own (name, section, ..., score)
    if not questions:
        raise InputError("--answers", f"{where}: no '<id>: <question text>' columns "
                         "(a Canvas quiz Student Analysis report?)")
    out = []
    for line, row in rows:
        cells = _cells(header, row, line, where)
        if not cells[uid]:   # a logged-out user's submission (Canvas leaves name and id empty)
            out.append(Attempt(line, "logged-out user", f"line {line}", {}, state="Logged out"))
            continue
        identity = {h: cells[fixed[h]] for h in ("id", "sis_id", "section") if h in fixed}
        a = Attempt(line, cells[name] or f"id {cells[uid]}", f"id: {cells[uid]}", identity)
        if "attempt" in fixed:
            try:
                a.number = int(cells[fixed["attempt"]])
            except ValueError:
                raise InputError("--answers", f"{where}: line {line}: attempt "
                                 f"{printable(_short(cells[fixed['attempt']]))!r} is not a "
                                 "whole number") from None
        if "submitted" in fixed:   # Ruby's Time#to_s: 2026-12-05 09:40:00 UTC
            try:
                a.started = datetime.strptime(cells[fixed["submitted"]][:19], _CANVAS_TIME)
            except ValueError:
                a.started = None
        if "score" in header:
            a.score = _number(cells[header.index("score")])
        for col, h, (variant, qid, part, entry) in questions:
            text, points = cells[col], cells[col + 1]
            if text == "" and points == "":
                continue   # the question was not in this attempt
            a.responses.append(Response(variant, qid, part, entry, h, text or None))
        out.append(a)
    return out
