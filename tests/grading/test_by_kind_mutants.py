"""The feedback of carried-forward credit names the student's own earlier
answers the item followed from: one, two ("q7 and q8") or more ("q10, q11
and q12")."""

import numpy as np
import pytest

from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_key
from tests.grading.examples import EXAMPLES
from tests.grading.test_kind_grade import _forward, _json, _perfect, grade


def _graded(name: str, answers) -> dict:
    """The items of one student's answers (``answers``: the key's, changed by it)."""
    a = EXAMPLES[name]()
    key = _json(build_assignment_key(a))
    sub = {"student": "s", "variant": "reference", "answers": answers(a, key, _perfect(key))}
    return grade(key, [sub])["s"].items


def _wrong_hidden_and_output_step(a, key, perfect):
    """tanh-mse: a1 off (q4), the output, loss and step of W2 (q7) from it."""
    g, net = a.parts[0].given, a.parts[0].network.layers
    a1 = np.asarray(key["answers"]["q4"]) + np.array([0.3, 0, 0, 0])
    out = _forward(net[1:], g.W[1:], g.b[1:], a1)
    grad2 = np.asarray(key["answers"]["q7"]["grad"]) * 1.5          # no mistake explains it
    new2 = np.asarray(g.W[1]) - g.lr * grad2
    after = _forward(net, [np.asarray(key["answers"]["q8"]["new"]), new2], g.b, np.asarray(g.x))
    return {**perfect, "q4": a1.tolist(), "q5": out.tolist(),
            "q6": float(0.5 * np.sum((out - np.asarray(g.y)) ** 2)),
            "q7": {"grad": grad2.tolist(), "new": new2.tolist()},
            "q9": float(0.5 * np.sum((after - np.asarray(g.y)) ** 2))}


def _wrong_middle_step(a, key, perfect):
    """sigmoid-softmax: W2 after the step (q11) off, the output after all
    three steps (q13: W1 from q10, W2 from q11, W3 from q12) from it."""
    p = a.parts[0]
    new = {"W1": key["answers"]["q10"]["new"], "W2": np.asarray(key["answers"]["q11"]) * 1.1,
           "W3": key["answers"]["q12"]}
    run = km.forward_with(p, p.given, {n: np.asarray(w, float) for n, w in new.items()})
    return {**perfect, "q11": new["W2"].tolist(),
            "q13": np.asarray(km._value(run, "output"), float).tolist()}


@pytest.mark.parametrize("name, answers, item, feedback", [
    ("tanh-mse", _wrong_hidden_and_output_step, "q5",
     "Wrong, but it follows correctly from your answer to q4."),
    ("tanh-mse", _wrong_hidden_and_output_step, "q9",
     "Wrong, but it follows correctly from your answers to q7 and q8."),
    ("sigmoid-softmax", _wrong_middle_step, "q13",
     "Wrong, but it follows correctly from your answers to q10, q11 and q12."),
], ids=["one", "two", "three"])
def test_carried_credit_names_the_answers_it_follows_from(name, answers, item, feedback):
    got = _graded(name, answers)[item]
    assert (got.status, got.feedback) == ("carried-forward", feedback)
