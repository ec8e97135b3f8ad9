"""Properties of the numbers over random instances (tests/strategies.py):
the softmax output's gradient rows sum to 0, inactive ReLUs get exactly zero
gradient, and a small descent step lowers the loss; through the lambdified
pass (evaluate), the exactly decided one (solve) and the answer key."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from derive.numerics.evaluate import evaluate_network, stack
from derive.numerics.key import build_assignment_key, reference_key
from derive.numerics.solve import solve_batch, solve_part
from derive.problem.assignment import Part
from derive.problem.spec import REFERENCE, Layer, Network, NetworkParams, Params, SoftmaxLayer
from tests.strategies import examples, instances, networks, stepping_assignment

EPS = np.finfo(float).eps


def _batch(datas):
    L = len(datas[0].W)
    return (stack([d.x for d in datas]), [stack([d.W[l] for d in datas]) for l in range(L)],
            [stack([d.b[l] for d in datas]) for l in range(L)], stack([d.y for d in datas]))


def assert_rows_sum_to_zero(grad, below, what: str):
    """Each row k of a softmax layer's ∂ℓ/∂W (m × n, batch axis last) is
    aₖ (a − y)ᵀ: it sums to 0 up to float64's rounding of n terms."""
    grad, below = np.asarray(grad, float), np.asarray(below, float)
    assert grad.shape[0] == below.shape[0], (what, "rows are the layer's inputs", grad.shape)
    n = grad.shape[1]
    assert np.all(np.isfinite(grad)), what
    sums = grad.sum(axis=1)
    assert np.all(np.abs(sums) <= 8 * n * EPS * np.abs(below)), (what, sums)


# --------------------------------------------------------------------------
# 1. Softmax gradients' rows sum to 0


@examples(40)
@given(st.data())
def test_the_lambdified_pass_gives_softmax_gradients_whose_rows_sum_to_0(data):
    net = data.draw(networks(max_hidden_layers=2), label="network")
    datas = [i.data for i in data.draw(st.lists(instances(net), min_size=1, max_size=3))]
    x, Ws, bs, y = _batch(datas)
    p = evaluate_network(net, x, Ws, bs, y)
    assert np.all(np.abs(p.a[-1].sum(axis=0) - 1) <= 4 * net.sizes[-1] * EPS)
    assert np.all(np.abs(p.delta[-1].sum(axis=0)) <= 4 * net.sizes[-1] * EPS)   # a − y
    assert_rows_sum_to_zero(p.dL_dW[-1], x if len(Ws) == 1 else p.a[-2], "∂ℓ/∂Wᴸ")


@examples(40)
@given(st.data())
def test_the_decided_pass_gives_softmax_gradients_whose_rows_sum_to_0(data):
    net = data.draw(networks(max_hidden_layers=2), label="network")
    datas = [i.data for i in data.draw(st.lists(instances(net), min_size=1, max_size=3))]
    b = solve_batch(Part("p", "", (), net, datas[0]), datas)
    assert np.all(np.abs(b.delta[-1].sum(axis=0)) <= 4 * net.sizes[-1] * EPS)
    below = stack([d.x for d in datas]) if len(net.layers) == 1 else b.a[-2]
    assert_rows_sum_to_zero(b.dL_dW[-1], below, "∂ℓ/∂Wᴸ")


def _params(layer, network, query_class: int) -> Params:
    s, n = layer.data, network.data
    return Params(REFERENCE.nllm_example,
                  SoftmaxLayer(s.W[0], s.b[0], s.x, s.y, s.lr, query_class),
                  NetworkParams(n.W[0], n.b[0], n.W[1], n.b[1], n.x, n.y, n.lr))


@examples(30)
@given(st.data())
def test_the_reference_key_gives_softmax_gradients_whose_rows_sum_to_0(data):
    """q6 (∂ℓ/∂W of the softmax layer) and q12's gradient (∂ℓ/∂W²) sum to 0
    along each row, so the steps q8 and q12 keep each row's sum of W."""
    m, n = data.draw(st.integers(1, 3), label="inputs"), data.draw(st.integers(2, 4), "classes")
    layer = data.draw(instances(Network(m, (Layer(n, "softmax"),), "nllm")), "softmax layer")
    net = data.draw(networks(min_hidden_layers=1), label="network")
    network = data.draw(instances(net), label="network's data")
    key = reference_key(_params(layer, network, data.draw(st.integers(0, n - 1), "query class")))
    answers, s = key["answers"], layer.data
    assert_rows_sum_to_zero(np.asarray(answers["q6"])[..., None],
                            np.asarray(s.x)[:, None], "q6")
    W, new = np.asarray(s.W[0]), np.asarray(answers["q8"])
    tol = 8 * n * EPS * (np.abs(W).sum(axis=1) + s.lr * np.abs(s.x))
    assert np.all(np.abs(new.sum(axis=1) - W.sum(axis=1)) <= tol), "q8"
    a1 = np.asarray(answers["q10"])
    assert_rows_sum_to_zero(np.asarray(answers["q12"]["grad"])[..., None], a1[:, None], "q12")


# --------------------------------------------------------------------------
# 2. Inactive units get zero gradient


def _every_step(net: Network) -> tuple[str, ...]:
    return tuple(f"{g}{l}" for l in range(1, len(net.layers) + 1) for g in "Wb")


