"""Compiling a network never builds SymPy's Max, whose constructor compares
its arguments pairwise (most of the compile time of a large network): every
Max of the derivation is compiled as ``_Max``, even one deep inside an
expression whose arguments all change (mutation survivors of
derive/numerics/evaluate.py)."""

import inspect

import pytest
import sympy as sp

from derive.calculus.backprop import cached_layers
from derive.numerics.evaluate import compile_network
from derive.problem.spec import Layer, Network

# the stable softmax shifts by Max(z); the stable log σ has −Max(−z, 0); ReLU is Max(z, 0)
NETWORKS = [Network(1, (Layer(2, "softmax"),), "nllm"),
            Network(2, (Layer(3, "relu"), Layer(1, "sigmoid")), "nll"),
            Network(2, (Layer(2, "relu"), Layer(2, "softmax")), "nllm")]


@pytest.mark.parametrize("net", NETWORKS, ids=lambda net: "-".join(map(str, net.sizes)))
def test_compiling_a_derived_network_builds_no_sympy_max(net, monkeypatch):
    cached_layers(net, stable=True)   # the derivation builds its Max; compiling must not
    built = []
    max_new = sp.Max.__new__

    def counting_new(cls, *args, **options):
        built.append(args)
        return max_new(cls, *args, **options)

    monkeypatch.setattr(sp.Max, "__new__", counting_new)
    # not compile_network's in-process cache (another test may have compiled net), nor the disk's
    functions = compile_network.__wrapped__(net, use_cache=False)
    monkeypatch.undo()
    assert built == []
    assert "maximum" in inspect.getsource(functions.full)   # the Max are there, as _Max
