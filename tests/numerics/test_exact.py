"""Exact decisions on the given data, against Fractions and 60-digit mpmath."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from derive.numerics import exact
from derive.problem.spec import Layer, Network


def _layer_z(x, W, b):
    """z of a softmax layer by exact.network (None: not short decimals)."""
    y = np.zeros(np.shape(b))
    out = exact.network(Network(len(x), (Layer(len(b), "softmax"),), "nllm"), x, [W], [b], y)
    return None if out is None else out[0][0]


def _hidden(x, W1, b1, W2, b2, y):
    """z¹, z² and where W²δ² is exactly 0 of the ReLU/softmax network by exact.network."""
    net = Network(len(x), (Layer(len(b1), "relu"), Layer(len(b2), "softmax")), "nllm")
    (z1, z2), (zero,) = exact.network(net, x, [W1, W2], [b1, b2], y)
    return z1, z2, zero


def test_places_takes_short_decimals_only():
    assert exact.places([1, -2], [[3]]) == 0
    assert exact.places([0.1, -2, 123456.654321]) == 6
    assert exact.scaled([0.1, -2, 123456.654321], 6).tolist() == [100000, -2000000, 123456654321]
    assert exact.places([0.25, 0.5]) == 2
    assert exact.places([0.1 + 0.2]) is None        # 0.30000000000000004
    assert exact.places([1 / 3]) is None
    assert exact.places([1e-7]) is None
    assert exact.places([2e6]) is None              # beyond the spec's magnitude


def test_layer_z_is_the_correctly_rounded_exact_value():
    # 0.1 + 0.2 − 0.3 is 5.55e-17 in float64 and 0 exactly
    x, W, b = np.array([[1.0], [1.0]]), np.array([[[0.1]], [[0.2]]]), np.array([[-0.3]])
    assert (W[:, 0, 0] @ x[:, 0] + b[0, 0]) != 0
    assert _layer_z(x, W, b).tolist() == [[0.0]]
    rng = np.random.default_rng(5)
    x, W, b = (np.round(rng.normal(0, 3, s), 6) for s in ((3, 50), (3, 2, 50), (2, 50)))
    got = _layer_z(x, W, b)
    frac = lambda v: Fraction(repr(float(v)))  # noqa: E731
    for k in range(50):
        for j in range(2):
            want = sum(frac(W[i, j, k]) * frac(x[i, k]) for i in range(3)) + frac(b[j, k])
            assert got[j, k] == float(want)


def test_not_short_decimals_decide_nothing():
    x = np.full((2, 1), 1 / 3)
    assert _layer_z(x, np.ones((2, 2, 1)), np.zeros((2, 1))) is None


def _back_mp(x, W1, b1, W2, b2, y):
    """W²δ² at 60 digits, z¹ and z² from Fractions (exact), then exp."""
    with mpmath.workdps(60):
        f = lambda v: Fraction(repr(float(v)))  # noqa: E731
        z1 = [sum(f(W1[i][h]) * f(x[i]) for i in range(len(x))) + f(b1[h]) for h in range(len(b1))]
        a1 = [max(z, Fraction(0)) for z in z1]
        z2 = [sum(f(W2[h][j]) * a1[h] for h in range(len(a1))) + f(b2[j]) for j in range(len(b2))]
        e = [mpmath.exp(mpmath.mpf(z.numerator) / z.denominator) for z in z2]
        a2 = [v / sum(e) for v in e]
        d2 = [a - t for a, t in zip(a2, y)]
        return [sum(W2[h][j] * d2[j] for j in range(len(d2))) for h in range(len(a1))]


def test_zero_back_agrees_with_60_digits():
    # entries from −1…1 in 2-3-3 networks: many ties in z², many exact zeros
    rng = np.random.default_rng(11)
    B = 300
    x = rng.integers(-1, 2, (2, B)).astype(float)
    W1, b1 = rng.integers(-1, 2, (2, 3, B)) / 2, rng.integers(-1, 2, (3, B)) / 2
    W2, b2 = rng.integers(-1, 2, (3, 3, B)).astype(float), rng.integers(-1, 2, (3, B)) / 2
    y = np.eye(3)[rng.integers(0, 3, B)].T
    z1, z2, zero = _hidden(x, W1, b1, W2, b2, y)
    zeros = 0
    for k in range(B):
        take = lambda a: a[..., k].tolist()  # noqa: E731
        back = _back_mp(*(take(a) for a in (x, W1, b1, W2, b2, y)))
        want = [abs(v) < mpmath.mpf(10) ** -40 for v in back]
        assert zero[:, k].tolist() == want, k
        zeros += sum(want)
    assert 0.05 * 3 * B < zeros < 0.9 * 3 * B  # the test sees both cases


def test_hidden_kink_is_exact():
    x = np.array([[1.0], [1.0]])
    W1 = np.array([[[0.1], [1.0]], [[0.2], [1.0]]])
    b1 = np.array([[-0.3], [0.0]])
    W2, b2, y = np.ones((2, 2, 1)), np.zeros((2, 1)), np.array([[0.0], [1.0]])
    z1, z2, zero = _hidden(x, W1, b1, W2, b2, y)
    assert z1[:, 0].tolist() == [0.0, 2.0] and z2[:, 0].tolist() == [2.0, 2.0]
    assert zero[:, 0].tolist() == [True, True]  # rows of W² all equal: W²δ² = 0


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_is_not_exact(bad):
    assert exact.places([bad]) is None


def test_large_six_place_data_fall_back_to_python_ints():
    # z² is scaled by 10¹⁸ here: beyond float64's integers, exact in Python ints
    x = np.array([[999999.999999], [0.000001]])
    W1 = np.array([[[1.000001], [-1.0]], [[1.0], [1.0]]])
    b1 = np.array([[-999999.999999], [999999.999998]])
    W2 = np.array([[[1.0], [1.0]], [[0.5], [0.5]]])
    b2, y = np.zeros((2, 1)), np.array([[1.0], [0.0]])
    z1, z2, zero = _hidden(x, W1, b1, W2, b2, y)
    f = Fraction
    want = f("1.000001") * f("999999.999999") + f("0.000001") - f("999999.999999")
    assert z1[0, 0] == float(want) and z1[1, 0] == 0.0
    assert z2[0, 0] == z2[1, 0] == float(want) and zero[:, 0].tolist() == [True, True]
