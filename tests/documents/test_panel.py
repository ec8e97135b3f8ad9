"""The panel of common mistakes of the reference assignment (and any
instance of it): each value is the mistake library's recomputation for the
instance (derive.numerics.kind_mistakes), shown only where it differs from the
answer, chosen by the numbers."""

import numpy as np
import pytest

from derive.documents import panel
from derive.documents.assignment_build import render_assignment
from derive.documents.assignment_context import answer_values
from derive.documents.numbers import Formatter
from derive.numerics.key import build_assignment_key
from derive.numerics.kind_mistakes import wrong_answers
from derive.numerics.solve import solve_part
from derive.problem import precision
from derive.problem.assignment import load_assignment
from derive.problem.catalogue import NUMERIC_KINDS
from derive.problem.config import Config, Documents
from tests.explain_cases import reference_instances

HEADING = "Common mistakes, on these numbers"


@pytest.fixture(scope="module")
def instances():
    """The reference and 12 varied instances of it: (assignment, key, context)."""
    return [case[1:] for case in reference_instances(12, seed=5)]


def _differs(wrong, right) -> bool:
    w, r = np.asarray(wrong, float), np.asarray(right, float)
    return w.shape != r.shape or not np.all(np.isfinite(w)) or \
        not np.all(np.abs(w - r) <= precision.tolerance(r) * precision.SLACK)


def test_values_are_the_librarys_recomputation(instances):
    fmt = Formatter(4)
    for a, key, ctx in instances:
        for part, shown in zip(a.parts, ctx["parts"]):
            if part.given is None:
                continue
            sol = solve_part(part)
            for q, printed in zip(part.questions, shown["questions"]):
                if q.kind not in NUMERIC_KINDS:
                    continue
                right = answer_values(q, key["answers"][q.id])
                expected = set()
                for wrong in wrong_answers(part, q, sol).values():
                    values = answer_values(q, wrong)
                    differing = [panel.value(fmt, w) for w, r in zip(values, right) if _differs(w, r)]
                    if differing:
                        expected.add(tuple(differing))
                got = {tuple(p[len(p) - len(x):] for p, x in zip(row["parts"], want))
                       for row in printed["mistakes"] for want in expected
                       if len(row["parts"]) == len(want)
                       and all(p.endswith(x) for p, x in zip(row["parts"], want))}
                assert got == expected, (key["params"], q.id)
                assert len(printed["mistakes"]) == len(expected), q.id  # one row per answer


def test_the_reference_panel(instances):
    ctx = instances[0][2]
    codes = {q["number"]: [r["code"] for r in q["mistakes"]]
             for p in ctx["parts"] for q in p["questions"]}
    assert codes[8] == ["sign-flipped", "transposed", "not-normalised"]
    assert "missing-relu-mask" in codes[13] and "updated-weights-in-backprop" in codes[13]
    assert codes[10] == []   # no mistake of the library changes a¹ here
    # two mistakes that give the same answer share a row
    q8 = next(q for p in ctx["parts"] for q in p["questions"] if q["number"] == 8)
    assert q8["mistakes"][0]["what"] == "Sign flipped or step up the gradient"


def test_an_overflow_is_said_not_printed():
    assert panel.value(Formatter(4), [1.0, np.inf]) == r"\text{overflows}"
    assert panel.value(Formatter(4), 0.5) == "= 0.5"


def test_the_switch_turns_the_panel_off():
    a = load_assignment("reference")
    key = build_assignment_key(a)
    on = render_assignment(a, key, Config())
    assert on["handout.tex"].count(HEADING) == 12 and HEADING not in on["problems.tex"]
    off = render_assignment(a, key, Config(documents=Documents(mistakes=False)))
    assert HEADING not in off["handout.tex"]
