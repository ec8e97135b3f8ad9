"""How the sheets name the quantities of a network and the answer of a question.

Everything here reads the question's kind, its options and the part's
network; nothing knows a question by its id. Symbols follow the notation
section of the sheets: layer l has pre-activations zˡ, activations aˡ = fˡ(zˡ)
(a⁰ is the input x), weights Wˡ (rows are inputs) and the bias w0ˡ; the
output is aᴸ, the loss ℓ. Formulas are printed by
:func:`derive.calculus.latex.latex` from SymPy expressions whose shapes SymPy
checks.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp

from derive.calculus.latex import latex
from derive.documents.render import Latex
from derive.problem.assignment import Part, Question
from derive.problem.spec import Network

# how the sheets name each activation and loss: (name in prose, f(z) in LaTeX)
ACTIVATION_NAMES = {
    "identity": ("the identity", r"z"),
    "sigmoid": ("the logistic sigmoid", r"\sigma(z)"),
    "tanh": ("the hyperbolic tangent", r"\tanh(z)"),
    "relu": ("the rectified linear unit", r"\operatorname{ReLU}(z)"),
    "softmax": ("the softmax", r"\operatorname{SM}(z)"),
}
IDENTITY = r"\operatorname{id}(z)"
LOSS_NAMES = {
    "nllm": "the multiclass negative log-likelihood",
    "nll": "the binary cross-entropy (the negative log-likelihood of a sigmoid output)",
    "mse": "half the squared error",
}
# the loss of the output a and target y, as the sheets write it
LOSS_FORMULAS = {
    "nllm": r"-\sum_{j} y_{j} \ln %(a)s_{j}",
    "nll": r"-y \ln %(a)s - (1 - y) \ln(1 - %(a)s)",
    "mse": r"\tfrac{1}{2} \lVert %(a)s - y \rVert^{2}",
}


def loss_formula(loss: str, a: str = "a") -> str:
    """The loss of the output named ``a`` for the target y."""
    return LOSS_FORMULAS[loss] % {"a": a}
ETA = r"\eta"


def sup(name: str, l: int | str) -> str:
    """``name`` of layer ``l``: ``W^{2}``."""
    return f"{name}^{{{l}}}"


def param_symbol(name: str) -> str:
    """A parameter by its name in the file: W2 -> W², b1 -> w0¹."""
    layer = name[1:]
    return sup("W", layer) if name[0] == "W" else sup("w_0", layer)


def new(symbol: str) -> str:
    r"""The value after the step: ``W^{2}_{\text{new}}``; an entry
    ``a^{3}_{2}`` becomes ``a^{3,\text{new}}_{2}``, a bias ``w_0^{1}``
    ``w^{1}_{0,\text{new}}``."""
    entry = re.fullmatch(r"(.*)\^\{(.+?)\}_\{(.+)\}", symbol)
    if entry:
        return rf"{entry[1]}^{{{entry[2]},\text{{new}}}}_{{{entry[3]}}}"
    bias = re.fullmatch(r"(.*)_(\w)\^\{(.+)\}", symbol)
    if bias:  # w_0^{1}: w^{1}_{0,new}
        return rf"{bias[1]}^{{{bias[3]}}}_{{{bias[2]},\text{{new}}}}"
    return rf"{symbol}_{{\text{{new}}}}"


def grad(symbol: str) -> str:
    r"""The gradient of the loss: ``\nabla_{W^{2}} \ell``."""
    return rf"\nabla_{{{symbol}}} \ell"


def layer_of(value: str, network: Network) -> int:
    """The layer a forward value names (``output`` is the last; ``loss`` 0)."""
    if value == "output":
        return len(network.layers)
    return int(value[1:]) if value != "loss" else 0


def value_symbol(value: str, network: Network) -> str:
    """z2 -> z², a1 -> a¹, output -> aᴸ with L the number of layers, loss -> ℓ."""
    if value == "loss":
        return r"\ell"
    if value == "output":
        return sup("a", len(network.layers))
    return sup(value[0], value[1:])


def output_class(network: Network, c: int) -> str:
    """The output probability of class ``c`` (from 1): a_c of a softmax, or
    the one output a of a sigmoid unit (class 1 is y = 1)."""
    top = sup("a", len(network.layers))
    return top if network.layers[-1].size == 1 else f"{top}_{{{c}}}"


def activation_text(f: str) -> str:
    """``the hyperbolic tangent $\\tanh(z)$`` (the identity as a function: id(z))."""
    name, formula = ACTIVATION_NAMES[f]
    return f"{name} ${formula if f != 'identity' else IDENTITY}$"


@lru_cache(maxsize=None)
def layer_formula(l: int, m: int, n: int) -> dict[str, Latex]:
    """The forward step of layer ``l`` (m inputs, n units), its backward step
    and its gradients as matrix formulas, with their shapes checked by SymPy."""
    W, b = sp.MatrixSymbol(sup("W", l), m, n), sp.MatrixSymbol(sup("w_0", l), n, 1)
    prev = sp.MatrixSymbol("x" if l == 1 else sup("a", l - 1), m, 1)
    d = sp.MatrixSymbol(sup(r"\delta", l), n, 1)
    tex = lambda e: Latex(latex(e, order="none"))  # noqa: E731
    return {"z": tex(sp.MatAdd(W.T * prev, b, evaluate=False)),
            "dW": tex(sp.MatMul(prev, d.T, evaluate=False)), "input": tex(prev),
            "back": tex(W * d)}


# --------------------------------------------------------------------------
# How the summary table and the exam sheet name an answer


def answer_labels(part: Part, q: Question) -> list[str]:
    """The LaTeX name of each value of the answer (one, or two for
    gradient-step; none for a formula)."""
    net, k = part.network, q.kind
    if k in ("forward", "after-step"):
        symbol = value_symbol(q.get("value"), net)
        return [new(symbol) if k == "after-step" else symbol]
    if k == "probability":
        symbol = output_class(net, q.get("class"))
        return [new(symbol) if q.get("after") else symbol]
    if k in ("gradient", "step", "gradient-step"):
        symbol = param_symbol(q.get("param"))
        return {"gradient": [grad(symbol)], "step": [new(symbol)],
                "gradient-step": [grad(symbol), new(symbol)]}[k]
    if k == "loss":
        return [r"\ell"]
    return []
