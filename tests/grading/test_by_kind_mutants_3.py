"""Carried-forward credit by question kind, where the grader must pick the
right earlier answer: a step from the gradient of a gradient-step question
of its own parameter (not from a gradient question of it), the value after
the step with the key's update of a parameter the student left out (the
key's, decided exactly at a ReLU tie, not float64's), the answers it
followed from named in the order of the key; and a key whose network part
gives no data (mutation survivors of KindStudent.source, carried,
_carried and _key_new in derive/grading/by_kind.py)."""

from dataclasses import replace

import numpy as np
import pytest

from derive.grading.scoring import Student
from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import Question
from tests.grading.examples import EXAMPLES, RELU_TIE
from tests.grading.test_by_kind_mutants import _graded
from tests.grading.test_kind_grade import _json, _perfect, grade

FROM_GRAD_BESIDE = (f"{Student.CARRIED_NEW}, but that gradient is wrong, and none of the "
                    "known mistakes explains it.")


def _items(key: dict, answers) -> dict:
    """The items of one student: the key's answers changed by ``answers(key, perfect)``."""
    sub = {"student": "s", "variant": key.get("variant"), "answers": answers(key, _perfect(key))}
    return grade(key, [sub])["s"].items


def _status(got) -> tuple[str, str]:
    return got.status, got.feedback


def _carried_from(said: str) -> tuple[str, str]:
    return "carried-forward", f"Wrong, but it follows correctly from your {said}."


def _off_update(given, key, qid: str, name: str) -> dict:
    """A gradient-step answer whose gradient is 1.5 times the key's (no
    mistake explains it) and whose new value follows from it."""
    grad = np.asarray(key["answers"][qid]["grad"]) * 1.5
    return {"grad": grad.tolist(), "new": (np.asarray(given.param(name)) - given.lr * grad).tolist()}


# -- the gradient beside the new value, not a gradient question of the same parameter

def _logistic_step_from_wrong_gradient_beside(a, key, perfect):
    """logistic: q7 (the gradient of W1) right; q9 (gradient-step W1) with a
    wrong gradient and the new value from it."""
    return {**perfect, "q9": _off_update(a.parts[0].given, key, "q9", "W1")}


def test_a_new_value_follows_from_the_gradient_beside_it_not_from_a_gradient_question():
    got = _graded("logistic", _logistic_step_from_wrong_gradient_beside)
    assert got["q7"].status == "correct"
    assert _status(got["q9"]) == ("carried-forward", FROM_GRAD_BESIDE)


# -- a step question from a gradient-step question of its parameter

def _tanh_with_step_of_w2():
    """tanh-mse with one more question, q10: W2 after the step (q7 is the
    gradient-step of W2; no gradient question asks for W2)."""
    a = EXAMPLES["tanh-mse"]()
    p = a.parts[0]
    q10 = Question("q10", "step", 5, (("param", "W2"),))
    return replace(a, parts=(replace(p, questions=p.questions + (q10,)),))


def test_a_step_follows_from_the_gradient_of_a_gradient_step_question_of_its_parameter():
    a = _tanh_with_step_of_w2()
    given = a.parts[0].given

    def answers(key, perfect):
        q7 = _off_update(given, key, "q7", "W2")
        return {**perfect, "q7": q7, "q10": q7["new"]}

    got = _items(_json(build_assignment_key(a)), answers)
    assert _status(got["q10"]) == _carried_from("answer to q7")


# -- the key's update of a parameter the student left out, at a ReLU tie

# RELU_TIE with the first hidden unit's outgoing weights reversed: its δ is
# negative, so float64's ReLU′(5.6e-17) = 1 would move z¹₁ up (the unit on
# after the step) where the key's ReLU′(0) = 0 leaves W¹'s first column alone
TIE = replace(RELU_TIE, W=(RELU_TIE.W[0], ((-1, 1), (0.5, -1), (1, 0.5), (-1, 1))))


