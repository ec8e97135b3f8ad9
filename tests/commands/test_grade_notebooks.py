"""``handouts grade --notebooks``: a class of notebooks graded as the same
answers in a JSON file are; bad notebooks are their students' messages."""

import json

import pytest

from derive.cli import main
from derive.grading.kind_answers import key_submission
from derive.notebooks import format as nbf
from derive.numerics import kind_mistakes as km
from derive.numerics.key import dumps, reference_key
from derive.problem.assignment import load_assignment
from derive.variants.instances import generate_assignment_keys, instance_of
from derive.variants.settings import parse_settings
from tests.grading import notebook_factory as nf

REFERENCE = load_assignment("reference")
PROFILES = [(), ("sign-flipped",), ("transposed",), ("updated-weights-in-backprop",),
            ("ascent", "missing-relu-mask"), ("not-normalised",)]


def mistaken(key, codes) -> dict:
    """A student's answers with the mistakes ``codes`` (recomputed on the key's data)."""
    wrong = km.by_part(REFERENCE, instance_of(REFERENCE, key), codes=codes) if codes else {}
    return key_submission(key, "-".join(codes) or "right",
                          json.loads(json.dumps(wrong)))


def a_class(root, keys):
    """The class as a JSON answers file and as a folder of notebooks."""
    entries = []
    (root / "notebooks").mkdir()
    for i, codes in enumerate(PROFILES):
        key = keys[i % len(keys)]
        entry = mistaken(key, codes)
        entry["student"] = f"{i:02d}-{entry['student']}"
        entries.append(entry)
        folder = root / "notebooks" / entry["student"]
        folder.mkdir()
        nf.write(nf.notebook(key, entry["answers"]), folder / "homework.ipynb")
    (root / "class.json").write_text(json.dumps(entries))


