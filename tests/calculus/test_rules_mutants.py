"""The forward rules: the textbook form unless the stable one is asked for,
and the log-softmax of a single class."""

import pytest
import sympy as sp

from derive.calculus import rules as R
from derive.calculus.backprop import derive_layers
from derive.problem.spec import Layer, Network

z = sp.symbols("z1:4", real=True)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu"])
def test_an_elementwise_forward_is_the_textbook_function_unless_asked_for_the_stable_form(name):
    act = R.ACTIVATIONS[name]
    assert act.forward(z) == [act.f(zi) for zi in z]
    assert act.forward(z, stable=True) == [act.f_stable(zi) for zi in z]


@pytest.mark.parametrize("n", [2, 3])
def test_the_softmax_forward_is_e_to_z_over_the_sum_unless_asked_for_the_stable_form(n):
    zs = z[:n]
    textbook = [sp.exp(zj) / sp.Add(*[sp.exp(zk) for zk in zs]) for zj in zs]
    assert R.Softmax().forward(zs) == textbook
    assert R.Softmax().forward(zs, stable=False) == textbook
    assert R.Softmax().forward(zs, stable=True) != textbook   # shifted by max z


def test_the_stable_loss_of_a_one_class_softmax_is_zero():
    # a single class has aⱼ = 1, so log-softmax 0 and the loss 0 (no max to take)
    assert R.Softmax.log_forward(z[:1]) == [0]
    layers = derive_layers(Network(2, (Layer(1, "softmax"),), "nllm"), stable=True)
    assert layers.loss == 0 and layers.output[1] == 0
