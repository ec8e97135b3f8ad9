"""The numeric worked solutions (derive.documents.worked) carry the
reference's explanations, for any network, each chosen by the numbers: small
assignment instances where each alternative applies, and the shipped ones."""

import numpy as np
import pytest

from derive.calculus.catalogue import gradient_derivations
from derive.calculus.steps import check
from derive.documents.assignment_context import build_assignment_context
from derive.documents.numbers import Formatter
from derive.documents.worked import PartWriter
from derive.numerics.key import build_assignment_key
from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment, parse_assignment
from derive.problem.config import Config


def _part(layers, loss, given, questions):
    """One part of a network (``layers``: (units, activation)) with its given
    data and its questions (kind, options), ids q1, q2, …"""
    qs = [{"id": f"q{i}", "kind": kind, "points": 1, **opts}
          for i, (kind, opts) in enumerate(questions, start=1)]
    net = {"inputs": len(given["x"]), "loss": loss,
           "layers": [{"units": u, "activation": f} for u, f in layers]}
    data = {"title": "t", "parts": [{"id": "p", "title": "p", "network": net, "given": given,
                                     "questions": qs}]}
    return parse_assignment(data, "t").parts[0]


def _solutions(part) -> list[str]:
    """Each question's worked solution as one string (its sentences and rows)."""
    writer = PartWriter(part, solve_part(part), Formatter(4), 4,
                        {q.id: i for i, q in enumerate(part.questions, start=1)})
    out = []
    for q in part.questions:
        blocks = writer.solution(q)
        out.append(" ".join(b["text"] if b["type"] == "text" else
                            " ".join(f"{r['lhs']} {r['rhs']}" for r in b["rows"])
                            if b["type"] == "align" else b["type"] for b in blocks))
    return out


SOFTMAX = [(3, "softmax")]
LAYER = {"W1": [[1, -1, -2], [-1, 2, 1]], "b1": [0, 0, 0], "x": [1, 1], "y": [0, 1, 0], "lr": 0.5}
RELU_NET = [(4, "relu"), (2, "softmax")]
NET = {"W1": [[1, 0, -1, 0], [0, 1, 0, -1]], "b1": [-1, -1, -1, -1],
       "W2": [[1, -1], [1, -1], [1, -1], [1, -1]], "b2": [0, 2], "x": [4, 11], "y": [0, 1],
       "lr": 0.5}
REFERENCE_LAYER = [("gradient", {"param": "W1", "show": True}), ("probability", {"class": 3}),
                   ("step", {"param": "W1"}), ("probability", {"class": 3, "after": True})]
REFERENCE_NET = [("forward", {"value": "a1"}), ("forward", {"value": "output"}),
                 ("gradient-step", {"param": "W2"}), ("gradient-step", {"param": "W1"}),
                 ("after-step", {"value": "output"})]


def test_the_reference_softmax_layer_reads_as_the_bespoke_handout():
    gradient, probability, step, after = _solutions(_part(SOFTMAX, "nllm", LAYER, REFERENCE_LAYER))
    # the rule the statement asks to show, then the numbers
    assert gradient.startswith("derivation derivation")
    assert "Only the target class (class 2) has $a^{1}_{j} - y_{j} < 0$: a step against the " \
           "gradient raises its score and lowers every other." in gradient
    assert "the most probable class is class 2, the target" in probability
    assert r"This is a descent step: to first order the loss changes by $\Delta \ell = - \eta " \
           r"\lVert \nabla_{W^{1}} \ell \rVert^{2} \approx -0.1801$" in step
    assert r"the loss indeed falls, from $\ell \approx 0.4076$" in step
    assert (r"The biases are held, so the step moved the scores by z_{\text{new}} - z = "
            r"- \eta \lVert x \rVert^{2} \delta^{1} \approx \begin{bmatrix*}[r] -0.2447 \\ 0.3348 "
            r"\\ -0.0900 \end{bmatrix*} The target's score rises and every other score falls.") in after
    assert r"The target class's probability rose from $a^{1}_{2} \approx 0.6652$" in after
    assert r"and class 3's fell from $a^{1}_{3} \approx 0.0900$" in after


