"""The render context and .tex of an assignment file: written by kind (no
question known by its id), reproducible, escaped, and the exam's answer
spaces shaped like the key's answers."""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from derive.documents import (assignment_build, assignment_context, formula_notes, hints,
                              kind_panel, kind_text, statements, worked)
from derive.documents.assignment_build import render_assignment
from derive.documents.assignment_context import build_assignment_context
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import SHIPPED, load_assignment, parse_assignment, shipped
from derive.problem.config import Config, Documents
from derive.problem.spec import InputError

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "assignment"


@pytest.fixture(scope="module", params=SHIPPED)
def assignment(request):
    return load_assignment(request.param)


def _data(name: str) -> dict:
    return tomllib.loads(shipped(name).read_text())


def test_no_question_is_known_by_its_id():
    for module in (assignment_build, assignment_context, formula_notes, hints, kind_panel,
                   kind_text, statements, worked):
        source = Path(module.__file__).read_text()
        assert not re.search(r"""["']q\d+["']""", source), module.__name__
    for template in TEMPLATES.glob("*.j2"):
        assert not re.search(r"\bq\d+\b", template.read_text()), template.name


def test_renamed_questions_read_the_same(assignment):
    # the same file with other question ids: every statement and step is the same
    data = _data(assignment.name)
    for part in data["parts"]:
        for q in part["questions"]:
            q["id"] = "item-" + q["id"]
    renamed = parse_assignment(data, assignment.name)
    contexts = [build_assignment_context(a, build_assignment_key(a), Config())
                for a in (assignment, renamed)]
    for p, r in zip(*(c["parts"] for c in contexts)):
        for qp, qr in zip(p["questions"], r["questions"]):
            assert (qp["statement"], qp["blocks"], qp["answer"]) == \
                   (qr["statement"], qr["blocks"], qr["answer"])
            assert qr["show_id"]


def test_two_renders_are_byte_identical(assignment):
    key = build_assignment_key(assignment)
    first = render_assignment(assignment, key, Config())
    assert render_assignment(load_assignment(assignment.name), build_assignment_key(
        load_assignment(assignment.name)), Config()) == first
    assert "\n\\solutionheading\n" in first["handout.tex"]
    assert "\n\\solutionheading\n" not in first["problems.tex"]


def test_exam_answer_spaces_are_shaped_like_the_answers(assignment):
    key = build_assignment_key(assignment)
    exam = Config(documents=Documents(sheet="exam"))
    tex = render_assignment(assignment, key, exam)["problems.tex"]
    assert "%% handouts document: assignment-exam" in tex
    cells = frees = 0
    for answer in key["answers"].values():
        if isinstance(answer, dict) and "latex" in answer:
            frees += 1
            cells += "value" in answer
        elif isinstance(answer, dict):
            cells += sum(np.size(answer[k]) for k in ("grad", "new"))
        else:
            cells += np.size(answer)
    assert tex.count(r"\answercell{") == cells
    assert tex.count(r"\freebox{") == frees
    assert tex.count(r"\begin{question}") == len(key["answers"])


def test_part_text_is_printed_literally_and_unsettable_text_is_refused():
    data = _data("logistic")
    data["parts"][0]["title"] = r"Costs \$ 100% & {more} _x_ #1"
    data["parts"][0]["text"] = r"\input{/etc/passwd}"
    a = parse_assignment(data, "logistic")
    tex = render_assignment(a, build_assignment_key(a), Config())["handout.tex"]
    assert r"\input{/etc/passwd}" not in tex and r"\textbackslash{}input\{/etc/passwd\}" in tex
    data["title"] = "Градиенты"
    a = parse_assignment(data, "logistic")
    with pytest.raises(InputError, match="^title"):
        build_assignment_context(a, build_assignment_key(a), Config())


def test_mistakes_panel_follows_the_config():
    a = load_assignment("tanh-mse")
    key = build_assignment_key(a)
    on = build_assignment_context(a, key, Config())
    off = build_assignment_context(a, key, Config(documents=Documents(mistakes=False)))
    rows = [q["mistakes"] for p in on["parts"] for q in p["questions"]]
    assert any(rows) and not any(q["mistakes"] for p in off["parts"] for q in p["questions"])
    # each row differs from the right answer: a mistake that gives it is not shown
    for row in (r for rs in rows for r in rs):
        assert row["parts"] and row["what"][0].isupper()


def test_statements_by_kind(assignment):
    for part, q in assignment.questions():
        text = statements.statement(part, q, None)
        assert text.endswith(".") and not re.search(r"\bq\d+\b", text), (q.id, text)
        if q.kind in ("step", "gradient-step", "after-step") or q.get("after"):
            # the step is said once, under the part's heading
            assert "the step of this part" in text
            step = statements.step_text(part)
            assert r"\eta = " in step and (" unchanged" in step or "every parameter" in step)
        if q.kind == "probability" and part.network.layers[-1].size == 1:
            assert "(y = 1)" in text.replace("$", "")


