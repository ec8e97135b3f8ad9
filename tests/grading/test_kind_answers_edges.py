"""A schema 2 key at its edges: its shape as `grade --key` checks it (each
refusal one line naming the place and the problem), its questions, parts and
answers as the grader reads them, and answers validated against them."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import sympy as sp

from derive.grading import formulas
from derive.grading.compare import equivalent
from derive.grading.kind_answers import (check_key, csv_columns, formula_names, items_of,
                                         key_submission, parts_of, validate)
from derive.grading.rules import Rules
from derive.numerics.key import build_assignment_key
from derive.problem.catalogue import STEP_KINDS
from derive.problem.spec import InputError
from tests.grading.examples import EXAMPLES

NOT_A_KEY = "not an answer key of schema 2 (needs questions and answers)"


def small_key(**fields) -> dict:
    """A key of one part: a formula, a vector and a gradient step."""
    key = {"variant": "v07",
           "questions": {
               "q1": {"part": "p", "kind": "activation", "points": 5, "activation": "tanh"},
               "q2": {"part": "p", "kind": "forward", "points": 10, "value": "a1"},
               "q3": {"part": "p", "kind": "gradient-step", "points": 10, "param": "W1"}},
           "answers": {"q1": {"sympy": "tanh(z)"}, "q2": [0.5, -0.25],
                       "q3": {"grad": [[1.0]], "new": [[0.5]]}},
           "params": {"p": {"W1": [[1.0]]}}}
    return {**key, **copy.deepcopy(fields)}


def refused(data) -> tuple[str, str]:
    with pytest.raises(InputError) as e:
        check_key(data, "--key")
    return e.value.field, e.value.problem


def test_a_file_without_questions_and_answers_is_not_a_key():
    for data in ([], "key", {"questions": {}}, {"answers": {}}, {"variant": "v07"}):
        assert refused(data) == ("--key", NOT_A_KEY)


def test_a_key_needs_no_variant_or_other_fields():
    for data in ({"questions": {}, "answers": {}},
                 {k: v for k, v in small_key().items() if k != "variant"}):
        assert check_key(data, "--key") is data


def test_the_variant_is_a_plain_id_of_at_most_100_characters():
    assert check_key(small_key(variant="v" * 100), "--key")["variant"] == "v" * 100
    for variant in ("v" * 101, "v\n07", "v\u202e07", 7, None, ["v07"]):
        assert refused(small_key(variant=variant)) == ("--key: variant", "not a plain id")


def test_questions_and_answers_must_be_objects():
    for questions, answers in (([], {}), ({}, []), ([], [])):
        data = small_key(questions=questions, answers=answers)
        assert refused(data) == ("--key: key v07", "questions and answers must be objects")


def test_a_missing_answer_names_the_variant_and_the_question():
    key = small_key()
    del key["answers"]["q2"]
    assert refused(key) == ("--key: key v07: q2", "missing")
    key["answers"]["q2"] = None
    assert refused(key) == ("--key: key v07: q2", "missing")
    del key["variant"]      # a key without one is the reference's
    assert refused(key) == ("--key: key reference: q2", "missing")


def test_a_long_question_id_is_cut_to_40_characters():
    qid = "q" + "0123456789" * 6
    key = small_key()
    key["questions"][qid] = key["questions"].pop("q2")
    assert refused(key) == (f"--key: key v07: {qid[:40]}", "missing")
    key["answers"][qid] = {"grad": [[1.0]]}     # a step without its new value
    key["questions"][qid]["kind"] = "gradient-step"
    assert refused(key) == (f"--key: key v07: {qid[:40]}", "not an answer of its kind ('new')")


def test_an_answer_not_of_its_kind_names_the_question_and_why():
    key = small_key()
    key["answers"]["q3"] = [[0.5]]          # a gradient step needs its grad and new
    field, problem = refused(key)
    assert (field, problem) == ("--key: key v07: q3", "not an answer of its kind "
                                "(list indices must be integers or slices, not str)")
    key = small_key()
    del key["questions"]["q3"]["points"]
    assert refused(key) == ("--key: key v07: q3", "not an answer of its kind ('points')")


def test_the_reason_an_answer_is_not_of_its_kind_is_cut_to_80_characters():
    key = small_key()
    key["answers"]["q2"] = "x" * 100
    field, problem = refused(key)
    assert field == "--key: key v07: q2"
    assert problem.startswith("not an answer of its kind (could not convert string to float: 'xxx")
    assert len(problem) == len("not an answer of its kind ()") + 80


def test_a_question_outside_any_part_is_not_a_key():
    key = small_key()
    del key["questions"]["q3"]["part"]
    assert refused(key) == ("--key: key v07", "not an answer key of schema 2 ('part')")


def test_a_bad_network_is_named_in_80_characters():
    part = "p" * 100
    key = small_key(networks={part: "x"})
    for q in key["questions"].values():
        q["part"] = part
    assert refused(key) == ("--key: key v07", "not an answer key of schema 2 (networks."
                            + "p" * 71 + ")")


def test_every_answer_after_a_formula_is_validated_by_its_shape():
    key = small_key()
    key["answers"]["q2"] = [0.5, None]      # a number each: passes as an array of floats
    assert refused(key) == ("--key: key v07: q2", "expected a number, got null")
    key["answers"]["q2"] = [0.5, float("inf")]
    assert refused(key) == ("--key: key v07: q2", "expected a finite number")


def test_a_steps_new_value_may_be_named_by_its_parameters_letter():
    key = small_key()
    key["questions"]["q3"]["param"] = "b2"
    key["answers"]["q3"] = {"grad": [1.0], "new": [0.5]}
    items = items_of(key)
    cols = csv_columns(items)
    assert {"q3.grad", "q3.new", "q3.b"} <= cols and "q3.W" not in cols
    assert validate(items[2], {"b": [0.5]}).value["new"].tolist() == [0.5]
    del key["questions"]["q3"]["param"]     # no param: a weight matrix, W
    items = items_of(key)
    assert csv_columns(items) == {"student", "variant", "q1", "q2", "q3", "q3.grad",
                                  "q3.new", "q3.W"}
    assert validate(items[2], {"W": [0.5]}).value["new"].tolist() == [0.5]


# --------------------------------------------------------------------------
# The key's questions and answers as the grader reads them


@pytest.fixture(scope="module")
def reference():
    assignment = EXAMPLES["reference"]()
    return assignment, json.loads(json.dumps(build_assignment_key(assignment)))


def test_the_keys_questions_and_parts_are_the_assignments(reference):
    assignment, key = reference
    items = items_of(key)
    assert [(i.id, i.part, json.dumps(i.question.to_json())) for i in items] == \
        [(q.id, p.id, json.dumps(q.to_json())) for p in assignment.parts for q in p.questions]
    asked = [q for p in assignment.parts for q in p.questions if q.kind != "loss"]
    assert [i.question for i in items if i.kind != "loss"] == asked   # options and all
    parts = parts_of(key, items)
    assert [(p.id, p.title, p.questions) for p in parts] == \
        [(p.id, p.id, tuple(i.question for i in items if i.part == p.id)) for p in assignment.parts]


def test_the_key_as_a_submission_has_every_answer_as_a_student_writes_it(reference):
    _, key = reference
    sub = key_submission(key)
    assert (sub["student"], sub["variant"]) == ("key", key["variant"])
    answers = sub["answers"]
    assert answers["q1"] == key["answers"]["q1"]["sympy"]       # a formula: its text
    assert answers["q5"] == key["answers"]["q5"]["value"]       # a loss: its number
    assert answers["q12"] == key["answers"]["q12"] and answers["q7"] == key["answers"]["q7"]
    wrong = key_submission(key, "ana", replace={"q7": 0.5, "q1": {"sympy": "z"}})
    assert (wrong["student"], wrong["answers"]["q7"], wrong["answers"]["q1"]) == ("ana", 0.5, "z")


def test_a_formula_must_be_text_and_a_number_may_be(reference):
    items = {i.id: i for i in items_of(reference[1])}
    assert validate(items["q1"], 3).error == "expected a formula as text, got int"
    assert validate(items["q1"], ["z"]).error == "expected a formula as text, got a list"
    number = validate(items["q7"], "1/4")       # a number typed as a formula without variables
    assert isinstance(number.value, np.ndarray) and number.value.shape == () and number.value == 0.25
    by_hand = [i for i in items_of(small_key(answers={**small_key()["answers"],
                                                        "q1": {"latex": r"\tanh z"}}))][0]
    assert by_hand.manual and validate(by_hand, r"\tanh(z)").value == r"\tanh(z)"
    assert validate(by_hand, r"\tanh(z)").raw == r"\tanh(z)"


def test_a_steps_parts_are_read_by_name(reference):
    items = {i.id: i for i in items_of(reference[1])}
    grad, new = [[1.0, 2.0]] * 3, [[0.5, 0.25]] * 3
    pair = validate(items["q12"], {"grad": grad, "W": new})
    assert pair.value["grad"].tolist() == grad and pair.value["new"].tolist() == new
    assert validate(items["q12"], {"new": new, "W": new}).error == \
        "unknown part 'W'; expected grad and/or new"
    bare = validate(items["q12"], new)
    assert bare.value["new"].tolist() == new and bare.value["grad"] is None
    assert bare.notes == ["a bare list was taken as the updated parameter"]


def test_one_answer_gets_one_budget_for_all_its_entries(reference, monkeypatch):
    """Each check of the budget costs 0.05 s of a fake clock: an answer's
    entries share its 0.3 s, so six typed entries are too much together
    though each alone is not."""
    items = {i.id: i for i in items_of(reference[1])}
    clock = iter(np.arange(0, 1000, 0.05))
    monkeypatch.setattr(formulas.time, "process_time", lambda: next(clock))
    assert validate(items["q7"], "1/4").error is None
    for item, value in ((items["q10"], ["1/4"] * 6), (items["q12"], {"grad": [["1/4"] * 2] * 3})):
        assert "too large" in validate(item, value).error


def test_a_formula_answered_by_a_number_or_a_number_as_text_is_refused():
    key = small_key()
    key["answers"]["q1"] = 0.5
    assert refused(key) == ("--key: key v07: q1",
                            "not an answer of its kind (expected an object with sympy and latex)")
    loss = {"part": "p", "kind": "loss", "points": 5, "loss": "mse"}
    for answer in ({"value": "1/4"}, [[0.5]]):      # a loss's value is a number
        key = small_key(questions={"q4": loss}, answers={"q4": answer})
        assert refused(key)[0] == "--key: key v07: q4"
    key = small_key()
    key["answers"]["q3"] = {"grad": [["1/4"]], "new": [[0.5]]}
    assert refused(key) == ("--key: key v07: q3", "not an answer of its kind "
                            "(could not convert string to float: '1/4')")


def test_a_loss_without_its_example_is_a_formula_with_it_a_number():
    loss = {"part": "p", "kind": "loss", "points": 5, "loss": "mse"}
    key = small_key(questions={"q4": loss, "q5": loss},
                    answers={"q4": {"sympy": "(a - y)**2/2", "latex": "..."},
                             "q5": {"value": 0.125, "latex": "..."}})
    formula, number = items_of(check_key(key, "--key"))
    assert formula.formula and number.expected == 0.125


def test_each_name_of_a_formula_is_its_own_variable():
    key = small_key(questions={"q3": {"part": "p", "kind": "output-gradient", "points": 5}},
                    answers={"q3": {"sympy": "a_j - y_j", "latex": "a_{j} - y_{j}"}})
    [item] = items_of(key)
    for right in ("a_j - y_j", "a - y", "-(y_j - a_j)"):
        assert equivalent(validate(item, right).value, item.expected, "q3", Rules())
    for wrong in ("y_j - a_j", "a_j", "0"):
        assert not equivalent(validate(item, wrong).value, item.expected, "q3", Rules())
    for indexed in ("a[j] - y[j]", "sum(a_k)"):      # no sum, no indices: plain names
        assert validate(item, indexed).error


def test_the_index_is_after_the_last_underscore_and_a_name_keeps_its_meaning():
    names = formula_names("x_1_k*(a - y) + x")
    assert names["x_1"] is names["x_1_k"] and names["x"] == sp.Symbol("x")
    both = formula_names("x_k*x + a")      # x is not x_k where the formula has both
    assert (both["x"], both["x_k"]) == (sp.Symbol("x"), sp.Symbol("x_k"))
    z = formula_names("exp(z_L_j)/Sum(exp(z_L_k), (k, 1, n))")
    assert (str(z["z_L_j"]), str(z["z_L_k"])) == ("z_L[j]", "z_L[k]")


@pytest.mark.parametrize("field, asked, left_out", [
    ("params.network", "a step", ()),
    ("networks.softmax-layer", "values after the step", ()),
    ("params.softmax-layer", "a step", ("q9",)),   # a step, no value after it
])
def test_a_part_asked_for_a_step_needs_its_data(reference, field, asked, left_out):
    # the "nothing done" answers (the given parameters, the output before the
    # step) are worked out from them: a key without them is refused, not a traceback
    from derive.grading.by_kind import prepare_kind
    _, key = reference
    section, part = field.split(".")
    damaged = copy.deepcopy(key)
    del damaged[section][part]
    for qid in left_out:
        del damaged["questions"][qid], damaged["answers"][qid]
    why = f"{field}: missing, and its questions ask for {asked}"
    variant = key.get("variant", "?")
    assert refused(damaged) == (f"--key: key {variant}", f"not an answer key of schema 2 ({why})")
    with pytest.raises(InputError) as e:
        prepare_kind([damaged], Rules())
    assert (e.value.field, e.value.problem) == (f"key {variant}", f"not an answer key of schema 2: {why}")


def test_a_key_whose_questions_ask_for_no_step_needs_no_params(reference):
    # a key cut down by hand to the questions before the step, without the
    # parameters' section: graded, the key itself earning every point
    from derive.grading.kind_grade import grade_all_kinds
    from derive.grading.kind_answers import as_submitted, submission_parser
    from derive.numerics.baselines import stepped_parts
    _, key = reference
    cut = copy.deepcopy(key)
    del cut["params"]
    stepped = set(stepped_parts(key))
    for qid, q in key["questions"].items():
        if q["part"] in stepped or q["kind"] in STEP_KINDS:
            del cut["questions"][qid], cut["answers"][qid]
    assert cut["questions"] and len(cut["questions"]) < len(key["questions"])
    check_key(cut, "--key")
    answers = {q: as_submitted(v) for q, v in cut["answers"].items()}
    sub = submission_parser(items_of(cut))(
        {"student": "s", "variant": cut["variant"], "answers": answers}, 0)
    g, = grade_all_kinds([sub], [cut])
    assert g.score == g.total > 0
