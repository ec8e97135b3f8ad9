"""Exact decisions under squared error (identity or ReLU output): the output
error δᴸ = (aᴸ − y) ⊙ f′(zᴸ) compares zᴸ and y on one scale, a ReLU output at
its kink is masked, a sigmoid output is left to float64, and a deep network's
integers stay Python ints (mutation survivors of derive/numerics/exact.py:
``_output_coefficients``)."""

import numpy as np

from derive.numerics import exact, solve
from derive.problem.spec import Layer, Network


def _col(*values) -> np.ndarray:
    return np.array(values, float).reshape(-1, 1)


def _w(rows) -> np.ndarray:
    """A weight matrix of one instance (batch axis last)."""
    return np.array(rows, float)[..., None]


def _net(*layers, loss="mse") -> Network:
    return Network(1, tuple(Layer(n, act) for n, act in layers), loss)


def test_an_output_equal_to_its_decimal_target_sends_exactly_nothing_back():
    # z² = 0.1 + 0.2 = 0.3 = y exactly (one decimal place: z² is over 10³, y over 10¹),
    # but 0.30000000000000004 in float64
    net = _net((1, "relu"), (1, "identity"))
    x, Ws, bs, y = _col(1.0), [_w([[0.1]]), _w([[1.0]])], [_col(0.0), _col(0.2)], _col(0.3)
    assert 0.1 + 0.2 - 0.3 != 0
    (z1, z2), (zero,) = exact.network(net, x, Ws, bs, y)
    assert z2.tolist() == [[0.3]] and zero.tolist() == [[True]]
    # an output off its target by one unit of the last place sends something back
    _, (zero,) = exact.network(net, x, Ws, bs, _col(0.4))
    assert zero.tolist() == [[False]]


def test_a_relu_output_at_its_kink_is_masked():
    # z² = (0, 0.5): the first output unit sits at ReLU's kink (f′ = 0), its error
    # 0 − 0.5 is masked; the second hits its target: W²δ² is exactly 0
    net = _net((2, "relu"), (2, "relu"))
    W1, W2 = _w([[1.0, 1.0]]), _w([[1.0, -1.0], [1.0, 1.0]])
    (z1, z2), (zero,) = exact.network(net, _col(1.0), [W1, W2], [_col(0, 0), _col(-2, 0.5)],
                                      _col(0.5, 0.5))
    assert z2.tolist() == [[0.0], [0.5]]
    assert zero.tolist() == [[True], [True]]


def test_a_sigmoid_output_under_squared_error_is_left_to_float64():
    # z² = y = 1, but δ² = (σ(1) − 1) σ′(1) ≠ 0: nothing is decided exactly, and the
    # gradient of W¹ is the float one, not 0
    net = _net((1, "relu"), (1, "sigmoid"))
    x, Ws, bs, y = _col(1.0), [_w([[1.0]]), _w([[1.0]])], [_col(0.0), _col(0.0)], _col(1.0)
    zs, zero_back = exact.network(net, x, Ws, bs, y)
    assert [z.tolist() for z in zs] == [[[1.0]], [[1.0]]] and zero_back == [None]
    s = 1 / (1 + np.exp(-1.0))
    got = solve.decided_pass(net, x, Ws, bs, y)["dL_dW"][0]
    np.testing.assert_allclose(got[:, :, 0], [[(s - 1) * s * (1 - s)]], rtol=1e-12)


def test_a_deep_network_decides_in_python_ints_beyond_floats_range():
    # 60 identity layers with six-place data: zᴸ is an integer over 10³⁶⁶, beyond any
    # float; the decisions stay exact (and none overflows)
    L = 60
    net = _net(*[(1, "identity")] * L)
    Ws, bs = [_w([[1.0]])] * L, [_col(0.0)] * (L - 1) + [_col(0.000001)]
    for y, zero in ((0.500001, True), (0.5, False)):
        zs, zero_back = exact.network(net, _col(0.5), Ws, bs, _col(y))
        assert zs[-1].tolist() == [[0.500001]]
        assert len(zero_back) == L - 1
        assert all(back.tolist() == [[zero]] for back in zero_back)
