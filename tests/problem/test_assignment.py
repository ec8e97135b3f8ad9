"""Assignment files: loading, the shipped examples, and the model round trip.

Bad files (every check of the parser) are in test_validation.py.
"""

import copy
from dataclasses import replace
import hashlib
import tomllib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.numerics.evaluate import evaluate_network
from derive.problem.assignment import (ASSIGNMENTS, SHIPPED, MAX_FILE_BYTES, Assignment,
                                       load_assignment, network_to_json, parse_assignment,
                                       shipped)
from derive.problem.spec import InputError


def data(name="tanh-mse") -> dict:
    return tomllib.loads(shipped(name).read_text())


def test_shipped_names_are_the_files_in_the_folder():
    assert sorted(SHIPPED) == sorted(p.stem for p in ASSIGNMENTS.glob("*.toml"))
    assert shipped("logistic") == ASSIGNMENTS / "logistic.toml"


def test_an_unknown_shipped_name_lists_the_names():
    with pytest.raises(InputError, match="--assignment: no shipped assignment 'tanh'; "
                                         "choose one of reference, tanh-mse"):
        load_assignment("tanh")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_examples_load_by_name_and_by_path(name):
    by_name = load_assignment(name)
    by_path = load_assignment(shipped(name))
    assert by_name == by_path and by_name.name == name
    assert by_name.digest == hashlib.sha256(shipped(name).read_bytes()).hexdigest()
    assert by_name.points == by_name.total_points == 100
    assert isinstance(by_name, Assignment)


