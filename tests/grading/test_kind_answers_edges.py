"""A schema 2 key's shape as `grade --key` checks it: each refusal is one line
naming the place (the variant, the question) and the problem."""

from __future__ import annotations

import copy

import pytest

from derive.grading.kind_answers import check_key, csv_columns, items_of, validate
from derive.problem.spec import InputError

NOT_A_KEY = "not an answer key of schema 2 (needs questions and answers)"


def small_key(**fields) -> dict:
    """A key of one part: a formula, a vector and a gradient step."""
    key = {"variant": "v07",
           "questions": {
               "q1": {"part": "p", "kind": "activation", "points": 5, "activation": "tanh"},
               "q2": {"part": "p", "kind": "forward", "points": 10, "value": "a1"},
               "q3": {"part": "p", "kind": "gradient-step", "points": 10, "param": "W1"}},
           "answers": {"q1": {"sympy": "tanh(z)"}, "q2": [0.5, -0.25],
                       "q3": {"grad": [[1.0]], "new": [[0.5]]}}}
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
