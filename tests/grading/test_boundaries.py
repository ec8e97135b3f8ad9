"""Answers on the edge of the precision contract, graded end to end (issue 15):
exactly on the tolerance, just inside and the next float outside, above and
below, for a large value (a unit of the third figure is 100), an ordinary one,
a tiny one (|x| < ZERO_TOL: the absolute tolerance) and an exact 0. `handouts
grade` reads them from an answers file (CSV) and from handed-in notebooks, and
gives the verdicts of derive/problem/precision.py. (The notebooks' own checks
test an answer's form, never its value: nothing to compare there.)"""

import json
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from derive.grading.kind_answers import key_submission
from derive.numerics.key import build_assignment_key, dumps
from derive.problem import precision
from derive.problem.assignment import load_assignment
from tests.grading.answers_csv import write_answers_csv
from tests.grading.notebook_factory import notebook, write

EXTREMES = str(Path(__file__).resolve().parents[1] / "data" / "extremes.toml")

# (question, entry path) -> (the key's value there, its tolerance by the contract:
# one unit of the third significant figure, at least ZERO_TOL = 1e-9), written
# out here rather than taken from derive/problem/precision.py
TARGETS = {("q8", ()): (20100.0, 100), ("q1", (2,)): (-10000.0, 100),
           ("q4", ("new", 0, 0)): (99.995, 0.1), ("q3", ()): (1.0, 0.01),
           ("q11", (1,)): (4.4868863535819955e-43, 1e-9), ("q7", (1,)): (0.0, 1e-9)}
SLACK = 1 + 1e-9   # no float noise decides a verdict


def _edge(e: float, t: float, way: int) -> float:
    """The farthest float from ``e`` on side ``way`` (+1, -1) whose distance
    from it, as float64 computes it, is within ``t``."""
    g = e + way * t
    while abs(g - e) > t:
        g = np.nextafter(g, e)
    while abs(np.nextafter(g, way * np.inf) - e) <= t:
        g = np.nextafter(g, way * np.inf)
    return float(g)


def _edges(e: float, t: float) -> dict[str, float]:
    """The answers around ``e``: on the edge above and below, halfway inside,
    the next float beyond each edge."""
    t *= SLACK
    up, down = _edge(e, t, 1), _edge(e, t, -1)
    return {"edge+": up, "edge-": down, "inside+": e + t / 2, "inside-": e - t / 2,
            "outside+": float(np.nextafter(up, np.inf)),
            "outside-": float(np.nextafter(down, -np.inf))}


def _passes(student: str) -> bool:
    return "outside" not in student


def _replaced(answer, path, value):
    """The key's ``answer`` with the entry at ``path`` set to ``value``."""
    answer = json.loads(json.dumps(answer))
    if not path:
        return value
    *head, last = path
    inner = answer
    for step in head:
        inner = inner[step]
    inner[last] = value
    return answer


@pytest.fixture(scope="module")
def key():
    return json.loads(dumps(build_assignment_key(load_assignment(EXTREMES))))


@pytest.fixture(scope="module")
def cases(key):
    """(student, question, given, expected): one perturbed entry per student."""
    out = []
    for (q, path), (e, tol) in TARGETS.items():
        entry = key["answers"][q]
        for step in path:
            entry = entry[step]
        assert entry == e   # the key still has the value the case is about
        for name, g in _edges(e, tol).items():
            student = "-".join([q, *map(str, path), name])
            out.append((student, q, _replaced(key["answers"][q], path, g), g, e))
    return out


def test_precision_gives_the_verdicts_of_the_contract(cases):
    # on the edge passes, the next float fails: for every value, both ways
    assert [student for student, _, _, g, e in cases
            if bool(precision.within(g, e)) is not _passes(student)] == []


def _verdicts(report) -> dict[str, str]:
    return {s["student"]: s["items"] for s in report["students"]}


def _check(report, cases):
    items = _verdicts(report)
    wrong = []
    for student, q, _, g, e in cases:
        status = items[student][q]["status"]
        others = {k: v["status"] for k, v in items[student].items() if k != q}
        if (status == "correct") is not _passes(student) or \
                set(others.values()) != {"correct"}:
            wrong.append((student, g, e, status))
    assert not wrong


def test_grade_from_a_csv_answers_file(key, cases, tmp_path, capsys):
    key_file = tmp_path / "key.json"
    key_file.write_text(dumps(key))
    subs = [key_submission(key, student, {q: answer}) for student, q, answer, _, _ in cases]
    answers = write_answers_csv(tmp_path / "answers.csv", subs)
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--json"]) == 0
    _check(json.loads(capsys.readouterr().out), cases)


def test_grade_from_handed_in_notebooks(key, cases, tmp_path, capsys):
    key_file = tmp_path / "key.json"
    key_file.write_text(dumps(key))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for student, q, answer, _, _ in cases:
        answers = key_submission(key, student, {q: answer})["answers"]
        write(notebook(key, answers), folder / f"{student}.ipynb")
    assert main(["grade", "--notebooks", str(folder), "--key", str(key_file), "--json"]) == 0
    _check(json.loads(capsys.readouterr().out), cases)
