"""The δ recursion against direct differentiation of the composed loss."""

import numpy as np
import pytest
import sympy as sp

from derive.calculus import backprop as B
from derive.calculus.rules import Elementwise
from derive.problem.spec import REFERENCE, Layer, Network
from derive.calculus.steps import equal

f, f_prime = sp.Function("f"), sp.Function("fp")
GENERIC = Elementwise("generic", f, lambda z, a: f_prime(z), f)


def _named_derivative(expr):
    # SymPy writes f′(u) as Subs(Derivative(f(ξ), ξ), ξ, u); call it fp(u)
    return expr.replace(lambda e: isinstance(e, sp.Subs), lambda e: f_prime(e.point[0]))


def _one_hot(s, loss):
    return {s.y[-1]: 1 - sum(s.y[:-1])} if loss == "nllm" else {}


@pytest.mark.parametrize("net", [
    Network(2, (Layer(2, "relu"), Layer(2, "softmax")), "nllm"),
    Network(2, (Layer(2, "tanh"), Layer(2, "sigmoid"), Layer(1, "identity")), "mse"),
], ids=["2-2-2 softmax nllm", "2-2-2-1 mse"])
def test_recursion_holds_for_any_hidden_activation(net):
    """With an undefined hidden f, entry by entry, symbolically."""
    s, _, dW, db = B.direct_gradients(net, hidden=GENERIC)
    bp = B.derive_backprop(net, hidden=GENERIC)
    sub = _one_hot(s, net.loss)
    for l in range(len(net.layers)):
        for direct, rec in zip(dW[l], bp.dL_dW[l]):
            assert equal(_named_derivative(direct).subs(sub), rec.subs(sub))
        for direct, rec in zip(db[l], bp.dL_db[l]):
            assert equal(_named_derivative(direct).subs(sub), rec.subs(sub))


def _random_point(symbols, rng):
    # 40-digit floats: SymPy evaluates the expression at them to 40 digits
    return {s: sp.Float(sp.Rational(int(rng.integers(-30, 31)), int(rng.integers(7, 13))), 40)
            for s in symbols}


@pytest.mark.parametrize("net", [
    REFERENCE.network.network,
    REFERENCE.softmax_layer.network,
    Network(3, (Layer(3, "tanh"), Layer(2, "sigmoid"), Layer(3, "softmax")), "nllm"),
    Network(2, (Layer(3, "relu"), Layer(2, "identity")), "mse"),
    Network(2, (Layer(2, "tanh"), Layer(1, "sigmoid")), "nll"),
], ids=["assignment 2-4-2", "assignment 2-3", "3-3-2-3", "2-3-2 mse", "2-2-1 nll"])
def test_recursion_equals_direct_differentiation_at_40_digit_points(net):
    """The real activations (ReLU as Max, its derivative Heaviside(z, 0)), compared
    at random points to 25 digits."""
    rng = np.random.default_rng(7)
    s, _, dW, _ = B.direct_gradients(net)
    bp = B.derive_backprop(net)
    stable = B.derive_backprop(net, stable=True)
    for _ in range(3):
        point = _random_point(s.flat(), rng)
        if net.loss != "mse":
            point.update({y: 0 for y in s.y})
            point[s.y[int(rng.integers(len(s.y)))]] = 1
        else:
            point.update({y: int(rng.integers(0, 2)) for y in s.y})
        for l in range(len(net.layers)):
            for direct, rec, st in zip(dW[l], bp.dL_dW[l], stable.dL_dW[l]):
                d = direct.xreplace(point).evalf(40)
                assert abs(d - rec.xreplace(point).evalf(40)) < 1e-25
                assert abs(d - st.xreplace(point).rewrite(sp.exp).evalf(40)) < 1e-25


def test_backprop_is_derived_once_per_process():
    net = REFERENCE.network.network
    assert B.cached_backprop(net) is B.cached_backprop(net)


