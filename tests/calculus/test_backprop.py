"""The δ recursion against direct differentiation of the composed loss."""

import numpy as np
import pytest
import sympy as sp

from derive.calculus import backprop as B
from derive.calculus.rules import Elementwise
from derive.spec import REFERENCE, Layer, Network
from derive.steps import equal

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
