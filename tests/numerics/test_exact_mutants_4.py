"""Exact integer arithmetic at its edges: scaled data of any float dtype, a
bias whose scaled product passes float64's integers, the float64 path chosen
per instance, an empty batch, and the floats handed back (float64, never
−0.0) (mutation survivors of derive/numerics/exact.py: ``scaled``,
``linear``, ``to_float``)."""

from fractions import Fraction

import numpy as np
import pytest

from derive.numerics import exact
from derive.problem.spec import Layer, Network


def _softmax_z(x, W, b):
    """z of a one-layer softmax network by exact.network (one instance)."""
    net = Network(len(x), (Layer(len(b), "softmax"),), "nllm")
    col = lambda v: np.array(v, float)[..., None]  # noqa: E731
    (z,), _ = exact.network(net, col(x), [col(W)], [col(b)], col(np.eye(len(b))[0]))
    return z


def test_scaled_float32_data_are_exact_float64_integers():
    # 999999.125 is a float32; × 10³ it needs 30 bits, more than float32's 24
    v = np.array([999999.125, -0.5], np.float32)
    assert exact.places(v) == 3
    got = exact.scaled(v, 3)
    assert got.dtype == np.float64 and got.tolist() == [999999125.0, -500.0]


def test_a_large_bias_on_a_zero_input_is_the_exact_decimal():
    # b·10⁶ = 610569418009·10⁶ passes 2⁵³: in float64 it would round, and z would
    # come back as 610569.4180089999; W x = 0 adds nothing to the bound
    assert float(610569418009) * 1e6 / 1e12 != 610569.418009
    z = _softmax_z([0.0], [[1.0]], [610569.418009])
    assert z.tolist() == [[610569.418009]]


def test_linear_bounds_each_instance_alone_so_a_batch_stays_in_float64():
    # ten instances, each W·x ≈ 10¹⁵ < 2⁵² ≈ 4.5·10¹⁵ (together 10¹⁶ would not be)
    B = 10
    W = np.full((1, 1, B), 31622776.0)
    x = np.full((1, B), 31622776.0)
    z = exact.linear(W, x, np.zeros((1, B)), 10**6)
    assert z.dtype == np.float64 and z.tolist() == [[31622776.0**2] * B]


def test_an_empty_batch_decides_nothing_and_raises_nothing():
    net = Network(2, (Layer(3, "relu"), Layer(2, "softmax")), "nllm")
    zs, (zero,) = exact.network(net, np.zeros((2, 0)), [np.zeros((2, 3, 0)),
                                np.zeros((3, 2, 0))], [np.zeros((3, 0)), np.zeros((2, 0))],
                                np.zeros((2, 0)))
    assert [z.shape for z in zs] == [(3, 0), (2, 0)] and zero.shape == (3, 0)


def test_decisions_in_python_ints_come_back_as_float64():
    # W·x ≈ 10²⁴: beyond float64's integers, so z is computed in Python ints
    z = _softmax_z([999999.999999], [[999999.999999, -0.000001]], [0.0, 0.5])
    assert z.dtype == np.float64
    big = Fraction("999999.999999")
    assert z[:, 0].tolist() == [float(big * big), -0.499999999999]


def _deep_underflow():
    """z of 60 identity layers: about −10⁻³⁴⁸ in Python ints, below the least float."""
    L = 60
    net = Network(1, tuple(Layer(1, "identity") for _ in range(L)), "mse")
    one = lambda v: np.array([[v]])  # noqa: E731
    Ws = [np.array([[[999999.0]]])] + [np.array([[[0.000001]]])] * (L - 1)
    zs, _ = exact.network(net, one(-1.0), Ws, [one(0.0)] * L, one(0.0))
    return zs[-1]


@pytest.mark.parametrize("z", [
    # NumPy's float sums start from +0.0 today, so linear gives no −0.0 itself;
    # to_float does not rely on that
    pytest.param(lambda: exact.to_float(np.array([[-0.0]]), 10**6), id="float64 -0.0"),
    pytest.param(_deep_underflow, id="python-ints underflow"),
])
def test_an_exact_zero_comes_back_as_plus_zero(z):
    got = z()
    assert got.tolist() == [[0.0]] and not np.signbit(got).any()
