"""Carried-forward credit of a forward quantity worked out from the
student's own activation of a layer below it, in the three-layer
sigmoid-softmax example with its questions changed: a pre-activation (z)
from the layer below, the output from a layer two below when the layer
between is not asked (mutation survivors of KindStudent._from_layer_below
in derive/grading/by_kind.py)."""

from dataclasses import replace

import numpy as np

from derive.numerics.key import build_assignment_key
from tests.grading.examples import EXAMPLES
from tests.grading.test_kind_grade import _forward, _json, _perfect, grade


def _graded(questions, answers) -> dict:
    """sigmoid-softmax with its part's questions changed by ``questions``;
    the items of one student whose answers are the key's changed by ``answers``."""
    a = EXAMPLES["sigmoid-softmax"]()
    p = a.parts[0]
    a = replace(a, parts=(replace(p, questions=questions(p.questions)),))
    key = _json(build_assignment_key(a))
    sub = {"student": "s", "variant": "reference",
           "answers": answers(a.parts[0], key, _perfect(key))}
    return grade(key, [sub])["s"].items


def _wrong_a1(p, key):
    return np.asarray(key["answers"]["q4"]) + np.array([0.2, 0, -0.1])


def _carried_from_q4(got):
    return (got.status, got.feedback) == (
        "carried-forward", "Wrong, but it follows correctly from your answer to q4.")


def _with_z2(questions):
    """q5 asks for z2 instead of a2."""
    return tuple(replace(q, options=(("value", "z2"),)) if q.id == "q5" else q
                 for q in questions)


def _z2_from_wrong_a1(p, key, perfect):
    g = p.given
    a1 = _wrong_a1(p, key)
    z2 = np.asarray(g.W[1]).T @ a1 + np.asarray(g.b[1])
    return {**perfect, "q4": a1.tolist(), "q5": z2.tolist()}


def test_a_pre_activation_follows_from_the_students_own_layer_below():
    got = _graded(_with_z2, _z2_from_wrong_a1)
    assert _carried_from_q4(got["q5"])


def _without_a2(questions):
    return tuple(q for q in questions if q.id != "q5")


def _output_from_wrong_a1(p, key, perfect):
    g, net = p.given, p.network.layers
    a1 = _wrong_a1(p, key)
    return {**perfect, "q4": a1.tolist(), "q6": _forward(net[1:], g.W[1:], g.b[1:], a1).tolist()}


def test_the_output_follows_from_the_students_own_a1_when_a2_is_not_asked():
    got = _graded(_without_a2, _output_from_wrong_a1)
    assert got["q4"].status == "wrong"
    assert _carried_from_q4(got["q6"])