def test_gradient_shapes_follow_the_weights():
    net = Network(3, (Layer(5, "tanh"), Layer(4, "sigmoid"), Layer(3, "softmax")), "nllm")
    bp = B.derive_backprop(net)
    assert [W.shape for W in bp.dL_dW] == [(3, 5), (5, 4), (4, 3)]
    assert [len(d) for d in bp.delta] == [5, 4, 3]


def test_recursion_holds_for_any_activation_in_three_layers():
    """Two undefined hidden activations deep, entry by entry, symbolically."""
    net = Network(2, (Layer(2, "tanh"), Layer(2, "tanh"), Layer(1, "identity")), "mse")
    s, _, dW, db = B.direct_gradients(net, hidden=GENERIC)
    bp = B.derive_backprop(net, hidden=GENERIC)
    for l in range(len(net.layers)):
        for direct, rec in zip(list(dW[l]) + list(db[l]), list(bp.dL_dW[l]) + list(bp.dL_db[l])):
            assert equal(_named_derivative(direct), rec)


DEEP = Network(3, (Layer(4, "relu"), Layer(4, "tanh"), Layer(4, "sigmoid"), Layer(3, "softmax")),
               "nllm")


def _size(expr) -> int:
    return sp.count_ops(expr) + len(expr.free_symbols)


def test_each_step_is_local_to_its_layer():
    """zˡ reads only aˡ⁻¹, Wˡ and w0ˡ; aˡ only zˡ; δˡ only its two factors, which
    read Wˡ⁺¹, δˡ⁺¹, zˡ and aˡ: nothing in a step depends on the depth."""
    layers = B.derive_layers(DEEP, stable=True)
    s, n = layers.symbols, layers.names
    for l in range(len(DEEP.layers)):
        allowed = set(layers.inputs()[l]) | set(s.W[l]) | set(s.b[l])
        assert all(z.free_symbols <= allowed for z in layers.z[l])
        assert all(a.free_symbols <= set(n["z"][l]) for a in layers.a[l])
    for l in range(len(DEEP.layers) - 1):
        assert all(g.free_symbols <= set(s.W[l + 1]) | set(n["d"][l + 1]) for g in layers.back[l])
        assert all(f.free_symbols <= set(n["z"][l]) | set(n["a"][l]) for f in layers.f_prime[l])
        assert all(d.free_symbols <= set(n["g"][l]) | set(n["fp"][l]) for d in layers.delta[l])


def test_step_sizes_do_not_grow_with_depth():
    """The first layer's steps are the same size in a 2-layer and a 6-layer network."""
    def first_steps(depth):
        net = Network(4, tuple(Layer(4, "relu") for _ in range(depth - 1))
                      + (Layer(4, "softmax"),), "nllm")
        layers = B.derive_layers(net, stable=True)
        return [sum(_size(e) for e in v) for v in (layers.z[0], layers.a[0], layers.back[0],
                                                   layers.f_prime[0], layers.delta[0])]
    assert first_steps(2) == first_steps(6)


def test_the_forward_steps_substituted_are_the_composed_forward_pass():
    """Substituting aˡ⁻¹ into zˡ and zˡ into aˡ, layer by layer, gives the
    composed forward pass and loss that :func:`direct_gradients` differentiates
    (and that :func:`inline` builds directly)."""
    net = Network(2, (Layer(3, "relu"), Layer(2, "tanh"), Layer(2, "sigmoid"),
                      Layer(3, "softmax")), "nllm")
    layers = B.derive_layers(net)
    sub: dict = {}
    for symbols, exprs in layers.forward_steps():
        sub.update({v: e.xreplace(sub) for v, e in zip(symbols, exprs)})
    bp = B.inline(layers)
    z, a = B.forward(net, layers.symbols)
    for l in range(len(net.layers)):
        for n, (zl, al) in enumerate(zip(z[l], a[l])):
            assert sub[layers.names["z"][l][n]] == zl == bp.z[l][n]
            assert sub[layers.names["a"][l][n]] == al == bp.a[l][n]
    assert equal(layers.loss.xreplace(sub), bp.loss)
