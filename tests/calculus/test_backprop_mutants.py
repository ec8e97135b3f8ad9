"""What the symbols of :mod:`derive.calculus.backprop` promise (their names, that
they are real) and what ``hidden`` and ``stable`` change in :func:`derive_layers`."""

import pytest
import sympy as sp

from derive.calculus import backprop as B
from derive.calculus.rules import LOSSES, Elementwise
from derive.problem.spec import Layer, Network

TANH_MSE = Network(2, (Layer(3, "tanh"), Layer(1, "identity")), "mse")
SOFTMAX = Network(2, (Layer(2, "softmax"),), "nllm")


def test_the_symbols_are_named_as_in_the_assignment():
    """x_i, W{l}_{i}_{j} (row = input i, column = unit j, from 1), b{l}_j, and the
    steps' zˡ, aˡ, δˡ numbered by the layer l of their Wˡ."""
    layers = B.derive_layers(TANH_MSE)
    s = layers.symbols
    assert s.W[0].shape == (2, 3) and s.W[0][1, 2] == sp.Symbol("W1_2_3", real=True)
    printed = [([str(v) for v in symbols], [str(e) for e in exprs])
               for symbols, exprs in layers.forward_steps()]
    assert printed[0] == (["z1_1", "z1_2", "z1_3"],
                          ["W1_1_1*x_1 + W1_2_1*x_2 + b1_1", "W1_1_2*x_1 + W1_2_2*x_2 + b1_2",
                           "W1_1_3*x_1 + W1_2_3*x_2 + b1_3"])
    assert printed[1] == (["a1_1", "a1_2", "a1_3"], ["tanh(z1_1)", "tanh(z1_2)", "tanh(z1_3)"])
    assert printed[2][0] == ["z2_1", "a2_1"]
    assert printed[2][1][0] == "W2_1_1*a1_1 + W2_2_1*a1_2 + W2_3_1*a1_3 + b2_1"
    assert [str(v) for v in layers.names["d"][0] + layers.names["g"][0] + layers.names["fp"][0]] \
        == ["d1_1", "d1_2", "d1_3", "g1_1", "g1_2", "g1_3", "fp1_1", "fp1_2", "fp1_3"]


def test_every_step_is_real_valued():
    """All symbols are real, so SymPy knows each step is: conjugate(e) = e."""
    layers = B.derive_layers(TANH_MSE)
    steps = layers.forward_steps(loss=True) + layers.backward_steps()
    exprs = [e for _, es in steps for e in es]
    assert len(exprs) == 3 + 3 + 2 + 1 + 1 + 3 * 3
    for e in exprs:
        assert sp.conjugate(e) == e, e


def test_the_inlined_softmax_loss_expands_to_log_sum_exp():
    """With real inputs and weights, e^z > 0, so log(e^(z_j) / Σ e^(z_k)) expands to
    z_j − log Σ e^(z_k): the loss is Σ y_j (log Σ e^(z_k) − z_j)."""
    bp = B.derive_backprop(SOFTMAX)
    z, y = bp.z[0], bp.symbols.y
    lse = sp.log(sp.Add(*[sp.exp(zk) for zk in z]))
    expected = sp.Add(*[yj * (lse - zj) for zj, yj in zip(z, y)])
    assert all(a.is_positive for a in bp.a[0])
    assert sp.expand(sp.expand_log(bp.loss) - expected) == 0


def test_a_given_hidden_activation_replaces_the_hidden_forward_steps():
    f = sp.Function("f")
    generic = Elementwise("generic", f, lambda z, a: sp.Function("fp")(z), f)
    net = Network(2, (Layer(2, "tanh"), Layer(2, "relu"), Layer(1, "sigmoid")), "mse")
    layers = B.derive_layers(net, hidden=generic)
    for l in range(2):
        assert layers.a[l] == tuple(f(z) for z in layers.names["z"][l])
    assert not any(e.has(sp.tanh) or e.has(sp.Max) for a in layers.a for e in a)
    # the output layer keeps its own activation
    plain = B.derive_layers(net)
    assert layers.a[-1] == plain.a[-1] and layers.output[0][0].func is plain.output[0][0].func


@pytest.mark.parametrize("net", [SOFTMAX, Network(2, (Layer(2, "tanh"), Layer(1, "sigmoid")), "nll")],
                         ids=["softmax nllm", "sigmoid nll"])
def test_the_default_loss_is_the_textbook_one_in_the_outputs(net):
    """Not stable: ℓ = L(aᴸ, y) as printed in the handout, in aᴸ and y (the stable
    form reads zᴸ instead)."""
    layers = B.derive_layers(net)
    a_L, y = layers.names["a"][-1], layers.symbols.y
    assert layers.loss == LOSSES[net.loss].L(a_L, y)
    a_out, loss = layers.output
    assert loss == LOSSES[net.loss].L(a_out, y)
    assert B.derive_backprop(net).loss == LOSSES[net.loss].L(B.derive_backprop(net).a[-1], y)
    stable = B.derive_layers(net, stable=True)
    assert stable.loss != layers.loss and stable.loss.free_symbols & set(layers.names["z"][-1])
