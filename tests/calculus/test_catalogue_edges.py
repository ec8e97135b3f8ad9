"""The rules a ``show`` question prints for the output layer: the bias rule
named for its layer and unit, and which networks reuse problem 1's own
derivation of the weight gradient."""

import pytest
import sympy as sp

from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.calculus.catalogue import gradient_derivations, gradient_formula, output_gradient
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


def test_only_the_assignments_single_sigmoid_unit_reuses_its_own_derivation():
    # problem 1's unit (one layer, one sigmoid unit, NLL) shows the assignment's
    # derivation of ∂ℓ/∂w; every other network shows δ, then aᴸ⁻¹ₖ δⱼ
    single = Network(2, (Layer(1, "sigmoid"),), "nll")
    assert gradient_formula(single, "W1") == [sig.derive_nll_gradient()]
    for net in (Network(2, (Layer(2, "sigmoid"),), "nll"),
                Network(2, (Layer(1, "tanh"), Layer(1, "sigmoid")), "nll"),
                Network(2, (Layer(1, "sigmoid"),), "mse")):
        last = net.layers[-1]
        delta, weights = gradient_formula(net, f"W{len(net.layers)}")
        assert delta is output_gradient(last.activation, net.loss, last.size == 1)
        assert weights is not sig.derive_nll_gradient() and weights.name != delta.name


def test_a_softmax_output_layer_alone_shows_the_softmax_layers_own_gradient():
    # problem 2: one softmax layer with NLLM; another single layer does not get it
    softmax = Network(2, (Layer(3, "softmax"),), "nllm")
    assert gradient_formula(softmax, "W1") == [sm.derive_nllm_dz(), sm.derive_softmax_layer_gradient()]
    for net in (Network(2, (Layer(2, "sigmoid"),), "nll"), Network(2, (Layer(2, "identity"),), "mse"),
                Network(2, (Layer(3, "tanh"), Layer(3, "softmax")), "nllm")):
        assert sm.derive_softmax_layer_gradient() not in gradient_formula(net, f"W{len(net.layers)}")


def test_plain_symbols_are_real_and_keep_every_index():
    # the notebooks substitute Symbol("a_j", real=True) in these expressions:
    # a symbol without the assumption would not be replaced
    from derive.calculus.catalogue import plain_symbols
    a, w = sp.IndexedBase("a"), sp.IndexedBase("w")
    j, k = sp.symbols("j k")
    out = plain_symbols(a[j] * w[k, j])
    assert out == sp.Symbol("a_j", real=True) * sp.Symbol("w_kj", real=True)
    assert out.free_symbols == {sp.Symbol("a_j", real=True), sp.Symbol("w_kj", real=True)}