def test_a_path_outside_the_package(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_bytes(shipped("logistic").read_bytes())
    a = load_assignment(str(f))
    assert a.name == "mine" and a == replace(load_assignment("logistic"), name="mine")


def test_the_reference_file_keeps_the_reference_ids_points_and_data():
    a = load_assignment("reference")
    assert [q.id for _, q in a.questions()] == [f"q{i}" for i in range(1, 15)]
    assert [q.points for _, q in a.questions()] == [5, 5, 5, 7.5, 7.5, 7.5, 5, 7.5, 5,
                                                    10, 10, 10, 10, 5]
    from derive.problem.spec import REFERENCE
    net = a.parts[2].given
    assert (net.W, net.b, net.x, net.y, net.lr) == (
        (REFERENCE.network.W1, REFERENCE.network.W2), (REFERENCE.network.b1, REFERENCE.network.b2),
        REFERENCE.network.x, REFERENCE.network.y, REFERENCE.network.lr)
    assert a.parts[1].given.W == (REFERENCE.softmax_layer.W,)
    assert a.question("q7")[1].get("class") == REFERENCE.softmax_layer.query_class + 1


def test_the_parts_step_and_questions_in_file_order():
    a = load_assignment("sigmoid-softmax")
    assert a.parts[0].step_params == ("W1", "W2", "W3")
    assert load_assignment("logistic").parts[0].step_params == ("W1", "b1")
    q = load_assignment("logistic").question("q2")[1]
    assert q.to_json() == {"kind": "loss", "points": 10, "loss": "nll",
                           "example": {"a": [0.8], "y": [0]}}
    assert network_to_json(a.parts[0].network) == data("sigmoid-softmax")["parts"][0]["network"]


@pytest.mark.parametrize("name", SHIPPED)
def test_parse_of_the_dump_is_the_assignment(name):
    a = load_assignment(name)
    assert parse_assignment(a.to_data(), name) == a


def test_the_given_data_teach():
    """Every new example's instance: no hidden layer saturated or dead, no zero
    gradient asked for, output probabilities well inside (0, 1), and the one
    step lowers the loss. (The reference keeps the reference's numbers.)"""
    for name in ("tanh-mse", "sigmoid-softmax", "logistic"):
        for part in load_assignment(name).parts:
            if part.given is None:
                continue
            g, net = part.given, part.network
            col = lambda v: np.asarray(v, float)[..., None]
            p = evaluate_network(net, col(g.x), [col(W) for W in g.W], [col(b) for b in g.b],
                                 col(g.y))
            for z, layer in zip(p.z[:-1], net.layers):
                assert np.any(np.abs(z) < 2), (name, z)  # not every unit saturated
                if layer.activation == "relu":
                    assert np.all(np.abs(z) >= 0.25) and np.any(z > 0), (name, z)
            if net.layers[-1].activation in ("sigmoid", "softmax"):
                assert np.all((p.a[-1] > 0.05) & (p.a[-1] < 0.95)), name
            for _, q in ((part, q) for q in part.questions if q.get("param")):
                group, l = q.get("param")[0], int(q.get("param")[1:])
                grad = p.dL_dW[l - 1] if group == "W" else p.delta[l - 1]
                assert np.all(grad != 0), (name, q.id)
            step = {name: part.given.param(name) for name in part.step_params}
            Ws = [col(np.asarray(W) - g.lr * p.dL_dW[l][..., 0] if f"W{l + 1}" in step else W)
                  for l, W in enumerate(g.W)]
            bs = [col(np.asarray(b) - g.lr * p.delta[l][..., 0] if f"b{l + 1}" in step else b)
                  for l, b in enumerate(g.b)]
            after = evaluate_network(net, col(g.x), Ws, bs, col(g.y))
            assert after.loss[0] < p.loss[0], name


# --------------------------------------------------------------------------
# Property: any assignment the parser accepts round-trips through its dump

_numbers = st.sampled_from([-2, -1, -0.5, 0.25, 0.5, 1, 1.5, 2])


@st.composite
def assignments(draw) -> dict:
    inputs = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(
        ["identity", "sigmoid", "tanh", "relu"])), max_size=3))
    out = draw(st.sampled_from([("softmax", "nllm"), ("sigmoid", "nll"), ("identity", "mse"),
                                ("tanh", "mse")]))
    units = draw(st.integers(2, 3)) if out[0] == "softmax" else draw(st.integers(1, 3))
    sizes = [inputs] + [u for u, _ in hidden] + [units]
    layers = [{"units": u, "activation": f} for u, f in hidden] + [
        {"units": units, "activation": out[0]}]
    given = {}
    for l in range(1, len(sizes)):
        given[f"W{l}"] = [[draw(_numbers) for _ in range(sizes[l])] for _ in range(sizes[l - 1])]
        given[f"b{l}"] = [draw(_numbers) for _ in range(sizes[l])]
    given["x"] = [draw(_numbers) for _ in range(inputs)]
    if out[1] == "nllm":
        k = draw(st.integers(0, units - 1))
        given["y"] = [int(i == k) for i in range(units)]
    else:
        given["y"] = [draw(st.sampled_from([0, 1])) for _ in range(units)]
    given["lr"] = draw(st.sampled_from([0.1, 0.5, 1]))
    L = len(sizes) - 1
    questions = [{"id": "q1", "kind": "forward", "value": draw(st.sampled_from(
                     [f"a{L}", "output", "loss", "z1"])), "points": draw(_numbers.filter(
                         lambda v: v > 0))},
                 {"id": "q2", "kind": "gradient-step", "param": f"{draw(st.sampled_from('Wb'))}"
                  f"{draw(st.integers(1, L))}", "points": 5},
                 {"id": "q3", "kind": "after-step", "value": "loss", "points": 2.5},
                 {"id": "q4", "kind": "activation", "activation": "relu", "points": 1}]
    variants = {"W": {"values": sorted({draw(_numbers) for _ in range(3)})},
                "x": {"range": [-1, 1], "step": draw(st.sampled_from([0.5, 1]))}}
    return {"title": draw(st.text("abc xyz", min_size=1, max_size=20)),
            "parts": [{"id": "p", "title": "Part", "network": {
                "inputs": inputs, "layers": layers, "loss": out[1]},
                "given": given, "variants": variants,
                "questions": draw(st.permutations(questions))}]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assignments())
def test_generated_assignments_round_trip(d):
    original = copy.deepcopy(d)
    a = parse_assignment(d, "gen")
    assert d == original  # the input is not changed
    assert parse_assignment(a.to_data(), "gen") == a
    part = a.parts[0]
    assert network_to_json(part.network) == d["parts"][0]["network"]
    assert part.given.to_json() == d["parts"][0]["given"]
    assert [q.id for q in part.questions] == [q["id"] for q in d["parts"][0]["questions"]]
    assert part.grid("x").values[0] == -1 and part.grid("W3") == part.grid("W")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    f = tmp_path / "big.toml"
    f.write_bytes(shipped("tanh-mse").read_bytes() + b"#" * MAX_FILE_BYTES)
    with pytest.raises(InputError, match=r"--assignment: .*big.toml: \d+ bytes is larger "
                                         "than the limit"):
        load_assignment(f)
