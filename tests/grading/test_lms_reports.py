"""LMS quiz reports read back: the hand-written fixtures in Moodle's and
Canvas's column layouts (tests/data/lms), the numbers and cloze summaries
as the LMS shows them, attempts, bad reports; and the round trip: keys of a
variant set, a class's answers written as each LMS's report, graded with the
same grades and diagnoses as the same answers in JSON."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from derive.grading.kind_answers import as_submitted, items_of, submission_parser
from derive.grading.kind_grade import grade_all_kinds
from derive.grading.lms_answers import (choose_attempts, lms_number, parse_attempt_rule,
                                        split_cloze)
from derive.grading.lms_grade import choice_grade, grade_report
from derive.grading.lms_reports import read_report
from derive.grading.rules import Rules
from derive.numerics.key import build_assignment_key
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.problem.assignment import load_assignment
from derive.problem.spec import InputError
from derive.variants.choices import Choice, Choices
from derive.variants.exports import numeric_items
from tests.grading import lms_sim
from tests.variants.test_moodle_import import HARNESS, harness  # noqa: F401 (a fixture)

DATA = Path(__file__).parent.parent / "data" / "lms"


@pytest.fixture(scope="module")
def reference_key():
    return lms_sim.as_json(build_assignment_key(load_assignment("reference")))


# --------------------------------------------------------------------------
# Numbers and cloze summaries


@pytest.mark.parametrize("text, value", [
    ("0.5", 0.5), ("0,5", 0.5), (" -0,25 ", -0.25), ("1,234.5", 1234.5), ("2,456,789", 2456789.0),
    ("1 234.5", 1234.5), ("1.5×10^-3", 1.5e-3), ("1.5x10^3", 1500.0), ("2*10**-2", 0.02),
    ("1e-3", 1e-3), ("1E5", 1e5), ("\u22120.5", -0.5), (".5", 0.5), ("3.", 3.0),
    ("", None), ("-", None), (None, None), ("  ", None),
    ("1/3", "1/3"), ("exp(-1)", "exp(-1)"), ("abc", "abc"), ("1e999", "1e999"),
    ("0.5 m", "0.5 m"), ("--1", "--1")])
def test_a_box_is_read_as_moodle_reads_a_number(text, value):
    assert lms_number(text) == value


@pytest.mark.parametrize("text, n, fields", [
    ("part 1: 0.5; part 2: -0.25", 2, ["0.5", "-0.25"]),
    ("part 1: ; part 2: 3", 2, [None, "3"]),
    ("part 1: 1; part 2:", 2, ["1", None]),          # the summary is trimmed: no last space
    ("part 1: 1,5; part 2: 2,5", 2, ["1,5", "2,5"]),
    ("part 1: 1; part 2: 2", 3, None),                # fewer boxes than the question has
    ("part 1: 1; part 2: 2; part 2: 3", 2, None),     # a box typed "2; part 2: 3": ambiguous
    ("0.5", 1, None), ("", 2, None)])
def test_a_cloze_summary_is_split_into_its_boxes_or_not_at_all(text, n, fields):
    assert split_cloze(text, n) == fields


# --------------------------------------------------------------------------
# The fixtures


def test_the_moodle_fixture_is_read_as_attempts_with_their_questions():
    attempts = read_report(DATA / "moodle-responses.csv", "moodle")
    assert [(a.line, a.name, a.who, a.state) for a in attempts] == [
        (2, "Ada Lovelace", "Username: ada", "Finished"),
        (3, "Ada Lovelace", "Username: ada", "In progress"),
        (4, "Bob Li", "Username: bob", "Finished"),
        (5, "Wei Chen", "Username: wei", "Finished"),
        (6, "Wei Chen", "Username: wei", "Finished")]
    ada = attempts[0]
    assert ada.identity == {"Username": "ada", "Email address": "ada@example.org"}
    assert ada.score == 70 and ada.started.hour == 9
    assert [(r.variant, r.qid, r.part, r.entry, r.column) for r in ada.responses] == [
        ("reference", "q5", "", (), "Response 1"), ("reference", "q6", "", (), "Response 2"),
        ("reference", "q10", "", (), "Response 3")]
    assert ada.responses[0].text == "2,303"
    assert [r.text for r in attempts[1].responses] == [None, None, None]


def test_the_canvas_fixture_is_read_with_an_entry_per_question():
    attempts = read_report(DATA / "canvas-student-analysis.csv", "canvas")
    assert [(a.who, a.number, a.score) for a in attempts] == [
        ("id: 2001", 2, 4.5), ("id: 2001", 1, 0.5), ("id: 2002", 1, 4)]
    assert attempts[0].identity == {"id": "2001", "sis_id": "S001", "section": "Section A"}
    assert [(r.qid, r.entry, r.text) for r in attempts[0].responses] == [
        ("q5", (), "2.30"), ("q10", (1,), "3"), ("q10", (2,), "10"), ("q10", (3,), "0"),
        ("q10", (4,), "0")]
    assert [r.text for r in attempts[1].responses][1:] == ["3", None, None, None]


def test_the_moodle_fixture_grades_the_last_finished_attempt(reference_key):
    results, skipped = grade_report(DATA / "moodle-responses.csv", "moodle", [reference_key])
    grades = {r.grade.student: r.grade for r in results}
    assert list(grades) == ["Ada Lovelace", "Bob Li", "Wei Chen"]
    assert skipped == ["line 3 (Ada Lovelace): attempt in progress, not graded"]
    ada, bob, wei = grades.values()
    assert {q: ada.items[q].status for q in ("q5", "q6", "q10")} == \
        {"q5": "correct", "q6": "correct", "q10": "correct"}
    assert ada.items["q8"].status == "missing" and ada.identity["Username"] == "ada"
    assert bob.items["q5"].status == "missing"
    assert bob.items["q6"].status == "invalid"
    assert "box 2 of 6 left empty" in bob.items["q6"].feedback
    assert bob.items["q10"].status == "invalid"
    assert "box 4 of 4 left empty" in bob.items["q10"].feedback
    # Wei's last attempt: 1.5×10^-3, 1 234.5, 1,000,000, 1/3, 1e-3 read as numbers
    assert wei.items["q5"].status == "wrong" and wei.items["q6"].status == "missing"
    assert wei.items["q10"].given == [1234.5, 1e6, "1/3", 1e-3]


@pytest.mark.parametrize("rule, q6", [("first", "wrong"), ("highest", "wrong"), (1, "wrong"),
                                      ("last", "missing"), (2, "missing")])
def test_the_attempt_graded_is_the_one_the_rule_names(reference_key, rule, q6):
    results, _ = grade_report(DATA / "moodle-responses.csv", "moodle", [reference_key], Rules(),
                              rule)
    wei = {r.grade.student: r.grade for r in results}["Wei Chen"]
    assert wei.items["q6"].status == q6
    if q6 == "wrong":
        assert wei.items["q6"].diagnosis == ["sign-flipped"]


def test_a_numbered_attempt_in_progress_or_absent_is_skipped_and_said(reference_key):
    results, skipped = grade_report(DATA / "moodle-responses.csv", "moodle", [reference_key],
                                    Rules(), 2)
    assert [r.grade.student for r in results] == ["Wei Chen"]
    assert "Ada Lovelace: no finished attempt number 2" in skipped
    assert "Bob Li: no finished attempt number 2" in skipped


def test_the_canvas_fixture_grades_entries_assembled_into_vectors(reference_key):
    results, _ = grade_report(DATA / "canvas-student-analysis.csv", "canvas", [reference_key])
    ada, bob = (r.grade for r in results)
    assert (ada.student, bob.student) == ("Ada Lovelace", "Bob Li")
    assert ada.items["q10"].status == "correct" and ada.items["q5"].status == "correct"
    assert bob.items["q5"].status == "correct"      # 2,3026
    assert bob.items["q10"].status == "invalid"      # entry 4 left empty
    results, _ = grade_report(DATA / "canvas-student-analysis.csv", "canvas", [reference_key],
                              Rules(), "first")
    assert results[0].grade.items["q10"].status == "invalid"
    assert results[0].grade.items["q5"].status == "wrong"


@pytest.mark.parametrize("value, rule", [("last", "last"), (" Highest ", "highest"), (3, 3),
                                         ("2", 2)])
def test_attempt_rules(value, rule):
    assert parse_attempt_rule(value, "--attempt") == rule


@pytest.mark.parametrize("value", ["best", 0, -1, True, "1.5", None, 10_000])
def test_bad_attempt_rules_are_one_line(value):
    with pytest.raises(InputError, match="expected last, first, highest or an attempt's number"):
        parse_attempt_rule(value, "--attempt")


def test_a_student_without_an_attempt_is_listed_not_graded(tmp_path):
    report = _report(tmp_path, "Last name,First name,Username,State,Question 1,Response 1\n"
                               "Li,Bob,bob,-,-,-\nLi,Ann,ann,Never submitted,-,-\n")
    chosen, skipped = choose_attempts(read_report(report, "moodle"), "last")
    assert chosen == [] and skipped == ["line 2 (Bob Li): no attempt, not graded",
                                        "line 3 (Ann Li): attempt never submitted, not graded"]


def test_canvas_attempts_without_numbers_are_ordered_by_their_submission(tmp_path):
    text = (DATA / "canvas-student-analysis.csv").read_text()
    rows = [line.split(",") for line in text.splitlines()]
    i = rows[0].index("attempt")
    report = _report(tmp_path, "\n".join(",".join(r[:i] + r[i + 1:]) for r in rows) + "\n")
    attempts = read_report(report, "canvas")
    assert [a.number for a in attempts] == [None] * 3
    chosen, _ = choose_attempts(attempts, "first")
    assert [(a.line, a.started.hour) for a in chosen] == [(3, 9), (4, 10)]


def test_ties_for_the_highest_grade_take_the_later_attempt():
    attempts = read_report(DATA / "moodle-responses.csv", "moodle")
    for a in attempts:
        a.score = 5.0
    chosen, _ = choose_attempts(attempts, "highest")
    assert [a.line for a in chosen] == [2, 4, 6]


# --------------------------------------------------------------------------
# Bad reports: one line naming the place


def _report(tmp_path, text: str, name="r.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("source, text, words", [
    ("moodle", "Surname,First name\nA,B\n", "no column 'Last name'"),
    ("moodle", "Last name,First name,State\nA,B,Finished\n", "no 'Response 1'"),
    ("moodle", "Last name,First name,Response 1\nA,B,1\n",
     "column 'Response 1' has no 'Question 1' beside it; tick 'Question text'"),
    ("moodle", "Last name,First name,Question 1,Response 1\nA,B,What is 1+1?,2\n",
     "line 2, column 'Question 1': no 'Problem sheet <variant>, question <id>'"),
    ("moodle", 'Last name,First name,Question 1,Response 1\nA,B,"open,2\n', "not valid CSV"),
    ("moodle", "Last name,First name,Question 1,Response 1,Response 1\nA,B,x,1,2\n",
     "'Response 1' appears twice"),
    ("moodle", "Last name,First name,Question 1,Response 1\nA,B,x,1,2,3\n",
     "line 2: 6 cells, but the header has 4 columns"),
    ("canvas", "id,section\n1,A\n", "no column 'name'"),
    ("canvas", "name,id,n correct\nA,1,0\n", "no '<id>: <question text>' columns"),
    ("canvas", "name,id,7: What is 1+1?,1.0\nA,1,2,1\n",
     "column '7: What is 1+1?': no 'Problem sheet"),
    ("canvas", 'name,id,"7: Problem sheet v1, question q5: x",score\nA,1,2,1\n',
     "has no points column after it"),
    ("canvas", 'name,id,attempt,"7: Problem sheet v1, question q5: x",1.0\nA,1,two,2,1\n',
     "line 2: attempt 'two' is not a whole number"),
    ("canvas", 'name,id,"7: Problem sheet v1",1.0\nA,,2,1\n',
     "column '7: Problem sheet v1': no 'Problem sheet <variant>"),
])
def test_a_bad_report_is_one_line_naming_the_place(tmp_path, source, text, words):
    with pytest.raises(InputError) as e:
        read_report(_report(tmp_path, text), source)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_canvas_text_items_and_logged_out_users_are_left_out(tmp_path):
    report = _report(tmp_path, 'name,id,"7: Read this first.",0.0,"8: Problem sheet v1, question '
                               'q5: x",1.0,score\nA,1,,,2,1,1\n,,,,3,1,1\n')
    attempts = read_report(report, "canvas")
    assert [(a.name, [r.qid for r in a.responses]) for a in attempts] == [
        ("A", ["q5"]), ("logged-out user", [])]
    chosen, skipped = choose_attempts(attempts, "last")
    assert [a.name for a in chosen] == ["A"]
    assert skipped == ["line 3 (logged-out user): attempt logged out, not graded"]


def test_a_spreadsheet_or_missing_file_is_refused_by_name(tmp_path):
    xlsx = tmp_path / "r.xlsx"
    xlsx.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(InputError, match="a spreadsheet .* download the report as CSV"):
        read_report(xlsx, "moodle")
    with pytest.raises(InputError, match="no such file"):
        read_report(tmp_path / "none.csv", "moodle")


@pytest.mark.parametrize("question, words", [
    ("Problem sheet s9-99, question q5: x", "line 2, column 'Response 1': no key for variant "
                                            "'s9-99' (the keys are of reference)"),
    ("Problem sheet reference, question q99: x", "variant reference has no question q99"),
    ("Problem sheet reference, question q10[9]: x", "question q10 has no entry [9]"),
    ("Problem sheet reference, question q12.old[1,1]: x", "question q12 has no entry"),
    ("Problem sheet reference, question q1[1]: x", "question q1 has no entry [1]"),
])
def test_a_marker_the_keys_do_not_know_is_one_line(tmp_path, reference_key, question, words):
    report = _report(tmp_path, f'Last name,First name,Question 1,Response 1\nA,B,"{question}",1\n')
    with pytest.raises(InputError) as e:
        grade_report(report, "moodle", [reference_key])
    assert words in str(e.value)


def test_a_row_the_keys_do_not_know_is_left_out_not_the_class(tmp_path, reference_key):
    """One student's row from another set is listed and not graded; the
    others are graded (only a report none of whose rows fit stops, above)."""
    report = _report(tmp_path, "Last name,First name,Question 1,Response 1\n"
                     'A,B,"Problem sheet reference, question q5: x",1\n'
                     'C,D,"Problem sheet s9-99, question q5: x",1\n')
    results, skipped = grade_report(report, "moodle", [reference_key])
    assert [r.grade.student for r in results] == ["B A"]
    assert len(skipped) == 1 and skipped[0].startswith("line 3 (D C): not graded: ")
    assert "no key for variant 's9-99'" in skipped[0]


def test_separators_and_encodings_as_spreadsheets_save_them(tmp_path, reference_key):
    text = (DATA / "moodle-responses.csv").read_text(encoding="utf-8-sig")
    import csv
    import io
    rows = list(csv.reader(io.StringIO(text)))
    expected, _ = grade_report(DATA / "moodle-responses.csv", "moodle", [reference_key])
    for delimiter, encoding in ((";", "utf-8"), ("\t", "utf-16"), (",", "cp1252")):
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter).writerows(rows)
        path = tmp_path / "r.csv"
        path.write_bytes(out.getvalue().replace("×", "x").encode(encoding))
        got, _ = grade_report(path, "moodle", [reference_key])
        assert [r.grade.to_json() for r in got] == [r.grade.to_json() for r in expected]


def test_a_canvas_report_saved_with_semicolons_despite_commas_in_its_questions(tmp_path):
    import csv
    import io
    rows = list(csv.reader(io.StringIO((DATA / "canvas-student-analysis.csv").read_text())))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    path = _report(tmp_path, out.getvalue())
    assert [a.who for a in read_report(path, "canvas")] == ["id: 2001", "id: 2001", "id: 2002"]


# --------------------------------------------------------------------------
# Multiple choice (formula questions)


CHOICES = Choices("q1", (
    Choice(r"<p>\( \sigma(z) = \frac{1}{1 + e^{-z}} \)</p>", True),
    Choice(r"<p>\( \sigma(z) = \frac{1}{1 - e^{-z}} \)</p>", False,
           f"<p>{html.escape(MISTAKE_KINDS['sign-flipped'].text)}</p>"),
    Choice(r"<p>\( \sigma(z) = e^{-z} \)</p>", False, "<p>Not a probability &amp; more.</p>"),
))


def test_a_chosen_option_is_graded_by_its_text():
    right = choice_grade(r"\( \sigma(z) = \frac{1}{1 + e^{-z}} \)", CHOICES, 5)
    assert (right.status, right.points) == ("correct", 5)
    wrong = choice_grade(r" \(  \sigma(z) = e^{-z} \) ", CHOICES, 5)
    assert (wrong.status, wrong.points, wrong.feedback) == ("wrong", 0, "Not a probability & more.")
    none = choice_grade("something else", CHOICES, 5)
    assert (none.status, none.points) == ("invalid", 0)


def test_a_wrong_option_names_the_mistake_its_feedback_states():
    code = next(iter(MISTAKE_KINDS))
    options = Choices("q1", (Choice("<p>A</p>", True),
                             Choice("<p>B</p>", False, f"<p>{MISTAKE_KINDS[code].text}</p>")))
    g = choice_grade("B", options, 4)
    assert (g.status, g.points, g.diagnosis) == ("wrong", 0, [code])


def test_formula_questions_in_a_report_are_graded_by_the_choices(tmp_path, reference_key):
    q1 = "Problem sheet reference, question q1: define the sigmoid."
    rows = [["Last name", "First name", "Question 1", "Response 1"],
            ["A", "Ann", q1, r"\( \sigma(z) = \frac{1}{1 + e^{-z}} \)"],
            ["B", "Ben", q1, r"\( \sigma(z) = \frac{1}{1 - e^{-z}} \)"]]
    path = tmp_path / "r.csv"
    path.write_bytes(lms_sim.write_csv(rows))
    results, _ = grade_report(path, "moodle", [reference_key], choices=lambda key: {"q1": CHOICES})
    ann, ben = (r.grade.items["q1"] for r in results)
    assert (ann.status, ann.points) == ("correct", ann.max)
    assert (ben.status, ben.points, ben.diagnosis) == ("wrong", 0, ["sign-flipped"])
    # when the options cannot be had (an assignment file not at hand), graded by hand
    def unavailable(key):
        raise InputError("--assignment", "no such assignment")
    results, _ = grade_report(path, "moodle", [reference_key], choices=unavailable)
    assert results[0].grade.items["q1"].status == "manual"
    assert "options are not available" in results[0].grade.items["q1"].feedback


def test_formula_questions_graded_by_the_options_the_exports_write(tmp_path, reference_key):
    """formula_choices (as moodle.xml and canvas-qti.zip write them): the
    right option earns the points, each wrong one nothing and names its mistake."""
    from derive.variants.choices import formula_choices
    formulas = {i.id for i in items_of(reference_key) if i.formula or i.manual}
    choices = {q: c for q, c in formula_choices(load_assignment("reference"), reference_key).items()
               if q in formulas}   # a loss with an example's value is graded as its number
    assert choices
    rows = [["Last name", "First name", "Username"]]
    expected = []
    width = max(len(c.options) for c in choices.values())
    for n in range(width):
        row = [f"S{n}", "Stu", f"s{n}"]
        for qid, options in choices.items():
            option = options.options[n % len(options.options)]
            # Moodle's response: the option as plain text (tags dropped, entities read)
            row += [f"Problem sheet reference, question {qid}: ...",
                    html.unescape(re.sub(r"<[^>]*>", "", option.html))]
            expected.append((f"Stu S{n}", qid, option))
        rows.append(row)
    rows[0] += [h for i in range(1, len(choices) + 1) for h in (f"Question {i}", f"Response {i}")]
    path = tmp_path / "r.csv"
    path.write_bytes(lms_sim.write_csv(rows))
    results, _ = grade_report(path, "moodle", [reference_key])
    got = {r.grade.student: r.grade for r in results}
    named = 0
    for student, qid, option in expected:
        item = got[student].items[qid]
        assert item.status == ("correct" if option.right else "wrong"), (qid, option)
        assert item.points == (item.max if option.right else 0)
        named += bool(item.diagnosis)
        assert all(c in MISTAKE_KINDS for c in item.diagnosis)
    assert named   # the library's wrong forms name their mistake


# --------------------------------------------------------------------------
# The round trip


@pytest.fixture(scope="module")
def variant_set():
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.settings import VariantSettings
    assignment = load_assignment("reference")
    keys = lms_sim.as_json(generate_assignment_keys(assignment, 7, 3, VariantSettings()))
    return assignment, keys


def _class(assignment, key) -> list[tuple[str, dict]]:
    """A class on one variant: right, each mistake of the library made
    consistently, nothing answered, some answered, zeros."""
    from derive.numerics.key import part_instance
    from derive.numerics.kind_mistakes import part_wrong_answers
    perfect = {q: as_submitted(v) for q, v in key["answers"].items()}
    numeric = {q: v for q, v in perfect.items()
               if not isinstance(v, str)}
    by_code: dict[str, dict] = {}
    for part in assignment.parts:
        data = part_instance(key, part.id)[1]
        if data is not None:
            for qid, answers in part_wrong_answers(part, data).items():
                for code, value in answers.items():
                    by_code.setdefault(code, {})[qid] = lms_sim.as_json(value)
    def fits(q, v):   # what the boxes can take: a transposed 2×3 matrix cannot be typed
        return q in numeric and lms_sim.shapes(v) == lms_sim.shapes(numeric[q])

    students = [("right", numeric)]
    students += [(f"mistake {code}", {**numeric, **{q: as_submitted(v) for q, v in wrong.items()
                                                    if fits(q, as_submitted(v))}})
                 for code, wrong in sorted(by_code.items())]
    students.append(("nothing", {}))
    students.append(("half", {q: v for i, (q, v) in enumerate(numeric.items()) if i % 2}))
    students.append(("zeros", {q: lms_sim.as_json(np.zeros_like(np.asarray(v, float)).tolist())
                               if not isinstance(v, dict) else {"new": np.zeros_like(
                                   np.asarray(v["new"], float)).tolist()}
                               for q, v in numeric.items()}))
    return students


def _json_grades(keys, subs):
    parse = submission_parser(items_of(keys[0]))
    return grade_all_kinds([parse(s, i) for i, s in enumerate(subs)], keys, Rules())


def _same(lms_item, json_item):
    assert (lms_item.status, lms_item.points, lms_item.diagnosis) == \
        (json_item.status, json_item.points, json_item.diagnosis)


def test_round_trip_moodle(tmp_path, variant_set):
    """Every student of every variant, written as a Responses report (decimal
    commas for some, a second attempt for one, slots from several variants
    for others), graded as their answers in JSON."""
    assignment, keys = variant_set
    by_id = {k["variant"]: k for k in keys}
    questions = lms_sim.moodle_questions(keys, assignment)   # as handouts variants writes them
    numeric = {i.id for i in numeric_items(keys[0])}   # (multiple choice: tested above)
    asked = [q for (v, q) in questions if v == keys[0]["variant"] and q in numeric]
    students, subs, mixed = [], [], []
    for k, key in enumerate(keys):
        for n, (name, answers) in enumerate(_class(assignment, key)):
            who = f"S{k}-{n} {name}"
            students.append({"name": who, "email": f"s{k}-{n}@example.org",
                             "slots": [(key["variant"], q, answers.get(q)) for q in asked]})
            subs.append({"student": who, "variant": key["variant"], "answers": answers})
    # an earlier attempt graded nothing: the last one counts
    first = dict(students[0], slots=[(v, q, None) for v, q, _ in students[0]["slots"]],
                 started="4 December 2026  09:00 AM")
    students.insert(0, first)
    # mixed: slot i from variant i % 3, each answer that variant's student's
    classes = [_class(assignment, key) for key in keys]
    for n in range(len(classes[0])):
        slots = [(keys[i % 3]["variant"], q, classes[i % 3][n][1].get(q))
                 for i, q in enumerate(asked)]
        students.append({"name": f"Mixed {n}", "email": f"m{n}@example.org", "slots": slots})
        mixed.append([{"student": f"Mixed {n}", "variant": keys[j]["variant"],
                       "answers": {q: a for v, q, a in slots if v == keys[j]["variant"]
                                   and a is not None}} for j in range(3)])
    for comma in (False, True):
        path = tmp_path / "report.csv"
        path.write_bytes(lms_sim.moodle_report(by_id, questions, students, comma=comma))
        results, skipped = grade_report(path, "moodle", keys)
        assert skipped == []
        got = {r.grade.student: r.grade for r in results}
        for json_grade in _json_grades(keys, subs):
            lms_grade = got[json_grade.student]
            assert lms_grade.variant == json_grade.variant
            for q in asked:
                _same(lms_grade.items[q], json_grade.items[q])
            assert lms_grade.score == sum(json_grade.items[q].points for q in asked)
        for n, parts in enumerate(mixed):
            graded = _json_grades(keys, parts)
            lms_grade = got[f"Mixed {n}"]
            assert lms_grade.variant == "+".join(k["variant"] for k in keys)
            for i, q in enumerate(asked):
                _same(lms_grade.items[q], graded[i % 3].items[q])
    assert any(i.diagnosis for g in got.values() for i in g.items.values())
    assert any(i.status == "carried-forward" for g in got.values() for i in g.items.values())


def test_round_trip_canvas(tmp_path, variant_set):
    """Each student's answers as one Canvas question per entry (two attempts
    for each: the first of another student's answers), graded as in JSON."""
    assignment, keys = variant_set
    questions = lms_sim.canvas_questions(keys, assignment)   # canvas-qti.zip's
    # some numbers are typed in units of a power of ten (Canvas keeps 4 decimals)
    assert any(scale for asked in questions.values() for _, _, scale in asked)
    students, subs = [], []
    for k, key in enumerate(keys):
        cls = _class(assignment, key)
        for n, (name, answers) in enumerate(cls):
            who = f"S{k}-{n} {name}"
            uid = str(100 * k + n)
            students.append({"name": who, "id": uid, "attempt": 2, "variant": key["variant"],
                             "answers": answers})
            students.append({"name": who, "id": uid, "attempt": 1, "variant": key["variant"],
                             "answers": cls[(n + 1) % len(cls)][1]})
            subs.append({"student": who, "variant": key["variant"],
                         "answers": lms_sim.canvas_answers(answers, questions[key["variant"]])})
    path = tmp_path / "report.csv"
    path.write_bytes(lms_sim.canvas_report(keys, students, questions=questions))
    results, _ = grade_report(path, "canvas", keys)
    got = {r.grade.student: r.grade for r in results}
    assert len(got) == len(subs)
    numeric = [c.split("[")[0].split(".")[0] for c, _ in lms_sim.canvas_columns(keys[0])]
    for json_grade in _json_grades(keys, subs):
        lms_grade = got[json_grade.student]
        for q in numeric:
            _same(lms_grade.items[q], json_grade.items[q])
    assert json.dumps([r.grade.to_json() for r in results])


