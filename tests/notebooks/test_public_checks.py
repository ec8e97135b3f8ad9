"""The public checks a student runs (the setup cell's code), run here without
a kernel: each prints ✓ or ✗ per check, tells a wrong form from a right one,
never raises, and reveals nothing of the key."""

import math

import numpy as np
import pytest

from derive.notebooks.checks import check_source, setup_source
from tests.notebooks.notebooks import instance


@pytest.fixture()
def space():
    namespace: dict = {}
    exec(setup_source(3), namespace)
    return namespace


def lines(capsys) -> list[str]:
    return [l for l in capsys.readouterr().out.splitlines() if l[:1] in "✓✗"]


def run_check(space, capsys, qid: str, value, name="reference", k=None) -> list[str]:
    """The check cell of question ``qid`` (of variant ``k``) run on ``value``."""
    from derive.variants.instances import instance_of
    assignment, key = instance(name, k)
    assignment = assignment.with_given(instance_of(assignment, key))
    part, q = next((p, q) for p, q in assignment.questions() if q.id == qid)
    space[qid] = value
    exec(check_source(part, q, key["answers"][qid], qid), space)
    return lines(capsys)


def test_the_keys_answers_pass_every_check(space, capsys):
    assignment, key = instance("reference")
    space.update({n: np.array(v, float) if isinstance(v, list) else v
                  for n, v in key["params"]["network"].items()})
    for _, q in assignment.questions():
        answer = key["answers"][q.id]
        value = answer
        if isinstance(answer, dict) and "grad" not in answer:
            value = answer["value"] if "value" in answer else answer.get("sympy", answer["latex"])
        got = run_check(space, capsys, q.id, value)
        assert got and all(l.startswith("✓") for l in got), (q.id, got)


def test_rounded_answers_pass_too(space, capsys):
    # to the sheet's 3 significant figures: sums and ranks within rounding
    _, key = instance("reference", 0)
    rounded = np.vectorize(lambda x: float(f"{x:.3g}"))(np.array(key["answers"]["q12"]["grad"]))
    space.update(W2=np.array(key["params"]["network"]["W2"], float),
                 lr=key["params"]["network"]["lr"])
    new = space["W2"] - space["lr"] * rounded
    got = run_check(space, capsys, "q12", {"grad": rounded, "new": np.round(new, 3)},
                    name="reference", k=0)
    assert all(l.startswith("✓") for l in got), got


def test_wrong_forms_fail_and_nothing_raises(space, capsys):
    _, key = instance("reference")
    grad = np.array(key["answers"]["q6"])
    assert any("shape (3, 2), expected 2 × 3" in l and l[0] == "✗"
               for l in run_check(space, capsys, "q6", grad.T))
    bad = grad.copy()
    bad[1, 0] += 0.5   # a row that does not add up to 0 (and no longer an outer product)
    got = run_check(space, capsys, "q6", bad)
    assert "✗ q6: each row adds up to 0 (rows [2] do not)" in got
    assert any(l.startswith("✗ q6: an outer product") for l in got)
    for odd in (None, "0.5", {"a": 1}, [1, [2, 3]], object(), float("nan"), [[math.inf] * 3] * 2):
        got = run_check(space, capsys, "q6", odd)
        assert got and got[-1].startswith("✗"), odd
    assert run_check(space, capsys, "q7", 1.5)[-1] == "✗ q7: every entry is in [0, 1]"
    assert run_check(space, capsys, "q11", [0.5, 0.6])[-1] == "✗ q11: the entries add up to 1"
    assert run_check(space, capsys, "q1", "")[0].startswith("✗")
    assert run_check(space, capsys, "q1", "1/(1 + exp(-z)")[-1].startswith("✗")
    assert run_check(space, capsys, "q12", [1, 2])[0] == '✗ q12: give {"grad": ..., "new": ...}'


