"""A loss question's example under the mistake library: the binary loss
weighs each output by its own target, a squared error missing its ½ is
twice the loss, a wrong class read is counted from the target's class; and
the loss of a student's output (grading reads it) is inf or nan silently
where the output allows no finite loss (mutation survivors of
derive/numerics/kind_mistakes.py: ``_loss``, ``loss_example``)."""

import math
import warnings

import numpy as np
import pytest

from derive.numerics import kind_mistakes as km
from derive.problem.assignment import parse_assignment


def _loss_question(qid, loss, a, y):
    return {"id": qid, "kind": "loss", "points": 5, "loss": loss, "example": {"a": a, "y": y}}


# one identity unit; three loss questions with an example each
PART = parse_assignment({
    "title": "Loss examples", "points": 15,
    "parts": [{
        "id": "unit", "title": "One identity unit",
        "network": {"inputs": 1, "layers": [{"units": 1, "activation": "identity"}],
                    "loss": "mse"},
        "given": {"W1": [[1]], "b1": [0], "x": [1], "y": [1], "lr": 0.5},
        "questions": [_loss_question("mse", "mse", [0.5, 1.0], [0, 0]),
                      _loss_question("nll", "nll", [0.8, 0.3], [1, 0]),
                      _loss_question("nllm", "nllm", [0.2, 0.5, 0.3], [0, 1, 0])]}]}).parts[0]
Q = {q.id: q for q in PART.questions}


def test_the_binary_loss_of_an_example_weighs_each_output_by_its_target():
    # −(1·ln 0.8 + 0·ln 0.2) − (0·ln 0.3 + 1·ln 0.7)
    want = -math.log(0.8) - math.log(0.7)
    assert km.loss_example(Q["nll"]) == pytest.approx(want, rel=1e-12)
    assert km.part_answers(PART, PART.given)["nll"] == pytest.approx(want, rel=1e-12)


def test_a_squared_error_missing_its_half_is_twice_the_loss():
    # ½ (0.5² + 1²) = 0.625
    assert km.loss_example(Q["mse"]) == 0.625
    assert km.loss_example(Q["mse"], frozenset({"missing-half"})) == 1.25
    assert km.loss_example(Q["mse"], frozenset({"missing-half", "sign-flipped"})) == -1.25
    assert km.wrong_answers(PART, Q["mse"]) == {"sign-flipped": -0.625, "missing-half": 1.25}


def test_a_wrong_class_is_read_off_the_examples_own_class():
    # the target is class 2: the wrong readings are class 1 (a_(c−1)), then class 3
    wrong = frozenset({"wrong-class"})
    assert km.loss_example(Q["nllm"], wrong, 0) == pytest.approx(-math.log(0.2), rel=1e-12)
    assert km.loss_example(Q["nllm"], wrong, 1) == pytest.approx(-math.log(0.3), rel=1e-12)
    assert km.loss_example(Q["nllm"], wrong, 2) is None
    assert km.wrong_answers(PART, Q["nllm"])["wrong-class"] == pytest.approx(-math.log(0.2),
                                                                             rel=1e-12)


@pytest.mark.parametrize("loss, a, y, want", [
    ("nllm", [0.0, 1.0], [1, 0], math.inf),   # ln 0: a division by zero
    ("nll", [1.5], [1], math.nan),            # ln(1 − 1.5): invalid
    ("mse", [1e200], [0], math.inf),          # (1e200)² overflows
], ids=["divide", "invalid", "over"])
def test_the_loss_of_an_impossible_output_is_silent(loss, a, y, want):
    # grading takes the loss of a student's own output (any numbers): no RuntimeWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = km._loss(loss, np.array(a), np.array(y, float))
    assert got == want or (math.isnan(want) and math.isnan(got))
