"""The direct differentiation the recursion is checked against (the slow
tests of test_backprop.py use it on larger networks), on a network small
enough to check in a second."""

import numpy as np
import pytest
import sympy as sp

from derive.calculus import backprop as B
from derive.calculus.rules import Elementwise, sigmoid
from derive.problem.spec import Layer, Network


@pytest.mark.parametrize("net", [
    Network(2, (Layer(2, "tanh"), Layer(1, "sigmoid")), "mse"),
    Network(2, (Layer(2, "tanh"), Layer(2, "softmax")), "nllm"),
    Network(1, (Layer(1, "tanh"), Layer(1, "sigmoid"), Layer(1, "identity")), "mse"),
], ids=["2-2-1 mse", "2-2-2 nllm", "1-1-1-1 mse"])
def test_direct_gradients_agree_with_the_recursion_at_a_point(net):
    s, L, dW, db = B.direct_gradients(net)
    bp = B.derive_backprop(net)
    rng = np.random.default_rng(3)
    point = {v: sp.Rational(int(rng.integers(-9, 10)), 7) for v in s.flat()}
    point.update({y: i == 0 for i, y in enumerate(s.y)} if net.loss == "nllm"
                 else {y: sp.Rational(1, 3) for y in s.y})
    point = {k: sp.Integer(v) if isinstance(v, bool) else v for k, v in point.items()}
    assert L.xreplace(point).evalf() > 0
    for l in range(len(net.layers)):
        assert dW[l].shape == bp.dL_dW[l].shape == s.W[l].shape
        for direct, rec in [*zip(dW[l], bp.dL_dW[l]), *zip(db[l], bp.dL_db[l])]:
            d, r = direct.xreplace(point).evalf(30), rec.xreplace(point).evalf(30)
            assert abs(d - r) < 1e-20, (l, direct, rec)
        assert any(abs(d.xreplace(point).evalf()) > 1e-6 for d in dW[l])


SMALL = Network(1, (Layer(1, "tanh"), Layer(1, "sigmoid")), "mse")


def test_the_textbook_forms_by_default_and_the_stable_ones_on_request():
    plain, stable = B.derive_backprop(SMALL), B.derive_backprop(SMALL, stable=True)
    assert plain.network == SMALL and len(plain.dL_db) == 2
    assert plain.dL_db[-1] == plain.delta[-1]          # ∂ℓ/∂w0ᴸ = δᴸ
    assert plain.a[-1][0].func is sigmoid and plain.dL_dW[0].has(sigmoid)
    # σ through tanh: nothing of the stable network's gradients is left as σ
    assert not stable.a[-1][0].has(sigmoid) and not stable.dL_dW[0].has(sigmoid)
    assert not stable.dL_dW[1].has(sigmoid) and stable.dL_dW[0].has(sp.tanh)


def test_a_given_hidden_activation_replaces_the_network_own_everywhere():
    f, fp = sp.Function("f"), sp.Function("fp")
    bp = B.derive_backprop(SMALL, hidden=Elementwise("generic", f, lambda z, a: fp(z), f))
    assert bp.a[0][0].func is f
    grad = bp.dL_dW[0][0, 0]
    assert grad.has(fp) and grad.has(f) and not grad.has(sp.tanh)
    assert bp.dL_dW[1][0, 0].has(f) and not bp.dL_dW[1][0, 0].has(sp.tanh)


def test_the_direct_gradients_take_the_given_hidden_activation_too():
    f, fp = sp.Function("f"), sp.Function("fp")
    _, L, dW, _ = B.direct_gradients(SMALL, hidden=Elementwise("generic", f, lambda z, a: fp(z), f))
    assert L.has(f) and not L.has(sp.tanh) and dW[0][0, 0].has(f)