def report(capsys, *args) -> list[dict]:
    capsys.readouterr()
    assert main(["grade", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["students"]


@pytest.fixture(scope="module")
def keys():
    return json.loads(json.dumps(generate_assignment_keys(REFERENCE, 5, 2, parse_settings({}))))


@pytest.mark.parametrize("which", ["reference", "variants"])
def test_notebooks_grade_as_the_same_answers_in_json(tmp_path, capsys, keys, which):
    if which == "reference":
        keys = [reference_key()]
        (tmp_path / "key.json").write_text(dumps(keys[0]))
        given = ["--key", str(tmp_path / "key.json")]
    else:
        (tmp_path / "set").mkdir()
        (tmp_path / "set" / "keys.json").write_text(json.dumps(keys))
        given = ["--keys", str(tmp_path / "set")]
    a_class(tmp_path, keys)
    as_json = report(capsys, "--answers", str(tmp_path / "class.json"), *given)
    as_notebooks = report(capsys, "--notebooks", str(tmp_path / "notebooks"), *given)
    assert as_notebooks == as_json
    assert [s["score"] for s in as_json][0] == 100 and min(s["score"] for s in as_json) < 80
    diagnoses = {d for s in as_json for i in s["items"].values() for d in i["diagnosis"]}
    assert {"sign-flipped", "transposed", "updated-weights-in-backprop"} <= diagnoses


def test_bad_notebooks_are_their_students_messages_and_the_rest_is_graded(tmp_path, capsys):
    key = reference_key()
    (tmp_path / "key.json").write_text(dumps(key))
    folder = tmp_path / "in"
    folder.mkdir()
    right = key_submission(key)["answers"]
    nf.write(nf.notebook(key, right), folder / "ada.ipynb")
    nf.write(nf.notebook(key, right, outputs=False), folder / "bob.ipynb")
    (folder / "carl.ipynb").write_text("{not json")
    (folder / "dora.ipynb").write_text(json.dumps({"nbformat": 3, "cells": []}))
    changed = nf.notebook(key, {**right, "q6": "a string"})
    nf.tagged(changed, "data")[1].source = nbf.data_source({**key["params"]["network"], "lr": 2})
    nf.write(changed, folder / "eve.ipynb")
    out = tmp_path / "out"
    assert main(["grade", "--notebooks", str(folder), "--key", str(tmp_path / "key.json"),
                 "--out", str(out), "--no-pdf"]) == 0
    table = capsys.readouterr().out
    students = {s["student"]: s for s in json.loads((out / "report.json").read_text())["students"]}
    assert students["ada"]["score"] == 100 and "error" not in students["ada"]
    assert "Restart & Run All" in students["bob"]["error"]
    assert "not valid JSON" in students["carl"]["error"] and "nbformat 3" in students["dora"]["error"]
    eve = students["eve"]
    assert eve["items"]["q6"]["status"] == "invalid" and eve["items"]["q7"]["status"] == "correct"
    assert eve["notes"] == ["part network: lr changed in the data cell; graded against the data "
                            "of variant reference"]
    assert "eve: part network: lr changed" in table and "not graded: the notebook has no" in table
    assert "bob" in (out / "grades.csv").read_text()


def test_one_notebook_as_answers_with_its_feedback(tmp_path, capsys):
    key = reference_key()
    (tmp_path / "key.json").write_text(dumps(key))
    path = nf.write(nf.notebook(key, mistaken(key, ("sign-flipped",))["answers"]),
                    tmp_path / "Ada Lovelace.ipynb")
    out = tmp_path / "out"
    assert main(["grade", "--answers", path, "--key", str(tmp_path / "key.json"),
                 "--out", str(out)]) == 0
    [ada] = json.loads((out / "report.json").read_text())["students"]
    assert ada["student"] == "Ada Lovelace" and ada["score"] < 100
    assert [p.name for p in (out / "feedback").iterdir()] == ["001-ada-lovelace.pdf"]


@pytest.mark.parametrize("args, words", [
    (["--notebooks", "{tmp}/missing"], "--notebooks: "),
    (["--notebooks", "{tmp}"], "no .ipynb file inside"),
    (["--notebooks", "{tmp}", "--from", "moodle"], "--from: only for --answers"),
    (["--notebooks", "{tmp}", "--assignment", "reference"], "--assignment: only with --from"),
    (["--answers", "{tmp}/a.json", "--execute"], "--execute: only with --notebooks"),
    (["--answers", "{tmp}/a.ipynb", "--timeout", "5"], "--timeout: only with --execute"),
    (["--answers", "{tmp}/a.ipynb", "--execute", "--timeout", "0"], "--timeout: must be"),
    (["--answers", "{tmp}/none.ipynb"], "--answers: "),
    (["--notebooks", "{tmp}", "--answers", "{tmp}/a.json"], "not allowed with")])
def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys, args, words):
    (tmp_path / "key.json").write_text(dumps(reference_key()))
    args = [a.format(tmp=tmp_path / "d") for a in args]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.ipynb").write_text("{}")
    if "no .ipynb" in words:
        (tmp_path / "d" / "a.ipynb").unlink()
    capsys.readouterr()
    try:
        code = main(["grade", *args, "--key", str(tmp_path / "key.json")])
    except SystemExit as e:   # argparse's own errors
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("value, code", [("5", 0), ("0.5", 2), ('"a minute"', 2)])
def test_the_config_s_timeout_is_checked(tmp_path, capsys, value, code):
    (tmp_path / "key.json").write_text(dumps(reference_key()))
    (tmp_path / "c.toml").write_text(f"[grading]\ntimeout = {value}\n")
    path = nf.write(nf.notebook(reference_key(), key_submission(reference_key())["answers"]),
                    tmp_path / "ada.ipynb")
    assert main(["grade", "--answers", path, "--key", str(tmp_path / "key.json"),
                 "--config", str(tmp_path / "c.toml")]) == code
    assert ("grading.timeout: must be" in capsys.readouterr().err) == bool(code)


def test_the_built_notebooks_run_with_execute_grade_as_json(tmp_path, capsys, keys):
    """The notebooks `handouts notebooks` writes, answered and handed in without
    outputs: --execute runs them (real kernels) and grades them as the JSON answers."""
    from derive.notebooks.build import student_notebook
    from derive.problem.config import load_config
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "keys.json").write_text(json.dumps(keys))
    (tmp_path / "in").mkdir()
    entries = [mistaken(keys[0], ()), mistaken(keys[1], ("sign-flipped", "transposed"))]
    for entry, key in zip(entries, keys):
        nb = student_notebook(REFERENCE, key, load_config(None))
        names = nb.metadata[nbf.KEY]["questions"]
        for cell in nf.tagged(nb, "answer"):
            q = cell.metadata[nbf.KEY]["question"]
            cell.source = f"{names[q]} = {nf.code(entry['answers'][q])}"
        nf.write(nb, tmp_path / "in" / f"{entry['student']}.ipynb")
    (tmp_path / "class.json").write_text(json.dumps(entries))
    given = ["--keys", str(tmp_path / "set")]
    as_json = report(capsys, "--answers", str(tmp_path / "class.json"), *given)
    ran = report(capsys, "--notebooks", str(tmp_path / "in"), "--execute", "--jobs", "2", *given)
    assert ran == as_json and as_json[0]["score"] == 100 > as_json[1]["score"]
