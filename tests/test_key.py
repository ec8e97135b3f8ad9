"""The reference key, checked against a computation that does not use derive."""

import json

import numpy as np
import pytest
import sympy as sp

from derive.key import ITEMS, build_key, build_keys, dumps
from derive.spec import REFERENCE


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.fixture(scope="module")
def key():
    return build_key()


def test_layout_follows_the_answer_key_format(key):
    assert key["schema"] == 1 and key["variant"] == "reference" and key["seed"] is None
    assert list(key["answers"]) == list(ITEMS)
    assert key["params"] == json.loads(json.dumps(REFERENCE.to_json()))
    a = key["answers"]
    assert np.shape(a["q6"]) == (2, 3) and np.shape(a["q8"]) == (2, 3)
    assert np.shape(a["q10"]) == (4,) and np.shape(a["q11"]) == (2,)
    assert np.shape(a["q12"]["grad"]) == (4, 2) and np.shape(a["q12"]["W"]) == (4, 2)
    assert np.shape(a["q13"]["grad"]) == (2, 4) and np.shape(a["q13"]["W"]) == (2, 4)
    assert isinstance(a["q7"], float) and isinstance(a["q9"], float)


def test_symbolic_answers_parse_and_are_right(key):
    z, a, y, x_k = sp.symbols("z a y x_k")
    ans = key["answers"]
    sigma = 1 / (1 + sp.exp(-z))
    assert sp.simplify(sp.sympify(ans["q1"]["sympy"]) - sigma) == 0
    assert sp.simplify(sp.sympify(ans["q2"]["sympy"]) - sp.diff(sigma, z)) == 0
    assert sp.simplify(sp.sympify(ans["q3"]["sympy"]) - (a - y) * x_k) == 0
    for q in ("q1", "q2", "q3", "q4", "q5"):
        assert ans[q]["latex"]


def test_softmax_layer_numbers(key):
    p = REFERENCE.softmax_layer
    W, x, y = np.array(p.W, float), np.array(p.x, float), np.array(p.y, float)
    a = _softmax(W.T @ x)
    grad = np.outer(x, a - y)
    W_new = W - 0.5 * grad
    ans = key["answers"]
    np.testing.assert_allclose(ans["q6"], grad, rtol=1e-14)
    assert ans["q7"] == pytest.approx(a[2], rel=1e-14)
    np.testing.assert_allclose(ans["q8"], W_new, rtol=1e-14)
    assert ans["q9"] == pytest.approx(_softmax(W_new.T @ x)[2], rel=1e-14)
    assert ans["q5"]["value"] == pytest.approx(-np.log(0.1), rel=1e-15)
    # the figures of the original: z = (0, 1, −1)
    assert ans["q7"] == pytest.approx(np.exp(-1) / (1 + np.e + np.exp(-1)))


def test_network_numbers(key):
    p = REFERENCE.network
    W1, b1, W2, b2 = (np.array(v, float) for v in (p.W1, p.b1, p.W2, p.b2))
    x, y = np.array(p.x, float), np.array(p.y, float)
    z1 = W1.T @ x + b1
    a1 = np.maximum(z1, 0)
    a2 = _softmax(W2.T @ a1 + b2)
    d2 = a2 - y
    d1 = (W2 @ d2) * (z1 > 0)
    gW2, gW1 = np.outer(a1, d2), np.outer(x, d1)
    W2n, W1n = W2 - 0.5 * gW2, W1 - 0.5 * gW1
    a2n = _softmax(W2n.T @ np.maximum(W1n.T @ x + b1, 0) + b2)
    ans = key["answers"]
    np.testing.assert_allclose(ans["q10"], [3, 10, 0, 0])
    np.testing.assert_allclose(ans["q11"], a2, rtol=1e-12)
    np.testing.assert_allclose(ans["q12"]["grad"], gW2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ans["q12"]["W"], W2n, rtol=1e-12)
    np.testing.assert_allclose(ans["q13"]["grad"], gW1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ans["q13"]["W"], W1n, rtol=1e-12)
    np.testing.assert_allclose(ans["q14"], a2n, rtol=1e-12)


def test_no_negative_zeros_and_full_precision(key):
    text = dumps(key)
    assert "-0.0," not in text and "-0.0]" not in text
    assert json.loads(text) == key
    assert key["answers"]["q5"]["value"] == 2.302585092994046 or \
        abs(key["answers"]["q5"]["value"] - 2.302585092994046) < 1e-15


def test_batch_and_single_agree():
    from dataclasses import replace
    other = replace(REFERENCE, softmax_layer=replace(REFERENCE.softmax_layer, query_class=0))
    keys = build_keys([REFERENCE, other], ["a", "b"], seed=1)
    assert keys[0]["answers"] == build_key()["answers"]
    assert keys[1]["variant"] == "b" and keys[1]["seed"] == 1
    assert keys[1]["answers"]["q6"] == keys[0]["answers"]["q6"]
    assert keys[1]["answers"]["q7"] != keys[0]["answers"]["q7"]
