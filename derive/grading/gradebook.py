"""Grades as the gradebooks of Moodle and Canvas import them (``grade --out``).

- ``moodle-grades.csv`` (Moodle: Grades → Import → CSV file): a header row,
  one row per student: ``Student`` (the name), the identity columns of a
  Moodle report (``Username``, ``ID number``, ``Email address``, as Moodle
  heads them) or, from a Canvas report, ``ID number`` (its sis_id), then one
  column of points named after the grade item. On the import page, "Map
  from" one identity column "to" the user field it holds, and map the grade
  column to the quiz's grade item (or a new one).
- ``canvas-grades.csv`` (Canvas: Grades → Import): the header ``Student,ID,SIS
  User ID,SIS Login ID,Section,<assignment>`` and a ``Points Possible`` row,
  as Canvas's own gradebook export writes them; Canvas matches students by
  ID (its user id, from a Canvas report), else SIS User ID (a Moodle
  report's ID number, or the student of a JSON/CSV answers file), else SIS
  Login ID (a Moodle report's username). A new column name creates an
  assignment of that name.

The grade item's name is ``[grading] gradebook_item`` of the config, else the
assignment's title (from the key). A student whose submission could not be
graded gets an empty cell, which both imports leave alone.
"""

from __future__ import annotations

import csv
import io
from typing import Sequence

from derive.files import spreadsheet_cell
from derive.grading.results import StudentGrade
from derive.problem.spec import InputError, printable

MOODLE_IDENTITY = ("Username", "ID number", "Email address")
CANVAS_HEAD = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def item_name(grading: dict, keys: Sequence[dict]) -> str:
    """The grade item's name: ``[grading] gradebook_item``, else the assignment's title."""
    name = grading.get("gradebook_item")
    if name is None:
        title = (keys[0].get("assignment") or {}).get("title") if keys else None
        return title if isinstance(title, str) and title.strip() else "handouts"
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or \
            printable(name) != name:
        raise InputError("grading.gradebook_item", "expected a name (text, at most 200 "
                         "characters, no control characters)")
    return name.strip()


def _score(g: StudentGrade) -> str:
    return "" if g.error else f"{g.score:g}"


def _write(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def moodle_grades(grades: Sequence[StudentGrade], item: str) -> str:
    """moodle-grades.csv."""
    ids = [h for h in MOODLE_IDENTITY if any(h in g.identity for g in grades)]
    canvas = not ids and any("sis_id" in g.identity for g in grades)
    head = ["Student", *ids, *(["ID number"] if canvas else []), item]
    rows = [head]
    for g in grades:
        who = [g.identity.get(h, "") for h in ids] + \
            ([g.identity.get("sis_id", "")] if canvas else [])
        rows.append([spreadsheet_cell(g.student), *map(spreadsheet_cell, who), _score(g)])
    return _write(rows)


def canvas_grades(grades: Sequence[StudentGrade], item: str,
                  points: float | None = None) -> str:
    """canvas-grades.csv, with its Points Possible row (``points``; default
    the largest of the grades')."""
    if points is None:
        points = max((g.max for g in grades), default=0)
    rows = [[*CANVAS_HEAD, item], ["Points Possible", "", "", "", "", f"{points:g}"]]
    for g in grades:
        i = g.identity
        if "id" in i:          # a Canvas report
            who = [i["id"], i.get("sis_id", ""), "", i.get("section", "")]
        elif i:                # a Moodle report
            who = ["", i.get("ID number", ""), i.get("Username", ""), ""]
        else:                  # a JSON/CSV answers file: the student is the SIS user id
            who = ["", g.student, "", ""]
        rows.append([spreadsheet_cell(g.student), *map(spreadsheet_cell, who), _score(g)])
    return _write(rows)
