"""Lambdified gradients against central finite differences, and stability."""

from dataclasses import replace

import numpy as np
import pytest

from derive.numerics.evaluate import compile_network, evaluate_network, forward_network, stack
from tests.schema_1.solve import evaluate_nllm, solve, step_network
from derive.problem.spec import REFERENCE, Layer, Network
from tests.factories import varied

NETWORKS = [
    REFERENCE.network.network,
    REFERENCE.softmax_layer.network,
    Network(3, (Layer(5, "tanh"), Layer(4, "sigmoid"), Layer(3, "softmax")), "nllm"),
    Network(3, (Layer(5, "tanh"), Layer(4, "sigmoid"), Layer(3, "identity")), "mse"),
    Network(2, (Layer(3, "relu"), Layer(1, "sigmoid")), "nll"),
    Network(4, (Layer(3, "sigmoid"), Layer(2, "tanh"), Layer(2, "identity")), "mse"),
]
IDS = ["2-4-2 relu", "2-3 softmax", "3-5-4-3 nllm", "3-5-4-3 mse", "2-3-1 nll", "4-3-2-2 mse"]
BATCH = 100  # per network: 600 random instances in all


def _random_instances(net, rng, batch, scale=1.5):
    sizes = net.sizes
    x = rng.normal(0, scale, (sizes[0], batch))
    Ws = [rng.normal(0, scale, (sizes[l], sizes[l + 1], batch)) for l in range(len(sizes) - 1)]
    bs = [rng.normal(0, scale, (sizes[l + 1], batch)) for l in range(len(sizes) - 1)]
    n = sizes[-1]
    if net.loss == "mse":
        y = rng.normal(0, 1, (n, batch))
    elif net.loss == "nll":
        y = rng.integers(0, 2, (n, batch)).astype(float)
    else:
        y = np.eye(n)[rng.integers(0, n, batch)].T
    return x, Ws, bs, y


