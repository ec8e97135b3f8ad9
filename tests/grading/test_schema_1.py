"""Schema 1 keys graded through the kind path give what the bespoke grader
gave (recorded by make_schema_1_grades.py from the last commit that had it):
the same status, points and diagnosis for every item of every submission:
every library mistake alone and in pairs on random instances, the simulated
class on a variant set, and adversarial answers (copies, zeros, transposes,
formula bombs, huge numbers, wrong shapes)."""

import json
from pathlib import Path

import pytest

from derive.grading.kind_answers import items_of, submission_parser
from derive.grading.kind_grade import grade_all_kinds
from derive.grading.rules import Rules
from derive.numerics.key import from_schema_1

RECORDED = Path(__file__).resolve().parent.parent / "data" / "schema-1-grades.json"


def _differences(case) -> list[str]:
    keys = from_schema_1(case["keys"])
    parse = submission_parser(items_of(keys[0]))
    subs = [parse(s, i) for i, s in enumerate(case["submissions"])]
    out = []
    for g, want in zip(grade_all_kinds(subs, keys, Rules()), case["grades"]):
        got = {q: [i.status, i.points, i.diagnosis] for q, i in g.items.items()}
        for q in want["items"]:
            if got.get(q) != want["items"][q]:
                out.append(f"{g.student} {q}: {got.get(q)} != {want['items'][q]}")
        if g.score != want["score"]:
            out.append(f"{g.student}: score {g.score} != {want['score']}")
    return out


@pytest.mark.parametrize("case", [0, 1], ids=["random instances", "simulated class"])
def test_the_kind_path_grades_as_the_bespoke_grader_did(case):
    cases = json.loads(RECORDED.read_text(encoding="utf-8"))
    problems = _differences(cases[case])
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:40])