def test_the_reference_network_reads_as_the_bespoke_handout():
    a1, output, w2, w1, after = _solutions(_part(RELU_NET, "nllm", NET, REFERENCE_NET))
    assert r"M = \max_{i} z^{2}_{i}" in output and r"z^{2} - M = \begin{bmatrix*}[r] 0 \\ -24" in output
    assert "the most probable class is class 1, not the target class 2" in output
    assert r"Units 3 and 4 are off, so their rows of $\nabla_{W^{2}} \ell$ are 0: a unit that " \
           "passes nothing forward gets no gradient on its outgoing weights." in w2
    assert "Why $W^{2}$ and not its transpose: $a^{1}_{k}$ reaches every output" in w1
    assert r"\left(W^{2} \delta^{2}\right)_{k}" in w1
    assert r"Units 3 and 4 are off, so their columns of $\nabla_{W^{1}} \ell$ are 0: the mask " \
           "stops the error there, so their incoming weights do not change." in w1
    assert (r"After the step every ReLU of layer 1 is dead for this input: $a^{1}_{\text{new}} "
            r"= 0$, so the output is $\operatorname{SM}(w_0^{2})$, set by the bias alone: it no "
            "longer depends on $x$.") in after
    assert "As question 4 found, the loss indeed falls" in after
    assert ("Before the step the most probable class is class 1, not the target class 2; after "
            "it, the most probable class is class 2, the target.") in after
    assert "Units 1 and 2 are active" in a1


def test_the_shown_rule_is_the_catalogues_checked_steps():
    part = _part(SOFTMAX, "nllm", LAYER, REFERENCE_LAYER)
    ds = gradient_derivations(part.network, "W1")
    assert [d.name for d in ds] == ["nllm_dz", "softmax_layer_gradient"]
    # the steps of an elementwise output are proven here (softmax's in test_softmax.py)
    net = _part([(2, "tanh"), (1, "sigmoid")], "nll",
                {"W1": [[1, 0]], "b1": [0, 0], "W2": [[1], [1]], "b2": [0], "x": [1], "y": [1],
                 "lr": 1}, [("gradient", {"param": "W2", "show": True})]).network
    assert all(check(d) == [] for d in gradient_derivations(net, "W2"))
    # a hidden layer's weights: the δ recursion, shown in the worked solution
    (hidden,) = _solutions(_part([(2, "tanh"), (1, "sigmoid")], "nll",
                                 {"W1": [[1, 0]], "b1": [0, 0], "W2": [[1], [1]], "b2": [0],
                                  "x": [1], "y": [1], "lr": 1},
                                 [("gradient", {"param": "W1", "show": True})]))
    assert hidden.startswith("derivation Layer 1")


def test_a_step_that_overshoots_says_the_loss_rises():
    # z = 0 and y = 1: the step moves z to η (first order: ℓ falls by η/1)
    line = lambda lr: {"W1": [[0]], "b1": [0], "x": [1], "y": [1], "lr": lr}  # noqa: E731
    steps = [_solutions(_part([(1, "identity")], "mse", line(lr), [("step", {"param": "W1"})]))[0]
             for lr in (0.5, 2, 3)]
    assert all("This is a descent step" in s for s in steps)
    short, stays, long = steps
    assert "the loss indeed falls" in short
    assert "the loss stays at" in stays and "falls" not in stays
    assert "here the loss rises" in long and "falls" not in long


