"""``handouts grade --from moodle|canvas``: LMS quiz reports graded from the
command line, the attempt chosen by --attempt or the config, the gradebook
imports written with --out, and bad input as one line with exit status 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from derive.cli import main
from derive.grading.kind_answers import as_submitted
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import load_assignment
from tests.grading import lms_sim

DATA = Path(__file__).parent.parent / "data" / "lms"


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    f = tmp_path_factory.mktemp("key") / "key.json"
    f.write_text(json.dumps(build_assignment_key(load_assignment("reference"))))
    return f


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_moodle_report_with_out_writes_the_gradebooks(key_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(DATA / "moodle-responses.csv"), "--from", "moodle",
                 "--key", str(key_file), "--out", str(out), "--no-pdf", "--json"]) == 0
    captured = capsys.readouterr()
    assert "line 3 (Ada Lovelace): attempt in progress, not graded" in captured.err
    report = json.loads(captured.out)
    assert [s["student"] for s in report["students"]] == ["Ada Lovelace", "Bob Li", "Wei Chen"]
    assert report["students"][0]["identity"] == {"Username": "ada",
                                                 "Email address": "ada@example.org"}
    assert sorted(p.name for p in out.iterdir()) == [
        "canvas-grades.csv", "grades.csv", "moodle-grades.csv", "report.json"]
    moodle = _csv(out / "moodle-grades.csv")
    title = load_assignment("reference").title
    assert moodle[0] == ["Student", "Username", "Email address", title]
    scores = {s["student"]: f"{s['score']:g}" for s in report["students"]}
    assert [(r[1], r[3]) for r in moodle[1:]] == [
        ("ada", scores["Ada Lovelace"]), ("bob", scores["Bob Li"]), ("wei", scores["Wei Chen"])]
    canvas = _csv(out / "canvas-grades.csv")
    assert canvas[1] == ["Points Possible", "", "", "", "", "100"]
    assert canvas[2][:4] == ["Ada Lovelace", "", "", "ada"]


def test_the_attempt_from_the_option_or_the_config(key_file, tmp_path, capsys):
    report = str(DATA / "moodle-responses.csv")
    config = tmp_path / "c.toml"
    config.write_text('[grading]\nattempt = "first"\ngradebook_item = "Quiz 3"\n')

    def wei(*extra):
        assert main(["grade", "--answers", report, "--from", "moodle", "--key", str(key_file),
                     "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)["students"][2]["items"]["q6"]["status"]
    assert wei() == "missing"                              # the last attempt
    assert wei("--attempt", "first") == "wrong"
    assert wei("--config", str(config)) == "wrong"
    assert wei("--config", str(config), "--attempt", "last") == "missing"
    out = tmp_path / "out"
    assert main(["grade", "--answers", report, "--from", "moodle", "--key", str(key_file),
                 "--config", str(config), "--out", str(out), "--no-pdf"]) == 0
    assert _csv(out / "canvas-grades.csv")[0][-1] == "Quiz 3"


def test_a_canvas_report(key_file, capsys):
    assert main(["grade", "--answers", str(DATA / "canvas-student-analysis.csv"), "--from",
                 "canvas", "--key", str(key_file)]) == 0
    table = capsys.readouterr().out
    assert "Ada Lovelace" in table and "Bob Li" in table and "2 submissions" in table


def test_json_answers_write_gradebooks_by_the_student(key_file, tmp_path, capsys):
    key = json.loads(key_file.read_text())
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"student": "s123", "variant": "reference", "answers": {
        q: as_submitted(v) for q, v in key["answers"].items()}}))
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--out", str(out),
                 "--no-pdf"]) == 0
    assert _csv(out / "moodle-grades.csv")[1] == ["s123", "100"]
    assert _csv(out / "canvas-grades.csv")[2] == ["s123", "", "s123", "", "", "100"]


@pytest.mark.parametrize("args, words", [
    (["--from", "answers", "--attempt", "first"], "--attempt: only with --from moodle"),
    (["--from", "moodle", "--attempt", "best"], "--attempt: expected last, first, highest"),
    (["--from", "canvas"], "no column 'name'"),
])
def test_bad_options_are_one_line_exit_2(key_file, tmp_path, capsys, args, words):
    assert main(["grade", "--answers", str(DATA / "moodle-responses.csv"), "--key",
                 str(key_file), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_a_bad_config_or_report_leaves_earlier_outputs_intact(key_file, tmp_path, capsys):
    out = tmp_path / "out"
    good = ["grade", "--answers", str(DATA / "moodle-responses.csv"), "--from", "moodle",
            "--key", str(key_file), "--out", str(out), "--no-pdf"]
    assert main(good) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.csv"
    bad.write_text("Last name,First name,Question 1,Response 1\nA,B,"
                   "\"Problem sheet s9, question q5: x\",1\n")
    config = tmp_path / "c.toml"
    config.write_text('[grading]\nattempt = "best"\n')
    for option, value in (("--answers", str(bad)), ("--config", str(config))):
        assert main(["grade", *_replace(good, option, value)]) == 2
        assert "handouts:" in capsys.readouterr().err
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _replace(argv: list[str], option: str, value: str) -> list[str]:
    """``argv`` (without its command) with ``option`` set to ``value``."""
    rest = list(argv[1:])
    if option in rest:
        rest[rest.index(option) + 1] = value
    else:
        rest += [option, value]
    return rest


def test_a_mixed_variant_student_gets_a_feedback_pdf_per_variant(tmp_path, capsys):
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.settings import VariantSettings
    keys = lms_sim.as_json(generate_assignment_keys(load_assignment("reference"), 7, 2,
                                                    VariantSettings()))
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    questions = lms_sim.moodle_questions(keys)
    by_id = {k["variant"]: k for k in keys}
    slots = [(keys[i % 2]["variant"], q, as_submitted(keys[i % 2]["answers"][q]))
             for i, q in enumerate(("q5", "q6", "q7"))]
    report = tmp_path / "r.csv"
    report.write_bytes(lms_sim.moodle_report(by_id, questions, [
        {"name": "Ann Mixed", "email": "ann@x.org", "slots": slots},
        {"name": "Ben One", "email": "ben@x.org", "slots": slots[:1]}]))
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(report), "--from", "moodle", "--keys", str(tmp_path),
                 "--out", str(out), "--json", "--jobs", "2"]) == 0
    ann, ben = json.loads(capsys.readouterr().out)["students"]
    assert ann["variant"] == f"{keys[0]['variant']}+{keys[1]['variant']}"
    assert [ann["items"][q]["status"] for q in ("q5", "q6", "q7")] == ["correct"] * 3
    assert any("an error carries forward only within one variant" in n for n in ann["notes"])
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [
        f"001-ann-mixed-{keys[0]['variant']}.pdf", f"001-ann-mixed-{keys[1]['variant']}.pdf",
        "002-ben-one.pdf"]


def test_multiple_choice_of_an_assignment_file_with_assignment(tmp_path, capsys):
    """A set of the instructor's own assignment file: its multiple-choice
    answers are graded with --assignment FILE (without, by hand: the file is
    not shipped); another assignment's file is refused in one line."""
    from derive.variants.choices import formula_choices
    from derive.variants.exports import numeric_items
    mine = tmp_path / "mylogistic.toml"
    mine.write_text((Path(__file__).parents[2] / "derive/assignments/logistic.toml").read_text())
    assignment = load_assignment(str(mine))
    key = build_assignment_key(assignment)
    (tmp_path / "key.json").write_text(json.dumps(key))
    questions = lms_sim.moodle_questions([key], assignment)
    numeric = {i.id for i in numeric_items(key)}
    right = {qid: next(c.html for c in ch.options if c.right)
             for qid, ch in formula_choices(assignment, key).items() if qid not in numeric}
    slots = [(key["variant"], qid, as_submitted(key["answers"][qid])) for (_, qid) in questions
             if qid in numeric]
    report = tmp_path / "r.csv"
    report.write_bytes(lms_sim.moodle_report({key["variant"]: key}, questions, [
        {"name": "Ada Lovelace", "email": "ada@example.org", "slots": slots}]))
    # the chosen options, as Moodle's report shows a multichoice response (its text)
    text = report.read_text(encoding="utf-8-sig").splitlines()
    head = next(csv.reader([text[0]]))
    row = next(csv.reader([text[1]]))
    for qid, html in right.items():
        head += [f"Question {len(head)}", f"Response {len(head)}"]
        row += [questions[(key["variant"], qid)], lms_sim.summary(html)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([head, row])
    report.write_text(out.getvalue(), encoding="utf-8")
    base = ["grade", "--answers", str(report), "--from", "moodle", "--key",
            str(tmp_path / "key.json"), "--json"]
    assert main(base) == 0
    by_hand = json.loads(capsys.readouterr().out)["students"][0]
    assert {by_hand["items"][q]["status"] for q in right} == {"manual"}
    assert main(base + ["--assignment", str(mine)]) == 0
    graded = json.loads(capsys.readouterr().out)["students"][0]
    assert {graded["items"][q]["status"] for q in right} == {"correct"}
    assert graded["score"] == sum(q["points"] for q in key["questions"].values())
    assert main(base + ["--assignment", "tanh-mse"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--assignment" in err[0] and "not the assignment the keys" in err[0]
