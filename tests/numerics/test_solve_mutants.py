"""The decided pass of derive/numerics/solve.py on data where float64 gets
the decisions wrong: ReLUs exactly at their kinks whose float pre-activation
is 0.1 + 0.2 − 0.3 = 5.6e-17, outputs exactly at their targets, batches where
only some instances change, Wδ sums SymPy orders otherwise than einsum
(mutation survivors of ``decided_pass`` and ``solve_batch``)."""

from fractions import Fraction

import numpy as np
import pytest

from derive.numerics.evaluate import evaluate_network
from derive.numerics.solve import decided_pass, solve_part, solve_parts
from derive.problem.assignment import PartData
from derive.problem.spec import Layer, Network
from tests.numerics import plain_network as plain
from tests.numerics.test_solve import _exact_backward, _exact_forward, _is_zero

# 0.1, 0.2 and 0.3 make sums exactly 0 that float64 makes 5.6e-17; inputs of
# 0 or 1 and weights of 0 or ±1 above the first layer keep every layer's sums
# to tenths, so ties happen at every depth
TENTHS = [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]


def _net(*layers, loss="mse", inputs=3) -> Network:
    return Network(inputs, tuple(Layer(n, act) for n, act in layers), loss)


def _tie_heavy_datas(net, count, seed, upper=(-1, 0, 1)):
    """Short-decimal instances: weights above the first layer from ``upper``."""
    rng = np.random.default_rng(seed)
    pick = lambda *shape, grid=TENTHS: np.array(grid)[rng.integers(0, len(grid), shape)].tolist()  # noqa: E731
    s, n = net.sizes, net.sizes[-1]
    datas = []
    for _ in range(count):
        y = np.eye(n)[rng.integers(n)].tolist() if net.loss == "nllm" else pick(n)
        datas.append(PartData(W=tuple(tuple(map(tuple, pick(s[l], s[l + 1],
                                                             grid=upper if l else TENTHS)))
                                      for l in range(len(s) - 1)),
                              b=tuple(tuple(pick(m)) for m in s[1:]), x=tuple(rng.integers(0, 2, s[0]).tolist()),
                              y=tuple(y), lr=0.5))
    return datas


def _exact_deltas(net, d, zs, as_):
    """δ of every layer and Wδ of every hidden one, exactly (test_solve's
    reference); a ReLU output's unit at or below its kink is passed to it as
    its target, so that its δᴸ = aᴸ − y is the masked 0."""
    if net.layers[-1].activation == "relu":
        as_ = as_[:-1] + [[a if z > 0 else Fraction(str(y))
                           for a, y, z in zip(as_[-1], d.y, zs[-1])]]
    return _exact_backward(net, d, zs, as_)


def _float_masks_wrong(net, datas):
    """How many instances have a hidden ReLU mask float64 gets wrong."""
    x, y = plain.stacked(datas, "x"), plain.stacked(datas, "y")
    Ws, bs = plain.stacked(datas, "W"), plain.stacked(datas, "b")
    floats = evaluate_network(net, x, Ws, bs, y).f_prime
    decided = decided_pass(net, x, Ws, bs, y)["f_prime"]
    return int(sum(np.any(u != v, axis=0) for u, v in zip(floats, decided)).astype(bool).sum())


def _assert_exact(got, want):
    """``got`` is 0.0 (never −0.0) where ``want`` is exactly 0, else close to it."""
    for g, w in zip(np.ravel(got).tolist(), want):
        if _is_zero(w):
            assert g == 0.0 and not np.signbit(g)
        else:
            assert g == pytest.approx(float(w), rel=1e-12)


NETS = [_net((3, "relu"), (3, "relu"), (2, "softmax"), loss="nllm"),
        _net((3, "relu"), (3, "relu"), (2, "identity")),
        _net((3, "relu"), (3, "relu"), (2, "relu")),
        _net((3, "relu"), (2, "relu")),
        _net((3, "relu"), (2, "identity")),
        _net((3, "relu"), (3, "relu"), (3, "relu"), (2, "softmax"), loss="nllm")]


@pytest.mark.parametrize("net", NETS, ids=lambda n: "-".join(l.activation for l in n.layers))
def test_every_number_is_exact_where_float_masks_are_wrong(net):
    """Every a, δ, Wδ and ∂ℓ/∂W is the exact value (an exact 0 as +0.0) on
    data where float64 puts ReLUs on the wrong side of their kinks."""
    datas = _tie_heavy_datas(net, 100, seed=len(net.layers) * 10 + len(NETS[0].layers))
    assert _float_masks_wrong(net, datas) >= 2   # the decisions matter
    sols = solve_parts(plain.part_with_steps(net, ["W1"]), datas)
    for d, s in zip(datas, sols):
        zs, as_ = _exact_forward(net, d)
        deltas, backs = _exact_deltas(net, d, zs, as_)
        inputs = [[Fraction(str(v)) for v in d.x]] + as_[:-1]
        for l in range(len(net.layers)):
            if l < len(net.layers) - 1 or net.loss == "mse":   # not a softmax's aᴸ
                _assert_exact(s.a[l], as_[l])
            _assert_exact(s.delta[l], deltas[l])
            _assert_exact(s.dL_dW[l], [a * g for a in inputs[l] for g in deltas[l]])
        for l in range(len(net.layers) - 1):
            _assert_exact(s.back[l], backs[l])