def test_a_zero_input_zeroes_its_row_and_a_step_moves_scores_by_its_norm():
    given = {**LAYER, "x": [0, 2]}
    part = _part(SOFTMAX, "nllm", given, [("gradient-step", {"param": "W1"}),
                                         ("probability", {"class": 2, "after": True})])
    grad, after = _solutions(part)
    assert r"Input $x_{1}$ is 0, so its row of $\nabla_{W^{1}} \ell$ is 0" in grad
    # the asked class is the target: said once
    assert after.count("probability") == 1 and "The target class's probability rose" in after
    sol = solve_part(part)
    shift = sol.after.z[0] - sol.z[0]
    np.testing.assert_allclose(shift, -0.5 * 4 * sol.delta[0], rtol=1e-12)


def test_a_step_on_weights_and_bias_moves_the_score_by_both_terms():
    given = {"W1": [[1], [-1]], "b1": [-0.5], "x": [1, 2], "y": [0], "lr": 0.5}
    part = _part([(1, "sigmoid")], "nll", given,
                 [("gradient-step", {"param": "W1"}), ("gradient-step", {"param": "b1"}),
                  ("probability", {"class": 1, "after": True})])
    w, b, after = _solutions(part)
    assert "$a^{1} - y > 0$" in w and "lowers the score" in w
    assert r"(\lVert x \rVert^{2} + 1) \delta^{1}" in after and "The score falls." in after
    assert "The probability of class 1 fell" in after
    sol = solve_part(part)
    np.testing.assert_allclose(sol.after.z[0] - sol.z[0], -0.5 * (5 + 1) * sol.delta[0])


def test_relu_units_that_stay_alive_are_named_not_called_dead():
    given = {**NET, "x": [2, 1], "b1": [0, 0, 0, 0], "lr": 0.1}
    after, = _solutions(_part(RELU_NET, "nllm", given, [("gradient-step", {"param": "W2"}),
                                                       ("after-step", {"value": "output"})]))[1:]
    assert "dead" not in after
    assert "Units 1 and 2 are active after the step" in after
    assert "No unit of layer 1 changed state in the step." in after
    assert "As question 1 found, the loss indeed falls" in after


def test_a_tie_for_the_highest_probability_is_said():
    given = {"W1": [[1, 1, 0], [0, 0, 1]], "b1": [0, 0, 0], "x": [1, 0], "y": [0, 0, 1],
             "lr": 0.5}
    (output,) = _solutions(_part(SOFTMAX, "nllm", given, [("forward", {"value": "output"})]))
    assert "classes 1 and 2 tie for the highest probability, not the target class 3" in output


@pytest.fixture(scope="module")
def shipped():
    out = {}
    for name in ("tanh-mse", "sigmoid-softmax", "logistic"):
        a = load_assignment(name)
        ctx = build_assignment_context(a, build_assignment_key(a), Config(), solutions={})
        out[name] = [" ".join(b["text"] for b in q["blocks"] if b["type"] == "text")
                     for p in ctx["parts"] for q in p["questions"]]
    return out


def test_the_shipped_assignments_get_the_sentences_their_numbers_bear(shipped):
    tanh = " ".join(shipped["tanh-mse"])
    # tanh-mse's part text says two hidden units are saturated: the solution names them
    assert "Units 1 and 3 are saturated" in tanh and "off" not in tanh
    assert "Only the target class" not in tanh   # squared error: no one-hot target
    deep = " ".join(shipped["sigmoid-softmax"])
    assert "a step of $W^{3}$ against its gradient raises its score" in deep
    assert "reaches every unit of layer 2" in deep and "reaches every output" in deep
    logistic = " ".join(shipped["logistic"])
    assert "held" not in logistic and "The step moved the score by" in logistic


def test_the_error_goes_back_through_the_weights_before_their_update():
    updated = _solutions(_part(RELU_NET, "nllm", NET, REFERENCE_NET))[3]
    assert "through the weights $W^{2}$ of the forward pass (before their update)" in updated
    # W² held by the step: nothing to say about its update
    (held,) = _solutions(_part(RELU_NET, "nllm", NET, [("gradient-step", {"param": "W1"})]))
    assert "through the weights $W^{2}$ of the forward pass, and" in held
    assert r"entry $(k, j)$ of $x (\delta^{1})^{T}$" in held