# --------------------------------------------------------------------------
# Numbers against Moodle's own numerical grading (the php harness, as
# tests/variants/test_moodle_import.py runs it; skipped without php or harness)


MOODLE_NUMBERS = {   # response -> the number Moodle reads (qtype_numerical apply_units)
    "0.5": 0.5, "5e-1": 0.5, ".5": 0.5, " 0.5 ": 0.5, "1,234.5": 1234.5, "1 234.5": 1234.5,
    "2,456,789": 2456789.0, "1.5×10^-3": 1.5e-3, "1.5x10^3": 1500.0, "2*10**-2": 0.02,
    "1E5": 1e5, "-0.25": -0.25, "3.": 3.0}


def test_numbers_are_read_as_moodles_numerical_question_grades_them(tmp_path, harness):
    import subprocess
    import xml.etree.ElementTree as ET
    if shutil.which("php") is None or not (HARNESS / "import_check.php").is_file():
        pytest.skip(f"no php or no Moodle harness at {HARNESS}")
    quiz = ET.Element("quiz")
    cases = {}
    for i, (response, value) in enumerate(MOODLE_NUMBERS.items()):
        q = ET.SubElement(quiz, "question", type="numerical")
        ET.SubElement(ET.SubElement(q, "name"), "text").text = f"n{i}"
        ET.SubElement(ET.SubElement(q, "questiontext", format="html"), "text").text = "x"
        a = ET.SubElement(q, "answer", fraction="100", format="moodle_auto_format")
        ET.SubElement(a, "text").text = repr(value)
        ET.SubElement(a, "tolerance").text = "0"
        cases[f"n{i}#1"] = {"r": response, "comma": "0,5"}
    xml, json_cases = tmp_path / "q.xml", tmp_path / "c.json"
    xml.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, "unicode"))
    json_cases.write_text(json.dumps(cases))
    done = subprocess.run(["php", "-d", "memory_limit=2G", str(harness / "import_check.php"),
                           str(xml), str(json_cases)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    stored = {q["name"]: q["stored"]["1"]["grades"] for q in json.loads(done.stdout)["questions"]}
    for i, (response, value) in enumerate(MOODLE_NUMBERS.items()):
        assert stored[f"n{i}"]["r"]["fraction"] == 1, response
        assert lms_number(response) == value, response
    # where the tool and an English Moodle differ: Moodle reads 0,5 as 5 (its thousands
    # separator), the tool as 0.5
    assert stored["n0"]["comma"]["fraction"] == 0 and lms_number("0,5") == 0.5



def test_attempts_told_apart_by_name_only_are_said(tmp_path):
    """A report without identity columns: two finished attempts of one name
    are one student's, and the report says so (they may be two students)."""
    from derive.grading.lms_reports import Attempt
    a, b = Attempt(2, "Ada Lovelace", "name: Ada Lovelace", {}), \
        Attempt(3, "Ada Lovelace", "name: Ada Lovelace", {})
    chosen, skipped = choose_attempts([a, b], "last")
    assert chosen == [b] and len(skipped) == 1
    assert "2 finished attempts under one name and no identity column" in skipped[0]
    c, d = Attempt(2, "Ada", "Username: ada", {}), Attempt(3, "Ada", "Username: ada", {})
    assert choose_attempts([c, d], "last") == ([d], [])