def _pass(net, datas):
    """evaluate_network's float pass and the decided pass of a batch."""
    x, y = plain.stacked(datas, "x"), plain.stacked(datas, "y")
    Ws, bs = plain.stacked(datas, "W"), plain.stacked(datas, "b")
    return evaluate_network(net, x, Ws, bs, y), decided_pass(net, x, Ws, bs, y), Ws


# Wδ of three or more terms, einsum and the lambdified sum may round differently:
# a softmax's δ is formed otherwise, and SymPy orders the terms of eleven outputs
# as δ₁, δ₁₀, δ₁₁, δ₂, …
WIDE = [NETS[0], NETS[-1], _net((3, "relu"), (3, "relu"), (11, "identity")),
        _net((3, "relu"), (3, "relu"), (3, "relu"), (11, "identity"))]


@pytest.mark.parametrize("net", WIDE, ids=lambda n: "-".join(map(str, n.sizes)))
def test_where_float64_decided_right_the_lambdified_wdelta_is_kept(net):
    """An instance whose float masks and output error were right keeps the
    lambdified Wˡ⁺¹δˡ⁺¹ (bar its exact zeros), not one re-formed by einsum,
    which rounds differently; only the others are re-formed."""
    p, dp, Ws = _pass(net, _tie_heavy_datas(net, 100, seed=3, upper=TENTHS + [0.5, 1]))
    right = np.all([np.all(u == v, axis=0) for u, v in zip(p.f_prime, dp["f_prime"])]
                   + [np.all(p.delta[-1] == dp["delta"][-1], axis=0)], axis=0)
    assert 0 < right.sum() < len(right)
    rounds_differently = 0
    for l in range(len(net.layers) - 1):
        kept = np.where(dp["back"][l] == 0.0, 0.0, p.back[l])
        assert np.array_equal(dp["back"][l][:, right], kept[:, right])
        einsum = np.einsum("ijb,jb->ib", Ws[l + 1], dp["delta"][l + 1])
        rounds_differently += np.sum(((einsum != p.back[l]) & (kept != 0.0))[:, right])
    assert rounds_differently > 0


def _one_input(*layers) -> Network:
    return _net(*layers, inputs=1)


def test_a_tie_two_hidden_layers_down_is_decided_behind_an_undecided_layer():
    """z²₁ = (0.1 + 0.2) − 0.3 is exactly 0 (float64: 5.6e-17), so δ²₁ = 0; the
    layers above round the 5.6e-17 away (masks and δᴸ as float64 has them),
    yet W²δ² must be formed from the decided δ²: (4.2, 4.2), not (6.3, 4.2)."""
    net = _one_input((2, "relu"), (2, "relu"), (2, "relu"), (1, "identity"))
    data = PartData(W=(((0.1, 1),), ((1, 1), (0, 1)), ((1, 0), (1, 1)), ((1,), (1,))),
                    b=((0.2, 0), (-0.3, 0), (0, 0), (0,)), x=(1,), y=(0.5,), lr=0.5)
    p, dp, _ = _pass(net, [data])
    # float64 is wrong in layer 2's mask only, and right about δᴸ = 2.6 − 0.5
    assert [np.array_equal(u, v) for u, v in zip(p.f_prime, dp["f_prime"])] == [True, False, True]
    assert np.array_equal(p.delta[-1], dp["delta"][-1])
    s = solve_part(plain.part_with_steps(net, ["W1"]), data)
    assert s.delta[1].tolist() == [0.0, pytest.approx(4.2, rel=1e-15)]
    assert s.back[0].tolist() == pytest.approx([4.2, 4.2], rel=1e-15)
    assert s.dL_dW[0][0].tolist() == pytest.approx([4.2, 4.2], rel=1e-15)


def test_an_output_at_its_target_sends_back_only_the_other_outputs_error():
    """z²₁ = 0.1 + 0.2 = 0.3 = y₁ exactly (float64's δ²₁: 5.6e-17), no mask is
    wrong: W²δ² is formed from the decided δ² (δ²₁ = 0), not float64's."""
    net = _one_input((1, "relu"), (2, "identity"))
    data = PartData(W=(((0.1,),), ((1, 1),)), b=((0.2,), (0, 0.5)), x=(1,), y=(0.3, 0.5), lr=0.5)
    p, dp, _ = _pass(net, [data])
    assert np.array_equal(p.f_prime[0], dp["f_prime"][0]) and p.delta[-1][0, 0] != 0
    s = solve_part(plain.part_with_steps(net, ["W1"]), data)
    assert s.delta[1][0] == 0.0
    assert s.back[0].tolist() == [s.delta[1][1]]   # 1·δ²₁ + 1·δ²₂, δ²₁ = 0
    assert p.back[0][0, 0] != s.delta[1][1]          # float64's 5.6e-17 shows
    assert s.dL_dW[0].tolist() == [[s.back[0][0]]]


def test_a_step_of_nothing_from_a_negative_zero_gives_a_positive_zero():
    """W¹ given as −0.0 (a rounded −0.04, say) with a zero gradient (its ReLU
    is off): the stepped W¹ is 0.0, never shown as −0."""
    net = _one_input((1, "relu"), (1, "identity"))
    data = PartData(W=(((-0.0,),), ((1,),)), b=((-1,), (0,)), x=(1,), y=(0.5,), lr=0.5)
    s = solve_part(plain.part_with_steps(net, ["W1"]), data)
    assert s.dL_dW[0].tolist() == [[0.0]]
    assert s.new["W1"].tolist() == [[0.0]] and not np.signbit(s.new["W1"][0, 0])

