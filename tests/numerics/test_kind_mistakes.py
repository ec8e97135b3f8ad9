"""The mistake library by kind: with no mistake it gives the key's answers
(checked against finite differences of an independent forward pass), each
mistake does what it says, and on the reference it agrees with today's library."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from derive.numerics import kind_mistakes as km
from derive.problem.catalogue import NUMERIC_KINDS
from tests.schema_1 import mistakes
from tests.schema_1.keys import build_key
from derive.problem.assignment import PartData
from tests.grading.examples import EXAMPLES

ACT = {"identity": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
       "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
       "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()}


def forward(net, Ws, bs, x):
    """Plain NumPy, independent of the lambdified code: the a of every layer."""
    a, out = np.asarray(x, float), []
    for layer, W, b in zip(net.layers, Ws, bs):
        a = ACT[layer.activation](np.asarray(W).T @ a + b)
        out.append(a)
    return out


def loss(net, a, y):
    y = np.asarray(y, float)
    if net.loss == "mse":
        return 0.5 * np.sum((a - y) ** 2)
    if net.loss == "nllm":
        return -np.sum(y * np.log(a))
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))


def random_data(part, rng) -> PartData:
    g = part.given
    W = tuple(tuple(tuple(r) for r in rng.uniform(-1.5, 1.5, np.shape(w))) for w in g.W)
    b = tuple(tuple(rng.uniform(-1, 1, len(v))) for v in g.b)
    x = tuple(rng.uniform(-2, 2, len(g.x)))
    y = g.y if part.network.loss != "mse" else tuple(rng.uniform(-1, 1, len(g.y)))
    return PartData(W, b, x, y, float(rng.choice([0.1, 0.5])))


def numeric_parts():
    return [(name, p) for name, make in EXAMPLES.items() for p in make().parts
            if p.given is not None]


@pytest.mark.parametrize("name,part", numeric_parts(), ids=lambda v: getattr(v, "id", v))
def test_right_answers_agree_with_finite_differences(name, part):
    rng = np.random.default_rng(7)
    net = part.network
    for _ in range(15):
        data = random_data(part, rng)
        run = km.run_part(part, data)
        params = {f"W{l}": np.array(W, float) for l, W in enumerate(data.W, 1)}
        params |= {f"b{l}": np.array(b, float) for l, b in enumerate(data.b, 1)}
        L = len(net.layers)

        def f(ps):
            a = forward(net, [ps[f"W{l}"] for l in range(1, L + 1)],
                        [ps[f"b{l}"] for l in range(1, L + 1)], data.x)
            return loss(net, a[-1], data.y), a

        value, acts = f(params)
        assert run.loss == pytest.approx(value, rel=1e-9, abs=1e-12)
        for mine, theirs in zip(run.a, acts):
            np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
        for name_, p in params.items():
            fd = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                h = 1e-6
                up, down = {**params, name_: p.copy()}, {**params, name_: p.copy()}
                up[name_][idx] += h
                down[name_][idx] -= h
                fd[idx] = (f(up)[0] - f(down)[0]) / (2 * h)
            np.testing.assert_allclose(run.grads[name_], fd, rtol=1e-5, atol=1e-7)
        for name_ in part.step_params:
            np.testing.assert_array_equal(run.new[name_],
                                          params[name_] - data.lr * run.grads[name_])
        if run.after is not None:
            moved = {**params, **run.new}
            np.testing.assert_allclose(run.after.a[-1], f(moved)[1][-1], rtol=1e-9, atol=1e-12)


def test_reference_right_answers_are_the_schema_1_key():
    key = build_key()
    answers = km.by_part(EXAMPLES["reference"]())
    for q in ("q6", "q7", "q8", "q9", "q10", "q11", "q14"):
        np.testing.assert_array_equal(answers[q], key["answers"][q])
    for q in ("q12", "q13"):
        assert answers[q] == {"grad": key["answers"][q]["grad"], "new": key["answers"][q]["W"]}
    assert answers["q5"] == key["answers"]["q5"]["value"]


def test_reference_mistakes_agree_with_the_reference_library():
    """Every mistake of today's library, by kind, gives today's wrong answers
    (wrong-class: the same classes, in the same order)."""
    key = build_key()
    a = EXAMPLES["reference"]()
    for code, items in mistakes.mistaken_answers(key).items():
        mine = km.by_part(a, codes=(code,))
        for q, old in items.items():
            if q in ("q1", "q2", "q3", "q4"):
                continue
            if isinstance(old, dict):
                old = old.get("value", {"grad": old.get("grad"), "new": old.get("W")})
            assert km._equal(old, mine[q]), (code, q)


def test_each_mistake_does_what_it_says():
    part = EXAMPLES["tanh-mse"]().parts[0]
    data = part.given
    right = km.run_part(part, data)
    q = {q.id: q for q in part.questions}
    wrong = km.wrong_answers(part, q["q8"])
    g1 = right.grads["W1"]
    np.testing.assert_allclose(wrong["sign-flipped"]["grad"], -g1)
    np.testing.assert_allclose(wrong["transposed"]["grad"], g1.T)
    np.testing.assert_allclose(wrong["ascent"]["new"], np.array(data.W[0]) + data.lr * g1)
    # tanh derivative dropped: δ¹ = W² δ², not (W² δ²) ⊙ (1 − a¹²)
    delta2 = right.grads["b2"]
    back = np.array(data.W[1]) @ delta2
    np.testing.assert_allclose(wrong["missing-tanh-derivative"]["grad"], np.outer(data.x, back))
    # δ¹ through the W² after its step
    W2_new = right.new["W2"]
    stale = (W2_new @ delta2) * (1 - right.a[0] ** 2)
    np.testing.assert_allclose(wrong["updated-weights-in-backprop"]["grad"],
                               np.outer(data.x, stale))
    assert set(wrong) == {"sign-flipped", "transposed", "ascent", "updated-weights-in-backprop",
                          "missing-tanh-derivative"}


def test_square_transposed_step_uses_the_transposed_gradient():
    part = EXAMPLES["sigmoid-softmax"]().parts[0]
    q = next(q for q in part.questions if q.get("param") == "W2" and q.kind == "step")
    run = km.run_part(part, part.given)
    wrong = {"new": km.wrong_answers(part, q)["transposed"]}
    g = run.grads["W2"]
    np.testing.assert_allclose(wrong["new"], np.array(part.given.W[1]) - part.given.lr * g.T)


def test_wrong_class_of_a_sigmoid_unit_is_the_other_class():
    part = EXAMPLES["logistic"]().parts[0]
    q = next(q for q in part.questions if q.kind == "probability" and not q.get("after"))
    a = km.run_part(part, part.given).a[-1][0]
    assert km.wrong_answers(part, q)["wrong-class"] == pytest.approx(1 - a)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_mistakes_of_each_example_differ_from_the_right_answer(name):
    """Every applicable mistake changes some answer of its part."""
    for part in EXAMPLES[name]().parts:
        if part.given is None:
            continue
        found = set()
        for q in part.questions:
            found |= set(km.wrong_answers(part, q))
        assert found == set(km.applicable(part))


def test_missing_output_derivative_under_mse():
    part = EXAMPLES["tanh-mse"]().parts[0]
    net = replace(part.network, layers=(part.network.layers[0],
                                        replace(part.network.layers[1], activation="sigmoid")))
    part = replace(part, network=net)
    assert "missing-sigmoid-derivative" in km.applicable(part)
    q = next(q for q in part.questions if q.get("param") == "W2")
    run = km.run_part(part, part.given)
    wrong = km.wrong_answers(part, q)["missing-sigmoid-derivative"]["grad"]
    np.testing.assert_allclose(wrong, np.outer(run.a[0], run.a[1] - np.array(part.given.y)))


def test_overflowing_mistakes_are_left_out():
    part = EXAMPLES["reference"]().parts[2]
    big = replace(part.given, x=(400.0, 500.0))
    wrong = km.part_answers(part, big, ("not-normalised",))
    assert "q11" not in wrong   # e^z overflows: no student can hand that in
    assert "q10" in wrong


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_right_answers_are_the_schema_2_keys(name):
    """The library's computation with no mistake and the key's (solve_part)
    agree on every numeric answer: two computations of the same numbers."""
    from derive.numerics.key import build_assignment_key
    a = EXAMPLES[name]()
    key = build_assignment_key(a)
    mine = km.by_part(a)
    numeric = [q.id for _, q in a.questions() if q.kind in NUMERIC_KINDS]
    assert numeric and set(numeric) <= set(mine)
    for p, q in a.questions():
        if q.id in mine:
            theirs = key["answers"][q.id]
            theirs = theirs["value"] if isinstance(theirs, dict) and "value" in theirs else theirs
            assert km._equal(mine[q.id], theirs), (name, q.id)


def test_wrong_answers_take_the_keys_exact_relu_decisions():
    """A hidden ReLU exactly at its kink: float64 says 5.6e-17 > 0, the key's
    exact arithmetic says 0, and the library follows the key (ReLU′(0) = 0)."""
    from derive.numerics.solve import solve_part
    part = EXAMPLES["reference"]().parts[2]
    data = replace(part.given, W=(((0.1, 0, -1, 0), (0.2, 1, 0, -1)),) + part.given.W[1:],
                   b=((-0.3, 0, -1, -1),) + part.given.b[1:], x=(1.0, 1.0))
    solution = solve_part(part, data)
    assert solution.f_prime[0][0] == 0
    q13 = next(q for q in part.questions if q.id == "q13")
    wrong = km.wrong_answers(part, q13, solution, data)
    right = solution.grad("W1")
    # the mask dropped: unit 1's column is then W²δ², not the key's 0
    np.testing.assert_allclose(np.asarray(wrong["missing-relu-mask"]["grad"])[:, 0],
                               np.asarray(data.x) * solution.back[0][0])
    assert np.all(right[:, 0] == 0)
    sign = np.asarray(wrong["sign-flipped"]["grad"])
    np.testing.assert_array_equal(sign[:, 0], 0.0)


def test_formula_questions_get_the_mistakes_of_their_formula():
    import sympy as sp
    part = EXAMPLES["logistic"]().parts[0]
    q = {q.id: q for q in part.questions}
    z = sp.Symbol("z")
    wrong = km.wrong_answers(part, q["q1"])["sign-flipped"]
    assert sp.simplify(sp.sympify(wrong["sympy"]) - 1 / (1 + sp.exp(z))) == 0
    grad = km.wrong_answers(part, q["q3"])["sign-flipped"]
    a, y, x = sp.symbols("a y x_k")
    assert sp.simplify(sp.sympify(grad["sympy"]) + (a - y) * x) == 0
    softmax = EXAMPLES["reference"]().parts[1]
    assert km.wrong_answers(softmax, softmax.questions[0]) == {}   # LaTeX only
