"""Carried-forward credit of forward quantities from the student's own
earlier answers: the loss from their own output (not from a layer below
it), a hidden sigmoid activation from their own activation of the layer
below (mutation survivors of KindStudent._from_layer_below and
_forward_from in derive/grading/by_kind.py)."""

import numpy as np

from tests.grading.test_by_kind_mutants import _graded
from tests.grading.test_kind_grade import _forward


def _wrong_output_right_hidden(a, key, perfect):
    """tanh-mse: a1 (q4) right, the output (q5) off by what no mistake
    explains, the loss (q6) from that output."""
    y = np.asarray(a.parts[0].given.y)
    out = np.asarray(key["answers"]["q5"]) + np.array([0.4, -0.3])
    return {**perfect, "q5": out.tolist(), "q6": float(0.5 * np.sum((out - y) ** 2))}


def _wrong_first_sigmoid_layer(a, key, perfect):
    """sigmoid-softmax: a1 (q4) off, a2 (q5, a hidden sigmoid) from it."""
    g, net = a.parts[0].given, a.parts[0].network.layers
    a1 = np.asarray(key["answers"]["q4"]) + np.array([0.2, 0, -0.1])
    return {**perfect, "q4": a1.tolist(), "q5": _forward(net[1:2], g.W[1:2], g.b[1:2], a1).tolist()}


def test_the_loss_follows_from_the_students_own_output_not_from_the_right_layer_below():
    got = _graded("tanh-mse", _wrong_output_right_hidden)
    assert got["q5"].status == "wrong"
    assert (got["q6"].status, got["q6"].feedback) == (
        "carried-forward", "Wrong, but it follows correctly from your answer to q5.")


def test_a_hidden_sigmoid_activation_follows_from_the_students_own_layer_below():
    got = _graded("sigmoid-softmax", _wrong_first_sigmoid_layer)
    assert (got["q5"].status, got["q5"].feedback) == (
        "carried-forward", "Wrong, but it follows correctly from your answer to q4.")