@pytest.mark.parametrize("kind", ["gradient-step", "step"])
def test_the_value_after_the_step_uses_the_keys_exact_update_of_a_parameter_left_out(kind):
    """reference's network part at the tie, W1 asked by q13 (of ``kind``):
    q13 left out, q12 (gradient-step W2) off, q14 (the output after the step)
    from the key's new W1 and the student's own new W2."""
    a = EXAMPLES["reference"]().with_given({"network": TIE})
    a = replace(a, parts=tuple(
        replace(p, questions=tuple(replace(q, kind=kind) if q.id == "q13" else q
                                   for q in p.questions)) for p in a.parts))
    net = next(p for p in a.parts if p.id == "network")

    def answers(key, perfect):
        new_w1 = key["answers"]["q13"]
        q12 = _off_update(net.given, key, "q12", "W2")
        run = km.forward_with(net, net.given, {
            "W1": np.asarray(new_w1["new"] if kind == "gradient-step" else new_w1),
            "W2": np.asarray(q12["new"])})
        rest = {q: v for q, v in perfect.items() if q != "q13"}
        return {**rest, "q12": q12, "q14": np.asarray(km._value(run, "output")).tolist()}

    key = _json(build_assignment_key(a))
    assert np.asarray(key["answers"]["q13"]["new"] if kind == "gradient-step"
                      else key["answers"]["q13"])[:, 0].tolist() == [0.1, 0.2]  # the unit off
    got = _items(key, answers)
    assert got["q13"].status == "missing"
    assert _status(got["q14"]) == _carried_from("answer to q12")


# -- the answers a value followed from, in the order of the key

def _w2_step_left_out_wrong_gradient(a, key, perfect):
    """sigmoid-softmax: q9 (the gradient of W2) off, q11 (W2 after the step)
    left out, q13 (the output after the step) from W1 of q10, W2 stepped
    with q9's gradient, W3 of q12."""
    p = a.parts[0]
    grad = np.asarray(key["answers"]["q9"]) * 1.1
    new = {"W1": np.asarray(key["answers"]["q10"]["new"]),
           "W2": np.asarray(p.given.param("W2"), float) - p.given.lr * grad,
           "W3": np.asarray(key["answers"]["q12"])}
    run = km.forward_with(p, p.given, new)
    rest = {q: v for q, v in perfect.items() if q != "q11"}
    return {**rest, "q9": grad.tolist(), "q13": np.asarray(km._value(run, "output")).tolist()}


def test_carried_credit_names_the_answers_it_rests_on_in_key_order_not_a_left_out_step():
    """q9 before q10 (not "q10, q12 and q9"), and not q11, which the student
    left out (its value followed from q9)."""
    got = _graded("sigmoid-softmax", _w2_step_left_out_wrong_gradient)
    assert _status(got["q13"]) == _carried_from("answers to q9, q10 and q12")


# -- a network part whose key gives no data

def test_a_key_without_data_for_a_network_part_carries_nothing_forward():
    """tanh-mse's key without its steps and without the part's params (a
    key edited by hand): a wrong a1 (q4) and an output (q5) are graded
    wrong (nothing to carry forward with), not a crash."""
    key = _json(build_assignment_key(EXAMPLES["tanh-mse"]()))
    for field in ("questions", "answers"):
        key[field] = {q: v for q, v in key[field].items() if q not in ("q7", "q8", "q9")}
    key["params"] = {}

    def answers(key, perfect):
        return {**perfect, "q4": (np.asarray(perfect["q4"]) + [0.3, 0, 0, 0]).tolist(),
                "q5": [0.5, 0.5]}

    got = _items(key, answers)
    assert [got[q].status for q in ("q4", "q5", "q6")] == ["wrong", "wrong", "correct"]


def test_an_earlier_answer_too_large_to_carry_forward_leaves_the_later_one_graded_on_its_own():
    # a1 of ±1e308 overflows the rest of the forward pass: nothing follows from
    # it, so a2 is graded as any wrong a2 is (per-entry credit), not "invalid"
    def answers(huge):
        def change(a, key, perfect):
            a2 = np.array(key["answers"]["q5"], float)
            a2.flat[0] += 0.3
            return {**perfect, "q4": huge, "q5": a2.tolist()}
        return change
    overflowing = _graded("sigmoid-softmax", answers([1e308, -1e308, 1e308]))["q5"]
    ordinary = _graded("sigmoid-softmax", answers([9.0, 9.0, 9.0]))["q5"]
    assert (overflowing.status, overflowing.points) == (ordinary.status, ordinary.points)
    assert overflowing.status == "wrong" and 0 < overflowing.points < overflowing.max
