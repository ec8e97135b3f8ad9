"""The gradebook imports: moodle-grades.csv and canvas-grades.csv, checked
against the rules of each importer (Moodle's gradeimport_csv: a header, a
user column to map from, a numeric grade or an empty cell; Canvas's
GradebookImporter: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
``Section``, the assignments, and a ``Points Possible`` row)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from derive.grading.gradebook import canvas_grades, item_name, moodle_grades
from derive.grading.results import ItemGrade, StudentGrade
from derive.problem.spec import InputError


def _grade(name, points, identity=None, error=None):
    return StudentGrade(name, "v1", {"q1": ItemGrade("correct", points, 10)}, error,
                        identity=identity or {})


def _rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_moodle_grades_from_a_moodle_report_keep_its_identity_columns():
    grades = [_grade("Ada Lovelace", 7.5, {"Username": "ada", "Email address": "a@x.org"}),
              _grade("Bob Li", 0, {"Username": "bob", "Email address": "b@x.org"},
                     error="not graded"),
              _grade("=cmd|' /C calc'!A0", 10, {"Username": "eve", "Email address": "e@x.org"})]
    rows = _rows(moodle_grades(grades, "Backprop quiz"))
    assert rows == [["Student", "Username", "Email address", "Backprop quiz"],
                    ["Ada Lovelace", "ada", "a@x.org", "7.5"],
                    ["Bob Li", "bob", "b@x.org", ""],     # not graded: left alone
                    ["'=cmd|' /C calc'!A0", "eve", "e@x.org", "10"]]


def test_moodle_grades_from_canvas_or_json_answers():
    canvas = [_grade("Ada", 5, {"id": "7", "sis_id": "S1", "section": "A"})]
    assert _rows(moodle_grades(canvas, "Q")) == [["Student", "ID number", "Q"],
                                                  ["Ada", "S1", "5"]]
    assert _rows(moodle_grades([_grade("s123", 5)], "Q")) == [["Student", "Q"], ["s123", "5"]]


def test_canvas_grades_have_the_header_and_points_row_canvas_reads():
    grades = [_grade("Ada Lovelace", 7.5, {"id": "2001", "sis_id": "S001", "section": "Sec A"}),
              _grade("Bob Li", 2, {"Username": "bob", "ID number": "N2"}),
              _grade("s123", 10),
              _grade("Eve", 1, {"id": "9"}, error="no key")]
    rows = _rows(canvas_grades(grades, "Backprop quiz (42)"))
    header, points, *students = rows
    # GradebookImporter#header?: Student, ID, SIS User ID, SIS Login ID, then Section
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert re.match(r"Student", header[0]) and re.match(r"ID", header[1])
    assert header[5] == "Backprop quiz (42)"    # Canvas reads "(42)" as the assignment's id
    assert points == ["Points Possible", "", "", "", "", "10"]
    assert students == [["Ada Lovelace", "2001", "S001", "", "Sec A", "7.5"],
                        ["Bob Li", "", "N2", "bob", "", "2"],
                        ["s123", "", "s123", "", "", "10"],
                        ["Eve", "9", "", "", "", ""]]


def test_the_same_grades_give_the_same_bytes():
    grades = [_grade(f"S{i}", i / 3, {"Username": f"u{i}"}) for i in range(5)]
    assert moodle_grades(grades, "Q") == moodle_grades(list(grades), "Q")
    assert canvas_grades(grades, "Q") == canvas_grades(list(grades), "Q")
    assert "\r" not in canvas_grades(grades, "Q")


def test_the_item_is_named_by_the_config_or_the_assignment_title():
    keys = [{"assignment": {"title": "Backpropagation homework"}}]
    assert item_name({}, keys) == "Backpropagation homework"
    assert item_name({}, [{}]) == "handouts"
    assert item_name({"gradebook_item": " Quiz 3 (42) "}, keys) == "Quiz 3 (42)"


@pytest.mark.parametrize("value", ["", "  ", 3, "a\x1bb", "x" * 201])
def test_a_bad_item_name_is_one_line(value):
    with pytest.raises(InputError, match="grading.gradebook_item"):
        item_name({"gradebook_item": value}, [])
