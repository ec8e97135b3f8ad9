"""The generic handout of an assignment file through `handouts report
--assignment`: each shipped example builds its handout, problem sheet and
schema 2 key; the handout prints every numeric answer as the Formatter does,
the problem sheet no solution; a bad file leaves an earlier build intact."""

import json
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from derive.documents.numbers import Formatter
from derive.problem.assignment import SHIPPED, shipped
from derive.problem.config import Config

# what only a worked solution prints
SOLUTION_TEXT = ("Worked solution", "Answer.", "Checks", "Summary of the answers",
                 "Finite difference", "as worked out")


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.replace("\u2212", "-"))


@pytest.fixture(scope="module", params=SHIPPED)
def built(request, tmp_path_factory):
    """One build of each shipped assignment (compiled once per session)."""
    out = tmp_path_factory.mktemp(f"report-{request.param}")
    assert main(["report", "--assignment", request.param, "--out", str(out)]) == 0
    return request.param, out


def numbers(answer) -> list[float]:
    """Every number of a numeric answer of the key (none for a formula)."""
    if isinstance(answer, dict):
        return [v for k in ("grad", "new", "value") if k in answer for v in numbers(answer[k])]
    return [float(v) for v in np.ravel(answer)]


def test_outputs_and_key(built):
    name, out = built
    for f in ("handout.pdf", "problems.pdf", "handout.tex", "problems.tex", "answer-key.json"):
        assert (out / f).is_file(), f
    key = json.loads((out / "answer-key.json").read_text())
    assert key["schema"] == 2 and key["assignment"]["name"] == name
    # a part with given data has its network drawn
    assert len(list((out / "figures").glob("part-*-network.pdf"))) == len(key["params"])


def test_handout_prints_every_numeric_answer(built):
    name, out = built
    key = json.loads((out / "answer-key.json").read_text())
    handout = text_of(out / "handout.pdf")
    fmt = Formatter(Config().course.decimals)
    missing = []
    for q, answer in key["answers"].items():
        for v in numbers(answer):
            printed = fmt.number(v)
            if r"\times" not in printed and printed not in handout:
                missing.append((q, printed))
    assert not missing
    for q in key["questions"]:
        assert f"Question {list(key['questions']).index(q) + 1}" in handout


def test_problem_sheet_has_no_solution(built):
    _, out = built
    problems = text_of(out / "problems.pdf")
    assert "Question 1" in problems and "Notation" in problems
    for words in SOLUTION_TEXT:
        assert words not in problems, words


def test_a_file_builds_like_its_shipped_name(tmp_path):
    # FILE and NAME resolve to the same assignment (and the same handout)
    copy = tmp_path / "mine.toml"
    copy.write_bytes(shipped("logistic").read_bytes())
    assert main(["report", "--assignment", str(copy), "--out", str(tmp_path / "a")]) == 0
    key = json.loads((tmp_path / "a" / "answer-key.json").read_text())
    assert key["assignment"]["name"] == "mine"
    title = " ".join(key["assignment"]["title"].split())
    assert title in " ".join(text_of(tmp_path / "a" / "handout.pdf").split())


@pytest.mark.parametrize("built", ["tanh-mse"], indirect=True)
def test_bad_file_is_one_line_exit_2_and_keeps_an_earlier_build(built, tmp_path, capsys):
    name, out = built
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = tmp_path / "bad.toml"
    bad.write_text(shipped("tanh-mse").read_text().replace('kind = "forward"',
                                                             'kind = "forwards"', 1))
    capsys.readouterr()
    assert main(["report", "--assignment", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "kind" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_params_and_assignment_together_are_refused(tmp_path, capsys):
    params = tmp_path / "p.json"
    params.write_text("{}")
    assert main(["report", "--assignment", "logistic", "--params", str(params),
                 "--out", str(tmp_path / "o")]) == 2
    assert "--params" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("built", ["logistic"], indirect=True)
def test_two_builds_are_byte_identical(built, tmp_path, monkeypatch):
    # a second build of the same file gives the same bytes, PDFs and figures included
    # (derived and drawn again: with caches of its own)
    name, out = built
    from derive.documents.assignment_build import build_assignment
    from derive.problem.assignment import load_assignment
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path / "cache"))
    again = build_assignment(load_assignment(name), Config(), tmp_path / "out")
    for path in again:
        assert path.read_bytes() == (out / path.relative_to(tmp_path / "out")).read_bytes(), path


def test_exam_sheet_compiles_with_answer_spaces(tmp_path):
    config = tmp_path / "exam.toml"
    config.write_text('[documents]\nsheet = "exam"\n')
    assert main(["report", "--assignment", "tanh-mse", "--config", str(config),
                 "--out", str(tmp_path / "o")]) == 0
    exam = text_of(tmp_path / "o" / "problems.pdf")
    assert "Student ID" in exam and "Total" in exam
    for words in SOLUTION_TEXT:
        assert words not in exam, words
