"""The rule a ``show`` question prints for the output layer's bias: the
output gradient, then ∂ℓ/∂w⁰ named for its layer and unit."""

import pytest

from derive.calculus.catalogue import gradient_derivations
from derive.calculus.latex import latex
from derive.problem.spec import Layer, Network


@pytest.mark.parametrize("net, lhs", [
    (Network(2, (Layer(3, "tanh"), Layer(2, "softmax")), "nllm"), r"w^{2}_{0j}"),
    (Network(2, (Layer(2, "tanh"), Layer(1, "sigmoid")), "nll"), r"w^{2}_{0}"),
])
def test_the_output_bias_rule_names_its_layer_and_unit(net, lhs):
    delta, bias = gradient_derivations(net, "b2")
    assert latex(bias.lhs) == rf"\frac{{\partial \ell}}{{\partial {lhs}}}"
    assert bias.name == "output2_bias_gradient" and delta.name != bias.name
