"""The reference key, checked against a computation that does not use derive."""

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.numerics.key import ITEMS, build_key, build_keys, dumps
from derive.problem.spec import REFERENCE


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


def _exact_zeros(p) -> dict[str, np.ndarray]:
    """Which entries of q6, q12 and q13 are exactly 0: linear parts in Fractions,
    softmax at 50 digits."""
    f = lambda v: Fraction(repr(float(v)))  # noqa: E731

    def softmax(z):
        e = [mpmath.exp(mpmath.mpf(v.numerator) / v.denominator) for v in z]
        return [v / sum(e) for v in e]

    def linear(W, x, b):
        return [sum(f(W[i][j]) * x[i] for i in range(len(x))) + f(b[j]) for j in range(len(b))]

    with mpmath.workdps(50):
        L, N = p.softmax_layer, p.network
        x = [f(v) for v in L.x]
        d = [a - t for a, t in zip(softmax(linear(L.W, x, L.b)), L.y)]
        q6 = [[xi * di for di in d] for xi in x]
        x = [f(v) for v in N.x]
        z1 = linear(N.W1, x, N.b1)
        a1 = [max(v, Fraction(0)) for v in z1]
        d2 = [a - t for a, t in zip(softmax(linear(N.W2, a1, N.b2)), N.y)]
        d1 = [sum(N.W2[h][j] * d2[j] for j in range(len(d2))) * (z1[h] > 0)
              for h in range(len(z1))]
        q12 = [[a * dj for dj in d2] for a in a1]
        q13 = [[xi * dh for dh in d1] for xi in x]
        tiny = mpmath.mpf(10) ** -40
        return {q: np.array([[abs(v) < tiny for v in r] for r in m])
                for q, m in (("q6", q6), ("q12", q12), ("q13", q13))}


def test_exact_zeros_are_zeros_in_the_key():
    # W² rows with equal entries make W²δ² exactly 0 (δ² sums to 0), which float64
    # computes as ±1e-16 in about a fifth of such instances; the kink of ReLU likewise
    from dataclasses import replace
    from tests.factories import varied
    kink = replace(REFERENCE.network, W1=((0.1, 1, -1, 0), (0.2, 0, 1, 1)),
                   b1=(-0.3, 0.5, 0.1, -0.2), x=(1, 1))
    instances = varied(300, seed=8) + [replace(REFERENCE, network=kink)]
    keys = build_keys(instances, [str(i) for i in range(len(instances))])
    zeros = 0
    for p, k in zip(instances, keys):
        a = k["answers"]
        got = {"q6": a["q6"], "q12": a["q12"]["grad"], "q13": a["q13"]["grad"]}
        for q, want in _exact_zeros(p).items():
            # (not the converse: float64 rounds a_c − 1 to 0 when a_c is within 1e-16
            # of 1, a cancellation of the derived δ = a − y this test leaves alone)
            assert np.all(np.array(got[q])[want] == 0), (k["variant"], q)
            zeros += want.sum()
    assert zeros > 300
    # the kink instance: no float noise at all, in the key or what inherits it
    from derive.variants.exports import keys_csv, moodle_xml
    for text in (dumps(keys[-1]), keys_csv(keys[-1:]), moodle_xml(keys[-1:])):
        assert "e-1" not in text and "E-1" not in text
