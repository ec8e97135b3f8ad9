"""Feedback PDFs: context of strings only, escaped student text, one compile."""

import shutil
import subprocess

import pytest

from derive.problem.config import Config, Course
from derive.grading.feedback import (build_feedback, feedback_context, file_name, plain_text,
                             render_feedback)
from derive.grading.rules import Rules, scoring_rules
from tests.schema_1.keys import build_key
from tests.schema_1.mistakes import BY_CODE, recompute
from derive.documents.render import Latex
from tests.grading.reference import (SYMBOLIC, grade_all, grade_submission, key_submission,  # noqa: F401
                                     load_submissions, names, parse_submission, prepare,
                                     validate_answer)
from tests.documents.test_context import _leaves  # one walk over a render context

HOSTILE_NAME = "Ada $\\input{/etc/passwd}$ & 50% #1 _x^2 ~ 李"


@pytest.fixture(scope="module")
def graded():
    key = build_key()
    [variant] = prepare([key], Rules())
    [wrong] = recompute(key, [BY_CODE["sign-flipped"]])
    entry = key_submission(key, HOSTILE_NAME, wrong)
    entry["answers"]["q7"] = "__import__('os')"
    entry["answers"]["q8"] = [[0.0] * 50] * 3
    del entry["answers"]["q11"]
    sub = parse_submission(entry, 6)
    grade = grade_submission(sub, variant, Rules())
    answers = {q: a.value for q, a in sub.answers.items() if not a.error}
    return variant.key, sub, grade, feedback_context(grade, answers, variant.key, Config())


def test_the_context_holds_strings_only(graded):
    *_, ctx = graded
    assert all(isinstance(v, (str, int, float, type(None))) for v in _leaves(ctx))


def test_student_text_is_escaped(graded):
    *_, ctx = graded
    assert ctx["student"] == Latex(r"Ada \$\textbackslash{}input\{/etc/passwd\}\$ \& 50\% \#1 "
                                   r"\_x\textasciicircum{}2 \textasciitilde{} ?")
    tex = render_feedback(ctx)
    assert r"\input{/etc" not in tex and HOSTILE_NAME not in tex
    assert r"\texttt{\_\_import" in tex


def test_the_details_follow_the_grades(graded):
    _, _, grade, ctx = graded
    shown = {d["item"]: d for d in ctx["details"]}
    assert set(shown) == {q[1:] for q, g in grade.items.items() if g.status != "correct"}
    assert [m["code"] for m in shown["6"]["diagnosis"]] == ["sign-flipped"]
    assert "too large to print" in shown["8"]["given"]
    assert shown["11"]["given"] == r"\textit{no answer}"
    assert shown["1"]["step"]["derivation"]["steps"]
    assert shown["13"]["step"]["formulas"]
    assert r"\delta^{1} = (W^{2} \delta^{2}) \odot" in " ".join(shown["13"]["step"]["formulas"])


def test_the_scoring_rule_is_printed_from_the_rules_in_force(graded):
    key, sub, grade, ctx = graded
    assert ctx["scoring"] == [plain_text(s) for s in scoring_rules(Rules())]
    answers = {q: a.value for q, a in sub.answers.items() if not a.error}
    config = Config(course=Course(figures=4), grading={"mistake_credit": 0.25})
    text = " ".join(feedback_context(grade, answers, key, config)["scoring"])
    assert "at least 4 significant figures" in text
    assert r"A mistake of the library diagnosed: 25 \% of the points" in text
    assert r"two mistakes at once: 6.25 \%" in text
    assert "How each item is scored" in render_feedback(ctx)


def test_file_names_are_ascii_slugs():
    assert file_name(6, HOSTILE_NAME) == "007-ada-input-etc-passwd-50-1-x-2"
    assert file_name(0, "李") == "001-student"
    assert plain_text("a\n\tb") == "a b"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_one_pdf_compiles_reproducibly(graded, tmp_path):
    _, _, grade, ctx = graded
    tex = render_feedback(ctx)
    a, b = build_feedback([("a", tex), ("b", tex)], tmp_path, jobs=2)
    assert a.read_bytes() == b.read_bytes()
    text = subprocess.run(["pdftotext", "-layout", str(a), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Ada $\\input{/etc/passwd}$ & 50% #1 _x^2" in text
    assert "Diagnosis: sign-flipped." in text
    assert "__import__('os')" in text.replace("’", "'")
    assert f"Score {grade.score:g} / 100" in " ".join(text.split())
    assert "A mistake of the library diagnosed: 50 % of the points" in " ".join(text.split())


def test_a_two_part_answer_of_the_key_names_its_parts():
    # a gradient-step answer prints "gradient:" and "new:" (a stray tab once ate the \t of \text)
    from derive.documents.numbers import Formatter
    from derive.grading.feedback import _key_rows
    from derive.numerics.key import build_assignment_key
    from derive.problem.assignment import load_assignment
    key = build_assignment_key(load_assignment("logistic"))
    pairs = [qid for qid, q in key["questions"].items() if q["kind"] == "gradient-step"]
    rows = _key_rows(Formatter(4), key)
    assert pairs
    for qid in pairs:
        (row,) = rows[qid]
        assert row.startswith(r"\text{gradient: }") and r"\quad \text{new: }" in row