@examples(40)
@given(st.data())
def test_inactive_relus_get_exactly_zero_gradient_in_the_key(data):
    """A hidden unit with zˡⱼ ≤ 0 (decided exactly: 0.1 + 0.2 − 0.3 is 0):
    its column of ∂ℓ/∂Wˡ and its entry of ∂ℓ/∂bˡ are exactly 0, its
    outgoing row of ∂ℓ/∂Wˡ⁺¹ too (aˡⱼ = 0), and the step leaves them as given."""
    net = data.draw(networks(max_hidden_layers=2, min_hidden_layers=1), label="network")
    inst = data.draw(instances(net))
    key = build_assignment_key(stepping_assignment(net, inst.data, _every_step(net)))
    step = key["answers"]
    for l, z in enumerate(inst.z[:-1], start=1):
        for j, zj in enumerate(z):
            if zj > 0:
                continue
            event("a tie, z = 0 exactly" if zj == 0 else "a dead unit")
            unit = f"unit {j + 1} of layer {l} (z = {zj})"
            W, b, up = step[f"step-W{l}"], step[f"step-b{l}"], step[f"step-W{l + 1}"]
            assert [row[j] for row in W["grad"]] == [0.0] * len(W["grad"]), (unit, W["grad"])
            assert b["grad"][j] == 0.0, (unit, b["grad"])
            assert up["grad"][j] == [0.0] * len(up["grad"][j]), (unit, up["grad"])
            assert [row[j] for row in W["new"]] == [row[j] for row in inst.data.W[l - 1]], unit
            assert b["new"][j] == inst.data.b[l - 1][j], unit
            assert up["new"][j] == list(inst.data.W[l][j]), unit


@examples(40)
@given(st.data())
def test_inactive_relus_get_exactly_zero_gradient_in_the_lambdified_pass(data):
    """Where float64's own zˡⱼ ≤ 0, ReLU′ is 0 (ReLU′(0) = 0) and so is every
    gradient through the unit, without the exact decisions."""
    net = data.draw(networks(max_hidden_layers=2, min_hidden_layers=1), label="network")
    datas = [i.data for i in data.draw(st.lists(instances(net), min_size=1, max_size=3))]
    p = evaluate_network(net, *_batch(datas))
    for l in range(len(net.layers) - 1):
        off = p.z[l] <= 0                                       # (units, B)
        assert np.all(p.f_prime[l][off] == 0) and np.all(p.a[l][off] == 0)
        assert np.all(p.delta[l][off] == 0)
        assert np.all(p.dL_dW[l][:, off] == 0)                 # columns: W is inputs × units
        assert np.all(p.dL_dW[l + 1].transpose(1, 0, 2)[:, off] == 0)


# --------------------------------------------------------------------------
# 3. A small descent step lowers the loss


def _norm(*arrays) -> float:
    return float(np.sqrt(sum(np.sum(np.square(np.asarray(a, float))) for a in arrays)))


def _small_step(net: Network, inst, params) -> float:
    """An η small enough that the loss is smooth and nearly quadratic along
    the step: below 1/curvature (a bound from the data's norms, the softmax
    loss's Hessian at most ½), and too small for any ReLU to change side."""
    d = inst.data
    bound = (1 + _norm(d.x)) ** 2 * (1 + _norm(*d.W, *d.b)) ** 2 * net.sizes[-1]
    eta = 0.05 / bound
    if len(net.layers) > 1:
        s = solve_part(Part("p", "", (), net, d), d)
        gW = s.dL_dW[0] if "W1" in params else 0 * s.dL_dW[0]
        gb = s.delta[0] if "b1" in params else 0 * s.delta[0]
        rate = np.abs(np.asarray(d.x, float) @ gW + gb)      # |dz¹/dη|
        z = np.asarray([float(v) for v in inst.z[0]])
        moving = (rate > 0) & (z != 0)
        if moving.any():
            eta = min(eta, 0.5 * float(np.min(np.abs(z[moving]) / rate[moving])))
    return eta


@examples(40)
@given(st.data())
def test_a_small_descent_step_lowers_the_loss(data):
    """The key's own gradient-step answers with a small η, and its loss after
    the step: lower than before by about η‖∇ℓ‖² (at least half of it), equal
    when the gradient is 0."""
    net = data.draw(networks(), label="network")
    inst = data.draw(instances(net, lr=1))
    params = data.draw(st.lists(st.sampled_from(_every_step(net)), min_size=1, unique=True))
    eta = _small_step(net, inst, params)
    key = build_assignment_key(stepping_assignment(net, replace(inst.data, lr=eta), params))
    answers = key["answers"]
    before, after = answers["loss"], answers["after"]
    grads = [answers[f"step-{p}"]["grad"] for p in params]
    drop = eta * _norm(*grads) ** 2
    event("gradient 0" if drop == 0 else "loss drops by more than rounding"
          if drop > 1e-9 * (1 + before) else "drop within rounding")
    said = f"loss {before!r} -> {after!r} with eta = {eta!r}, eta |grad|^2 = {drop!r}"
    if drop == 0:
        assert after == before, said
    elif drop > 1e-9 * (1 + before):   # far above float64's rounding of the loss
        assert before - after >= drop / 2, said
    else:
        assert after <= before + 1e-12 * (1 + before), said