def test_a_step_inconsistent_with_its_gradient_fails(space, capsys):
    _, key = instance("reference")
    answer = key["answers"]["q12"]
    space.update(W2=np.array(key["params"]["network"]["W2"], float), lr=0.5)
    ascent = {"grad": answer["grad"], "new": (space["W2"] + 0.5 * np.array(answer["grad"]))}
    assert run_check(space, capsys, "q12", ascent)[-1] == \
        "✗ q12: new = old − η · grad, entry by entry"


def test_the_check_shows_the_answer_for_grading(space, capsys):
    shown = []
    space["display"] = None
    import IPython.display
    real = IPython.display.display
    IPython.display.display = lambda obj, raw=False: shown.append(obj)
    try:
        run_check(space, capsys, "q7", np.float64(0.25))
    finally:
        IPython.display.display = real
    assert shown[0]["application/vnd.handouts.answer+json"] == {"question": "q7", "value": 0.25}


def _loss(params, x=np.array([1.0, -2.0]), y=np.array([0.0, 1.0, 0.0])):
    z = params["W"].T @ x + params["b"]
    a = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return float(-(y * np.log(a)).sum())


def _gradients(params, x=np.array([1.0, -2.0]), y=np.array([0.0, 1.0, 0.0])):
    z = params["W"].T @ x + params["b"]
    a = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return {"W": np.outer(x, a - y), "b": a - y}


PARAMS = {"W": np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]]), "b": np.zeros(3)}


def test_finite_differences_pass_right_gradients_and_catch_wrong_ones(space, capsys):
    space["check_gradients"](_loss, _gradients, PARAMS)
    right = lines(capsys)
    assert len(right) == 2 and all(l.startswith("✓") for l in right)
    assert right[0].startswith("✓ W: largest difference from finite differences of your loss")

    def sign(params):
        return {k: -v for k, v in _gradients(params).items()}

    def transposed(params):
        return {"W": _gradients(params)["W"].T, "b": _gradients(params)["b"]}
    space["check_gradients"](_loss, sign, PARAMS)
    assert [l[0] for l in lines(capsys)] == ["✗", "✗"]
    space["check_gradients"](_loss, transposed, PARAMS)
    assert lines(capsys)[0].startswith("✗ W: gradients(params)['W'] should be an array of shape")
    space["check_gradients"](_loss, lambda p: None, PARAMS)
    assert lines(capsys) == ["✗ write loss(params) and gradients(params) above first"]
    space["check_gradients"](lambda p: 1 / 0, _gradients, PARAMS)
    assert lines(capsys) == ["✗ your loss or gradients raised ZeroDivisionError: division by zero"]


def test_a_relu_kink_is_not_a_wrong_gradient(space, capsys):
    # z = 0 exactly: ReLU'(0) = 0 lies between the one-sided differences (0 and 1)
    def loss(p):
        return float(np.maximum(p["w"] * 1.0, 0).sum())

    space["check_gradients"](loss, lambda p: {"w": (p["w"] > 0) * 1.0}, {"w": np.array([0.0, 2.0])})
    assert lines(capsys) == ["✓ w: largest difference from finite differences of your loss "
                             "5.0e-01 (at a kink)"]
    space["check_gradients"](loss, lambda p: {"w": np.array([0.0, 3.0])}, {"w": np.array([0.0, 2.0])})
    assert lines(capsys)[0].startswith("✗")


def test_a_step_taken_in_place_still_passes(space, capsys):
    # W2 -= lr * grad updates the data's W2 too: the check compares with the given W2
    _, key = instance("reference")
    grad = np.array(key["answers"]["q12"]["grad"])
    space.update(W2=np.array(key["params"]["network"]["W2"], float), lr=0.5)
    space["W2"] -= space["lr"] * grad
    got = run_check(space, capsys, "q12", {"grad": grad, "new": space["W2"]})
    assert "✓ q12: new = old − η · grad, entry by entry" in got


def test_a_formula_written_with_numpy_is_refused_by_its_check(space, capsys):
    got = run_check(space, capsys, "q1", "1/(1 + np.exp(-z))")
    assert got[-1].startswith("✗ q1: write exp(...), log(...) without np.")
    assert run_check(space, capsys, "q1", "1/(1 + exp(-z))")[-1].startswith("✓")