@pytest.mark.parametrize("net", NETWORKS, ids=IDS)
def test_gradients_match_central_differences(net):
    rng = np.random.default_rng(abs(hash(net.sizes)) % 2**32)
    x, Ws, bs, y = _random_instances(net, rng, BATCH)
    got = evaluate_network(net, x, Ws, bs, y)
    # ReLU has a kink at 0: leave out instances with a pre-activation near it
    away = np.all([np.all(np.abs(z) > 1e-3, axis=0) for z in got.z[:-1]], axis=0) \
        if len(got.z) > 1 else np.ones(BATCH, bool)
    assert away.sum() > 0.8 * BATCH
    h = 1e-6
    for l, W in enumerate(Ws):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                plus, minus = [w.copy() for w in Ws], [w.copy() for w in Ws]
                plus[l][i, j] += h
                minus[l][i, j] -= h
                fd = (evaluate_network(net, x, plus, bs, y).loss
                      - evaluate_network(net, x, minus, bs, y).loss) / (2 * h)
                np.testing.assert_allclose(got.dL_dW[l][i, j][away], fd[away],
                                           rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("net", NETWORKS, ids=IDS)
def test_forward_matches_the_full_pass(net):
    rng = np.random.default_rng(3)
    x, Ws, bs, y = _random_instances(net, rng, 20)
    z, a = forward_network(net, x, Ws, bs)
    full = evaluate_network(net, x, Ws, bs, y)
    for mine, theirs in zip(z + a, full.z + full.a):
        np.testing.assert_allclose(mine, theirs)


@pytest.mark.parametrize("magnitude", [1e2, 1e3, 1e4])
def test_softmax_nllm_is_stable_for_huge_pre_activations(magnitude):
    net = Network(2, (Layer(4, "softmax"),), "nllm")
    rng = np.random.default_rng(0)
    batch = 200
    x = np.ones((2, batch))
    W = rng.uniform(-magnitude / 2, magnitude / 2, (2, 4, batch))
    y = np.eye(4)[rng.integers(0, 4, batch)].T
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = evaluate_network(net, x, [W], [np.zeros((4, batch))], y)
    assert np.all(np.isfinite(p.loss)) and np.all(p.loss >= 0)
    assert np.all(np.isfinite(p.dL_dW[0]))
    assert np.all(np.isfinite(p.a[0])) and np.allclose(p.a[0].sum(axis=0), 1)
    # ∂L/∂z = a − y sums to 0 over the classes
    np.testing.assert_allclose(p.delta[0].sum(axis=0), 0, atol=1e-12)
    assert np.abs(p.z[0]).max() > magnitude / 4


def test_sigmoid_nll_and_relu_are_stable_for_huge_pre_activations():
    net = Network(1, (Layer(3, "relu"), Layer(1, "sigmoid")), "nll")
    batch = 4
    x = np.array([[1e4, -1e4, 1.0, 0.0]])
    W1 = np.ones((1, 3, batch))
    W2 = np.stack([np.full((3, 1), v) for v in (1.0, -1.0, 1e4, -1e4)], axis=-1)
    y = np.array([[0.0, 1.0, 0.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = evaluate_network(net, x, [W1, W2], [np.zeros((3, batch)), np.zeros((1, batch))], y)
    assert np.all(np.isfinite(p.loss)) and np.all(np.isfinite(p.dL_dW[0]))


def test_relu_derivative_at_zero_is_zero():
    net = Network(1, (Layer(2, "relu"), Layer(2, "softmax")), "nllm")
    x = np.array([[1.0]])
    W1 = np.array([[[0.0], [1.0]]]).reshape(1, 2, 1)
    p = evaluate_network(net, x, [W1, np.ones((2, 2, 1))], [np.zeros((2, 1)), np.zeros((2, 1))],
                         np.array([[1.0], [0.0]]))
    assert p.f_prime[0][0, 0] == 0 and p.f_prime[0][1, 0] == 1
    assert np.all(p.dL_dW[0][:, 0] == 0)


def test_nllm_of_the_worked_example():
    value = evaluate_nllm(np.array([[0.1], [0.4], [0.5]]), np.array([[1], [0], [0]]))
    assert value[0] == pytest.approx(np.log(10), rel=1e-15)


def _kink_network():
    """z¹₁ = 0.1·1 + 0.2·1 − 0.3: 0 exactly, 5.55e-17 in float64."""
    return replace(REFERENCE.network, W1=((0.1, 1, -1, 0), (0.2, 0, 1, 1)),
                   b1=(-0.3, 0.5, 0.1, -0.2), x=(1, 1))


def test_the_relu_kink_is_decided_exactly():
    p = _kink_network()
    x, W1, b1, W2, b2, y = (stack([v]) for v in (p.x, p.W1, p.b1, p.W2, p.b2, p.y))
    floats = evaluate_network(p.network, x, [W1, W2], [b1, b2], y)
    assert floats.z[0][0, 0] != 0 and floats.f_prime[0][0, 0] == 1  # float64 alone: active
    s = solve([replace(REFERENCE, network=p)])[0].network
    assert s.z1[0] == 0 and s.mask[0] == 0 and s.a1[0] == 0 and s.delta1[0] == 0
    assert np.all(s.dL_dW1[:, 0] == 0) and np.all(s.dL_dW2[0] == 0)
    assert np.all(s.W1_new[:, 0] == np.array(p.W1)[:, 0])  # a dead unit's weights stay
    assert s.mask.tolist() == [0, 1, 1, 1]


def test_exact_decisions_agree_with_float64_away_from_them():
    # the reference and varied instances: the same numbers as the lambdified pass
    ps = [p.network for p in varied(200, seed=4)]
    args = [stack([getattr(p, f) for p in ps]) for f in ("x", "W1", "b1", "W2", "b2", "y", "lr")]
    s = step_network(ps[0].network, *args)
    raw = evaluate_network(ps[0].network, args[0], [args[1], args[3]], [args[2], args[4]], args[5])
    away = np.all(np.abs(raw.z[0]) > 1e-9, axis=0)
    assert away.sum() > 50
    for mine, theirs in [(s.z1, raw.z[0]), (s.a1, raw.a[0]), (s.mask, raw.f_prime[0]),
                         (s.dL_dW1, raw.dL_dW[0]), (s.dL_dW2, raw.dL_dW[1])]:
        np.testing.assert_allclose(mine[..., away], theirs[..., away], rtol=1e-13, atol=1e-13)


DEEP = [
    Network(3, (Layer(4, "relu"), Layer(3, "tanh"), Layer(3, "softmax")), "nllm"),
    Network(2, (Layer(3, "sigmoid"), Layer(3, "relu"), Layer(2, "tanh"), Layer(2, "identity")),
            "mse"),
    Network(3, (Layer(3, "tanh"), Layer(3, "sigmoid"), Layer(2, "relu"), Layer(1, "sigmoid")),
            "nll"),
]
DEEP_IDS = ["3-4-3-3 relu tanh nllm", "2-3-3-2-2 mse", "3-3-3-2-1 nll"]


def _inlined(net):
    """The forward pass, loss and gradients lambdified from the inlined
    expressions (every layer composed into the next): the old way."""
    from derive.calculus.backprop import derive_backprop
    from derive.numerics.evaluate import _lambdify
    bp = derive_backprop(net, stable=True)
    outputs = [e for v in bp.z + bp.a for e in v] + [bp.loss]
    outputs += [e for v in bp.delta for e in v] + [e for W in bp.dL_dW for e in W]
    return _lambdify(bp.symbols.flat(), outputs + [e for v in bp.back + bp.f_prime for e in v])


@pytest.mark.parametrize("net", DEEP + NETWORKS[2:4], ids=DEEP_IDS + IDS[2:4])
def test_layer_by_layer_equals_the_inlined_expressions(net):
    """Evaluated step by step or composed, the same numbers on 200 random instances."""
    from derive.numerics.evaluate import _flat_args
    rng = np.random.default_rng(11)
    args = _flat_args(*_random_instances(net, rng, 200))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        theirs = _inlined(net)(*args)
    mine = compile_network.__wrapped__(net, use_cache=False).full(*args)
    assert len(mine) == len(theirs)
    # the two orders of summation differ by rounding only (a few ulp of the terms)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(np.broadcast_to(m, (200,)), np.broadcast_to(t, (200,)),
                                   rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("net", DEEP, ids=DEEP_IDS)
def test_deep_gradients_match_central_differences(net):
    rng = np.random.default_rng(5)
    batch = 40
    x, Ws, bs, y = _random_instances(net, rng, batch, scale=1.0)
    got = evaluate_network(net, x, Ws, bs, y)
    away = np.all([np.all(np.abs(z) > 1e-3, axis=0) for z in got.z[:-1]], axis=0)
    assert away.sum() > 0.8 * batch
    h = 1e-6
    for l, W in enumerate(Ws):
        for i, j in np.ndindex(W.shape[:2]):
            plus, minus = [w.copy() for w in Ws], [w.copy() for w in Ws]
            plus[l][i, j] += h
            minus[l][i, j] -= h
            fd = (evaluate_network(net, x, plus, bs, y).loss
                  - evaluate_network(net, x, minus, bs, y).loss) / (2 * h)
            np.testing.assert_allclose(got.dL_dW[l][i, j][away], fd[away], rtol=1e-5, atol=1e-6)
        # ∂ℓ/∂w0ˡ = δˡ
        for j in range(bs[l].shape[0]):
            plus, minus = [b.copy() for b in bs], [b.copy() for b in bs]
            plus[l][j] += h
            minus[l][j] -= h
            fd = (evaluate_network(net, x, Ws, plus, y).loss
                  - evaluate_network(net, x, Ws, minus, y).loss) / (2 * h)
            np.testing.assert_allclose(got.delta[l][j][away], fd[away], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("magnitude", [1e2, 1e4])
def test_a_deep_network_is_stable_for_huge_pre_activations(magnitude):
    """Pre-activations up to 1e4 in every layer: no overflow, no NaN (errors raised)."""
    net = Network(2, (Layer(3, "relu"), Layer(3, "tanh"), Layer(3, "sigmoid"),
                      Layer(4, "softmax")), "nllm")
    rng = np.random.default_rng(2)
    x, Ws, bs, y = _random_instances(net, rng, 100)
    Ws = [W * magnitude for W in Ws]
    p = evaluate_network(net, x, Ws, bs, y)  # raises on overflow or invalid values
    assert max(np.abs(z).max() for z in p.z) > magnitude / 10
    for v in (p.loss, *p.a, *p.delta, *p.dL_dW):
        assert np.all(np.isfinite(v))


@pytest.mark.parametrize("net", NETWORKS[:2], ids=IDS[:2])
def test_the_reference_networks_give_the_same_bits_as_the_inlined_expressions(net):
    """The printed answers of the reference do not move: step by step, the
    same floating-point operations as the composed expressions."""
    from derive.numerics.evaluate import _flat_args
    args = _flat_args(*_random_instances(net, np.random.default_rng(12), 500))
    for m, t in zip(compile_network.__wrapped__(net, use_cache=False).full(*args),
                    _inlined(net)(*args)):
        np.testing.assert_array_equal(m, t)