def test_new_values_are_named_without_double_subscripts():
    assert kind_text.new("W^{2}") == r"W^{2}_{\text{new}}"
    assert kind_text.new("a^{3}_{2}") == r"a^{3,\text{new}}_{2}"
    assert kind_text.new("w_0^{1}") == r"w^{1}_{0,\text{new}}"


def test_worked_solution_of_a_relu_network_names_its_units():
    a = load_assignment("reference")
    ctx = build_assignment_context(a, build_assignment_key(a), Config())
    network = ctx["parts"][-1]
    first = network["questions"][0]["blocks"]
    said = " ".join(b["text"] for b in first if b["type"] == "text")
    assert "Units 1 and 2 are active" in said and "units 3 and 4 are off" in said
    # every finite-difference check agrees with its gradient
    checks = [line for p in ctx["parts"] for q in p["questions"] for b in q["blocks"]
              if b["type"] == "checks" for line in b["lines"]]
    fd = [line for line in checks if "Finite difference" in line]
    assert fd and all("they agree" in line for line in fd)


def test_later_questions_refer_to_earlier_steps():
    a = load_assignment("tanh-mse")
    ctx = build_assignment_context(a, build_assignment_key(a), Config())
    texts = [" ".join(b["text"] for b in q["blocks"] if b["type"] == "text")
             for q in ctx["parts"][0]["questions"]]
    # a forward pass is shown once, then referred to by its question's number
    assert sum("Layer 1 (hidden" in t for t in texts) == 1
    assert any("as worked out before" in t for t in texts)


def test_every_gradient_is_checked_by_a_finite_difference(assignment):
    # weights and biases alike: one check per parameter whose gradient is worked out
    ctx = build_assignment_context(assignment, build_assignment_key(assignment), Config())
    fd = [line for p in ctx["parts"] for q in p["questions"] for b in q["blocks"]
          if b["type"] == "checks" for line in b["lines"] if "Finite difference" in line]
    asked = {(p.id, q.get("param")) for p, q in assignment.questions()
             if q.kind in ("gradient", "step", "gradient-step")}
    # the after-step questions work out the gradients of every parameter the step updates
    asked |= {(p.id, name) for p, q in assignment.questions()
              if q.kind == "after-step" or q.get("after") for name in p.step_params}
    assert len(fd) == len(asked)
    assert all("they agree" in line for line in fd)
    if any(name[0] == "b" for _, name in asked):
        assert any("w^{" in line and "_{0" in line for line in fd)


def test_formula_questions_show_what_a_mistake_gives():
    a = load_assignment("logistic")
    ctx = build_assignment_context(a, build_assignment_key(a), Config())
    shown = [q for p in ctx["parts"] for q in p["questions"]]
    formulas = [c for (_, q), c in zip(a.questions(), shown)
                if q.kind in ("activation", "gradient-formula")]
    assert formulas
    for q in formulas:
        assert q["mistakes"] and all(r["parts"] for r in q["mistakes"])
        assert all(part.startswith(r"\displaystyle") for r in q["mistakes"] for part in r["parts"])


def test_mistakes_that_give_the_same_answer_share_a_row(assignment):
    # a flipped gradient and a step up it give the same W_new: one row names both
    ctx = build_assignment_context(assignment, build_assignment_key(assignment), Config())
    for q in (q for p in ctx["parts"] for q in p["questions"]):
        shown = [tuple(r["parts"]) for r in q["mistakes"]]
        assert len(shown) == len(set(shown)), q["mistakes"]
    if assignment.name == "sigmoid-softmax":
        titles = [r["what"] for p in ctx["parts"] for q in p["questions"] for r in q["mistakes"]]
        assert any(" or " in t for t in titles)


def test_a_step_of_size_one_is_printed_without_the_factor():
    a = load_assignment("sigmoid-softmax")
    assert a.parts[0].given.lr == 1
    tex = render_assignment(a, build_assignment_key(a), Config())
    lines = [line for text in tex.values() for line in text.splitlines()
             if r"- \eta \nabla" in line]
    assert lines and not any(r"\end{bmatrix*} - 1 \begin" in line for line in lines)


def test_the_network_caption_names_only_the_weights_present():
    # sigmoid-softmax's given weights have no zero; tanh-mse's have
    for name, zero in (("sigmoid-softmax", False), ("tanh-mse", True)):
        part = load_assignment(name).parts[0]
        assert (0 in np.concatenate([np.ravel(W) for W in part.given.W])) == zero
        for labelled in (True, False):
            caption = assignment_context.network_caption(part, labelled)
            assert ("dotted grey for zero" in caption) == zero
