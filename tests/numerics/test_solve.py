"""solve_part / solve_parts against an independent NumPy forward pass and
central finite differences, over random networks of every activation, loss
and depth; the step; exact decisions; stability for large pre-activations."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from derive.numerics.solve import loss_value, solve_part, solve_parts
from derive.problem.assignment import PartData
from derive.problem.spec import Layer, Network
from tests.numerics import plain_network as plain

NETWORKS = 24
BATCH = 20   # 480 random instances in all


def _stack(solutions, get):
    return np.stack([np.asarray(get(s), float) for s in solutions], axis=-1)


@pytest.mark.parametrize("i", range(NETWORKS))
def test_every_number_agrees_with_an_independent_computation(i):
    rng = np.random.default_rng(100 + i)
    net = plain.random_network(i, rng)
    x, Ws, bs, y, lr = plain.random_instances(net, rng, BATCH)
    names = [f"{g}{l}" for l in range(1, len(net.layers) + 1) for g in "Wb"]
    steps = [n for n in names if rng.random() < 0.5] or [names[-2]]
    part = plain.part_with_steps(net, steps)
    sols = solve_parts(part, plain.to_datas(x, Ws, bs, y, lr))
    # the data went through PartData as floats: the same numbers
    zs, as_ = plain.forward(net, x, Ws, bs)
    for l in range(len(net.layers)):
        np.testing.assert_allclose(_stack(sols, lambda s: s.z[l]), zs[l], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(_stack(sols, lambda s: s.a[l]), as_[l], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose([s.loss for s in sols], plain.loss(net, as_[-1], y), rtol=1e-10, atol=1e-15)
    dW, db = plain.finite_differences(net, x, Ws, bs, y)
    for l in range(len(net.layers)):
        np.testing.assert_allclose(_stack(sols, lambda s: s.dL_dW[l]), dW[l], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(_stack(sols, lambda s: s.dL_db[l]), db[l], rtol=1e-5, atol=1e-6)
        assert np.array_equal(_stack(sols, lambda s: s.dL_db[l]), _stack(sols, lambda s: s.delta[l]))
    # the step: exactly param − lr · grad for the step's parameters, the rest held
    new = {}
    for name in names:
        given = (Ws if name[0] == "W" else bs)[int(name[1:]) - 1]
        got = _stack(sols, lambda s: s.new[name])
        if name in steps:
            expected = given - lr * _stack(sols, lambda s: s.grad(name))
            assert np.array_equal(got, expected), name
        else:
            assert np.array_equal(got, given), name
        new[name] = got
    L = len(net.layers)
    new_W, new_b = [new[f"W{l}"] for l in range(1, L + 1)], [new[f"b{l}"] for l in range(1, L + 1)]
    z_after, a_after = plain.forward(net, x, new_W, new_b)
    for l in range(L):
        np.testing.assert_allclose(_stack(sols, lambda s: s.after.a[l]), a_after[l],
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([s.after.loss for s in sols], plain.loss(net, a_after[-1], y),
                               rtol=1e-9, atol=1e-12)


def test_batched_is_the_same_as_one_at_a_time():
    rng = np.random.default_rng(7)
    net = Network(3, (Layer(4, "tanh"), Layer(3, "relu"), Layer(2, "softmax")), "nllm")
    datas = plain.to_datas(*plain.random_instances(net, rng, 5))
    part = plain.part_with_steps(net, ["W1", "b3"])
    for batched, d in zip(solve_parts(part, datas), datas):
        one = solve_part(part, d)
        for name in ("z", "a", "delta", "back", "f_prime", "dL_dW", "dL_db"):
            for u, v in zip(getattr(batched, name), getattr(one, name)):
                assert np.array_equal(u, v), name
        assert batched.loss == one.loss and batched.after.loss == one.after.loss
        assert all(np.array_equal(batched.new[k], one.new[k]) for k in one.new)


def test_a_part_without_a_step_has_nothing_after_it():
    rng = np.random.default_rng(8)
    net = Network(2, (Layer(2, "sigmoid"),), "nll")
    data = plain.to_datas(*plain.random_instances(net, rng, 1))[0]
    s = solve_part(plain.part_with_steps(net, [], given=data))
    assert s.after is None and np.array_equal(s.new["W1"], np.array(data.W[0]))


def test_a_relu_exactly_at_its_kink_is_off_at_any_depth():
    """0.1 + 0.2 − 0.3 is 0 but 5.6e-17 in float64: z¹₁ is exactly 0, and so
    is z²₂ = (0.1 + 0.2) − 0.3 one layer up; both masks must be 0."""
    net = Network(3, (Layer(2, "relu"), Layer(2, "relu"), Layer(2, "softmax")), "nllm")
    data = PartData(W=(((0.1, 0.1), (0.2, 0.2), (-0.3, 0)),   # z¹ = (0, 0.3) exactly
                       ((1, 0), (1, 1)),                          # z² = (0.3 − 0.3, 0.3 − 0.3)
                       ((1, -1), (2, 0.5))),
                    b=((0, 0), (-0.3, -0.3), (0, 0)), x=(1, 1, 1), y=(1, 0), lr=0.5)
    s = solve_part(plain.part_with_steps(net, ["W1", "W2"]), data)
    assert s.z[0].tolist() == [0.0, 0.3] and s.a[0][0] == 0.0 and s.f_prime[0][0] == 0.0
    assert s.z[1].tolist() == [0.0, 0.0] and s.a[1].tolist() == [0.0, 0.0]
    assert s.f_prime[1].tolist() == [0.0, 0.0]
    # every unit above is off: nothing flows back, exactly
    for l in (0, 1):
        assert not np.any(s.dL_dW[l]) and not np.any(s.dL_db[l])
    assert np.array_equal(s.dL_dW[2], np.zeros((2, 2)))
    assert not np.any(np.signbit(s.dL_dW[0]))   # no negative zeros


def _exact_forward(net, d):
    """z and a of every layer in Fractions (identity/ReLU hidden layers)."""
    frac = lambda v: Fraction(str(v))  # noqa: E731  the decimal as written
    a = [frac(v) for v in d.x]
    zs, as_ = [], []
    for layer, W, b in zip(net.layers, d.W, d.b):
        z = [sum(frac(W[i][j]) * a[i] for i in range(len(a))) + frac(b[j]) for j in range(len(b))]
        a = [max(v, 0) for v in z] if layer.activation == "relu" else z
        zs.append(z)
        as_.append(a)
    return zs, as_


def _exact_backward(net, d, zs, as_):
    """δ and Wδ of every layer: Fractions for a squared error through an
    identity output, mpmath at 60 digits for a softmax output."""
    frac = lambda v: Fraction(str(v))  # noqa: E731
    if net.loss == "mse":
        delta = [a - frac(y) for a, y in zip(as_[-1], d.y)]
    else:
        with mpmath.workdps(60):
            e = [mpmath.exp(mpmath.mpf(z.numerator) / z.denominator) for z in zs[-1]]
            delta = [v / sum(e) - y for v, y in zip(e, d.y)]
    deltas, backs = [delta], []
    with mpmath.workdps(60):
        for l in range(len(net.layers) - 2, -1, -1):
            W = d.W[l + 1]
            back = [sum(frac(W[i][j]) * delta[j] for j in range(len(delta))) for i in range(len(W))]
            delta = [g if z > 0 else 0 * g for g, z in zip(back, zs[l])]
            backs.insert(0, back)
            deltas.insert(0, delta)
    return deltas, backs


def _is_zero(v):
    return v == 0 if isinstance(v, Fraction) else abs(v) < mpmath.mpf(10) ** -40


@pytest.mark.parametrize("out,loss", [("identity", "mse"), ("softmax", "nllm")])
def test_exact_zeros_on_short_decimal_data_with_many_ties(out, loss):
    """Data from a coarse grid put many ReLUs at their kinks and make many
    Wδ cancel exactly; every zero the exact computation has, the solution has
    as an exact 0.0, and every other number is correctly rounded or close."""
    rng = np.random.default_rng(11)
    net = Network(3, (Layer(3, "relu"), Layer(3, "relu"), Layer(2, out)), loss)
    grid = [-1, -0.5, 0, 0.5, 1]
    datas = []
    for _ in range(60):
        pick = lambda *shape: np.array(grid)[rng.integers(0, 5, shape)].tolist()  # noqa: E731
        y = [0, 0]
        y[rng.integers(2)] = 1
        datas.append(PartData(W=tuple(tuple(map(tuple, pick(m, n))) for m, n in ((3, 3), (3, 3), (3, 2))),
                              b=tuple(tuple(pick(n)) for n in (3, 3, 2)), x=tuple(pick(3)),
                              y=tuple(y) if loss == "nllm" else tuple(pick(2)), lr=0.5))
    sols = solve_parts(plain.part_with_steps(net, ["W1"]), datas)
    zeros = 0
    for d, s in zip(datas, sols):
        zs, as_ = _exact_forward(net, d)
        deltas, backs = _exact_backward(net, d, zs, as_)
        for l in range(3):
            assert s.z[l].tolist() == [float(v) for v in zs[l]]
        for l in range(2):
            assert s.a[l].tolist() == [float(v) for v in as_[l]]
            for got, want in ((s.back[l], backs[l]), (s.delta[l], deltas[l])):
                for g, w in zip(got.tolist(), want):
                    if _is_zero(w):
                        zeros += 1
                        assert g == 0.0 and not np.signbit(g)
                    else:
                        assert g == pytest.approx(float(w), rel=1e-12)
    assert zeros > 100   # the grid makes the decisions matter


ALL_PAIRS = [(h, o, l) for h in plain.HIDDEN for o, l in plain.PAIRS]


@pytest.mark.parametrize("hidden,out,loss", ALL_PAIRS)
def test_no_nan_or_overflow_for_pre_activations_of_1e4(hidden, out, loss):
    net = Network(1, (Layer(2, hidden), Layer(2, out)), loss)
    big = 1e4
    # z¹ = (1e4, −1e4); z² = ±1e4 (1e4 · a¹ for identity/ReLU would be 1e8: scaled down)
    scale = 1.0 if hidden in ("sigmoid", "tanh") else 1e-4
    for y in ((1, 0), (0, 1)):
        data = PartData(W=(((big, -big),), ((scale * big, -scale * big), (-scale * big, scale * big))),
                        b=((0, 0), (0, 0)), x=(1,), y=y, lr=1)
        s = solve_part(plain.part_with_steps(net, ["W1", "W2", "b2"]), data)
        values = [s.loss, s.after.loss, *s.z, *s.a, *s.delta, *s.dL_dW, *s.after.a,
                  *s.new.values()]
        assert all(np.all(np.isfinite(v)) for v in values)
        if out in ("softmax", "sigmoid"):
            assert np.all((s.a[-1] >= 0) & (s.a[-1] <= 1))
        zs, as_ = plain.forward(net, *(np.asarray(v, float)[..., None] for v in (data.x,)),
                                [np.asarray(W, float)[..., None] for W in data.W],
                                [np.asarray(b, float)[..., None] for b in data.b])
        if loss != "mse":
            # the loss through log-softmax / log-sigmoid: −ln a_c = ln Σ e^z − z_c exactly
            z = zs[-1][:, 0]
            expected = (np.logaddexp.reduce(z) - z[list(y).index(1)] if out == "softmax"
                        else sum(np.logaddexp(0, -zj if yj else zj) for zj, yj in zip(z, y)))
            assert s.loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss,a,y", [("nllm", [0.1, 0.4, 0.5], [1, 0, 0]),
                                      ("nll", [0.2], [1]), ("nll", [0.3, 0.9], [0, 1]),
                                      ("mse", [0.5, -1, 2], [1, 0, 0.25])])
def test_loss_value_is_the_definition(loss, a, y):
    expected = plain.loss(None, np.array(a, float), np.array(y, float), name=loss)
    assert loss_value(loss, a, y) == pytest.approx(float(expected), rel=1e-15)


@pytest.mark.parametrize("out", ["identity", "relu"])
def test_an_output_exactly_its_target_sends_back_exact_zeros(out):
    # z² = 0.1 + 0.2 = 0.3 = y exactly, though float64's sum is 0.30000000000000004:
    # δ² and every gradient are exactly 0, for an identity output as for a ReLU one
    net = Network(1, (Layer(1, "relu"), Layer(1, out)), "mse")
    data = PartData(W=(((0.1,),), ((1.0,),)), b=((0.0,), (0.2,)), x=(1.0,), y=(0.3,), lr=0.5)
    s = solve_part(plain.part_with_steps(net, ["W1", "W2", "b2"]), data)
    assert s.z[-1].tolist() == [0.3]
    for v in [*s.delta, *s.dL_dW]:
        assert np.all(v == 0.0) and not np.any(np.signbit(v))


def test_an_instance_decided_in_a_batch_gets_the_bits_it_gets_alone():
    # short-decimal data on a coarse grid: ReLU ties make decided_pass form Wδ
    # again for some instances; each must come out as it does alone (the keys
    # of variant 3 are the same whether 30 or 40 variants are made)
    grid = [-1, -0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.5]
    net = Network(3, (Layer(3, "relu"), Layer(3, "relu"), Layer(2, "identity")), "mse")
    rng = np.random.default_rng(10)
    pick = lambda *shape: np.array(grid)[rng.integers(0, len(grid), shape)].tolist()  # noqa: E731
    s = net.sizes
    datas = []
    for _ in range(40):
        y = tuple(pick(2))
        datas.append(PartData(W=tuple(tuple(map(tuple, pick(s[l], s[l + 1]))) for l in range(3)),
                              b=tuple(tuple(pick(m)) for m in s[1:]), x=tuple(pick(3)), y=y, lr=0.5))
    part = plain.part_with_steps(net, ["W1", "b3"])
    for batched, d in zip(solve_parts(part, datas), datas):
        one = solve_part(part, d)
        for name in ("a", "delta", "back", "dL_dW"):
            for u, v in zip(getattr(batched, name), getattr(one, name)):
                assert np.array_equal(u, v), name
