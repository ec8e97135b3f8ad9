"""The documented size limit (``spec.MAX_SIZE`` units per layer): a larger
layer is one line and exit status 2, and ``handouts key`` at the limit
finishes with a cold cache and the right numbers."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from derive.numerics import evaluate as numeric
from derive.cli import main
from derive.problem.spec import MAX_SIZE


def square_params(width: int) -> dict:
    """A softmax layer width x width and a width-width-width ReLU network."""
    rng = np.random.default_rng(width)
    ints = lambda *shape: rng.integers(-2, 3, shape).tolist()  # noqa: E731
    y = [1] + [0] * (width - 1)
    return {"nllm_example": {"a": [1 / width] * width, "y": y},
            "softmax_layer": {"W": ints(width, width), "b": ints(width), "x": ints(width),
                              "y": y, "lr": 0.5, "query_class": width - 1},
            "network": {"W1": ints(width, width), "b1": ints(width), "W2": ints(width, width),
                        "b2": ints(width), "x": ints(width), "y": y, "lr": 0.5}}


def too_large(group: str, field: str) -> dict:
    params = square_params(MAX_SIZE)
    big = square_params(MAX_SIZE + 1)[group]
    if group == "network" and field == "b1":  # hidden layer: W1 and W2 follow b1
        params[group].update(W1=big["W1"][:MAX_SIZE], b1=big["b1"], W2=big["W2"])
    else:
        params[group] = big
    return params


@pytest.mark.parametrize("group, field", [
    ("network", "x"), ("network", "b1"), ("softmax_layer", "x"), ("nllm_example", "a")])
def test_a_layer_over_the_limit_is_one_line_and_status_2(tmp_path, capsys, group, field):
    f = tmp_path / "p.json"
    f.write_text(json.dumps(too_large(group, field)))
    assert main(["key", "--params", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (f"params.{group}.{field}: {MAX_SIZE + 1} entries is larger than the limit "
            f"of {MAX_SIZE} units per layer") in err


def reference_gradients(n: dict):
    """Questions 11-13 by plain NumPy, independent of the derivation."""
    W1, W2, x, y = (np.array(n[k], float) for k in ("W1", "W2", "x", "y"))
    z1 = W1.T @ x + n["b1"]
    a1 = np.maximum(z1, 0)
    z2 = W2.T @ a1 + n["b2"]
    a2 = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    delta2 = a2 - y
    delta1 = (W2 @ delta2) * (z1 > 0)
    return a2, np.outer(a1, delta2), np.outer(x, delta1)


def test_key_at_the_limit_finishes_cold_and_is_right(tmp_path):
    params = square_params(MAX_SIZE)
    f = tmp_path / "p.json"
    f.write_text(json.dumps(params))
    r = subprocess.run([sys.executable, "-m", "derive", "key", "--params", str(f)],
                       capture_output=True, text=True, env={**os.environ, "HANDOUTS_CACHE": "off"})
    assert r.returncode == 0, r.stderr
    answers = json.loads(r.stdout)["answers"]
    a2, dW2, dW1 = reference_gradients(params["network"])
    np.testing.assert_allclose(answers["q11"], a2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(answers["q12"]["grad"], dW2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(answers["q13"]["grad"], dW1, rtol=1e-9, atol=1e-12)
    assert np.shape(answers["q8"]) == (MAX_SIZE, MAX_SIZE)


def test_lambdified_max_is_numpy_max():
    # numeric replaces Max (which compares its arguments symbolically) before cse
    x, y, z = sp.symbols("x y z", real=True)
    exprs = [sp.Max(x + y, z, x - y, evaluate=False), sp.Max(x + y, 0) * sp.exp(z - sp.Max(x, z))]
    f = numeric._lambdify([x, y, z], exprs)
    X, Y, Z = np.random.default_rng(0).normal(size=(3, 50))
    got = f(X, Y, Z)
    np.testing.assert_array_equal(got[0], np.maximum(np.maximum(X + Y, Z), X - Y))
    np.testing.assert_allclose(got[1], np.maximum(X + Y, 0) * np.exp(Z - np.maximum(X, Z)))
