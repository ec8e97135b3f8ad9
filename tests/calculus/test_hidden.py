"""The rule a numeric gradient question with ``show`` shows, for every layer
and parameter (derive.calculus.hidden, catalogue.gradient_derivations): each
step follows from the one before, and the result is δˡⱼ aˡ⁻¹ₖ (or δˡⱼ)."""

import pytest
import sympy as sp

from derive.calculus import softmax as sm
from derive.calculus.catalogue import gradient_derivations, gradient_formula, output_gradient
from derive.calculus.latex import latex
from derive.calculus.steps import check
from derive.problem.spec import Layer, Network

NETS = [Network(2, (Layer(4, "relu"), Layer(2, "softmax")), "nllm"),
        Network(3, (Layer(4, "tanh"), Layer(2, "identity")), "mse"),
        Network(2, (Layer(3, "sigmoid"), Layer(3, "identity"), Layer(1, "sigmoid")), "nll"),
        Network(2, (Layer(1, "sigmoid"),), "nll")]


def _sound(d) -> bool:
    return not (sm.check_for(d, 2, 1) if d is sm.derive_nllm_dz() else check(d))


@pytest.mark.parametrize("net", NETS, ids=lambda n: "-".join(l.activation for l in n.layers))
def test_every_parameter_has_a_checked_rule(net):
    L = len(net.layers)
    for l in range(1, L + 1):
        for g in "Wb":
            ds = gradient_derivations(net, f"{g}{l}")
            assert ds and all(_sound(d) for d in ds), (g, l)
            last = latex(ds[-1].result)
            if l < L:
                prev = "x_{k}" if l == 1 else f"a^{{{l - 1}}}_{{k}}"
                assert last == (rf"\delta^{{{l}}}_{{j}}" if g == "b" else
                                rf"{prev} \delta^{{{l}}}_{{j}}")
            elif g == "W":
                assert ds == gradient_formula(net, f"W{L}")
            else:
                assert ds[0] is output_gradient(net.layers[-1].activation, net.loss,
                                                net.layers[-1].size == 1)


@pytest.mark.parametrize("net,slope", [
    (NETS[0], r"\mathbf{1}[z^{1}_{j} > 0]"), (NETS[1], r"(1 - \left(a^{1}_{j}\right)^{2})"),
    (NETS[2], r"a^{1}_{j} (1 - a^{1}_{j})")])
def test_a_hidden_rule_uses_the_activations_slope(net, slope):
    # the error comes back through w^{l+1}_ji (row j of W^{l+1}), times f'(z^l_j), times x_k
    assert latex(gradient_derivations(net, "W1")[0].steps[2].expr) == (
        rf"\left(\sum_{{i=1}}^{{n^{{2}}}} \delta^{{2}}_{{i}} w^{{2}}_{{ji}}\right) {slope} x_{{k}}")
