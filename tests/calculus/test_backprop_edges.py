"""The direct differentiation the recursion is checked against (the slow
tests of test_backprop.py use it on larger networks), on a network small
enough to check in a second."""

import numpy as np
import pytest
import sympy as sp

from derive.calculus import backprop as B
from derive.problem.spec import Layer, Network


@pytest.mark.parametrize("net", [
    Network(2, (Layer(2, "tanh"), Layer(1, "sigmoid")), "mse"),
    Network(2, (Layer(2, "tanh"), Layer(2, "softmax")), "nllm"),
], ids=["2-2-1 mse", "2-2-2 nllm"])
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
