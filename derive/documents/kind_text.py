"""What a question of each kind says, and how the sheets name its answer.

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
from derive.documents.checks import series
from derive.documents.render import Latex
from derive.problem.assignment import Part, Question
from derive.problem.spec import Network, decimal_text

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


def network_text(network: Network) -> Latex:
    """One sentence naming the inputs, each layer (units, activation) and the loss."""
    layers = []
    for l, layer in enumerate(network.layers, start=1):
        role = "output layer" if l == len(network.layers) else "hidden layer"
        units = f"{layer.size} unit{'s' if layer.size > 1 else ''}"
        layers.append(f"{role} {l} with {units} and $f^{{{l}}}(z) = "
                      f"{ACTIVATION_NAMES[layer.activation][1]}$")
    inputs = f"{network.n_inputs} input{'s' if network.n_inputs > 1 else ''}"
    return Latex(f"{inputs}; " + "; ".join(layers)
                 + f"; the loss is {LOSS_NAMES[network.loss]}, "
                 f"$\\ell = {loss_formula(network.loss, sup('a', len(network.layers)))}$.")


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
# Statements


def _given_number(v) -> str:
    return decimal_text(v)


def _example_vector(v) -> str:
    """An example's a or y as the statement prints it: one number alone, else
    a column written as a transposed row."""
    if len(v) == 1:
        return _given_number(v[0])
    return r"\left[" + ", ".join(map(_given_number, v)) + r"\right]^{T}"


def step_text(part: Part) -> Latex:
    """The part's one gradient-descent step, said once under its heading:
    its step size, what it updates and what it holds ("" without a step)."""
    if not part.step_params:
        return Latex("")
    names = [f"${param_symbol(p)}$" for p in part.step_params]
    updated = series(names)
    return Latex(f"The step of this part is one gradient-descent step with step size "
                 f"${ETA} = {_given_number(part.given.lr)}$ that updates {updated}, all from "
                 f"the gradients at the given weights; it holds the other parameters.")


STEP = "the step of this part"


def _forward_text(part: Part, value: str, after: bool) -> str:
    net = part.network
    symbol = value_symbol(value, net)
    if value == "loss":
        what = f"the loss ${symbol}$"
    elif value[0] == "z":
        l = int(value[1:])
        what = (f"the pre-activations ${symbol} = "
                f"{layer_formula(l, net.sizes[l - 1], net.sizes[l])['z']}$ of layer {l}")
    else:
        l = layer_of(value, net)
        role = "the output" if l == len(net.layers) else "the activations"
        where = "" if l == len(net.layers) else f" of hidden layer {l}"
        what = f"{role} ${symbol} = f^{{{l}}}(z^{{{l}}})${where}"
    if after:
        return f"After {STEP}, compute {what} again, for the same input."
    data = "example $(x, y)$" if value == "loss" else "input $x$"
    return f"Compute {what} for the given {data}."


def statement(part: Part, q: Question, answer=None) -> Latex:
    """The question's text, generated from its kind and options. ``answer``
    (the key's) is quoted only by a ``show = true`` question."""
    net, k = part.network, q.kind
    if k == "activation":
        f = q.get("activation")
        if f == "softmax":
            return Latex(r"Give the softmax function $a = \operatorname{SM}(z)$ that maps a "
                         r"vector $z$ of $n$ scores to a probability vector $a$.")
        return Latex(f"Give {activation_text(f)} as a function of $z$.")
    if k == "activation-derivative":
        f = q.get("activation")
        name, formula = ACTIVATION_NAMES[f]
        tail = {"sigmoid": f", in terms of ${formula}$", "tanh": f", in terms of ${formula}$",
                "relu": ", with its value at $z = 0$"}.get(f, "")
        return Latex(f"Give the derivative of {name} ${formula}$ with respect to $z${tail}.")
    if k == "softmax-jacobian":
        return Latex(r"Give the Jacobian $\partial a_{i} / \partial z_{j}$ of the softmax "
                     r"$a = \operatorname{SM}(z)$, in terms of $a$.")
    if k == "loss":
        text = f"Give {LOSS_NAMES[q.get('loss')]} $\\ell(a, y)$ of an output $a$ for a target $y$"
        example = q.get("example")
        if example:
            text += (f", and evaluate it for $a = {_example_vector(example.a)}$ and "
                     f"$y = {_example_vector(example.y)}$")
        return Latex(text + ".")
    if k == "output-gradient":
        L = len(net.layers)
        return Latex(f"For this part's output layer ($f^{{{L}}}(z) = "
                     f"{ACTIVATION_NAMES[net.layers[-1].activation][1]}$) and loss "
                     f"({LOSS_NAMES[net.loss]}), give the output gradient "
                     f"$\\delta^{{{L}}}_{{j}} = \\partial \\ell / \\partial z^{{{L}}}_{{j}}$ "
                     f"as a formula.")
    if k == "gradient-formula":
        l = q.get("param")[1:]
        entry = rf"\partial \ell / \partial w^{{{l}}}_{{kj}}"
        if q.get("show") and answer:
            return Latex(f"Show that ${entry} = {answer['latex']}$ for this part's network.")
        return Latex(f"For this part's network, give the entry ${entry}$ of the gradient of "
                     f"the loss with respect to ${sup('W', l)}$ as a formula.")
    if k in ("forward", "after-step"):
        return Latex(_forward_text(part, q.get("value"), k == "after-step"))
    if k == "probability":
        c = q.get("class")
        what = (f"the probability ${output_class(net, c)}$ that the network gives class {c}"
                + (" ($y = 1$)" if net.layers[-1].size == 1 else ""))
        if q.get("after"):
            return Latex(f"After {STEP}, give {what} for the same input.")
        return Latex(f"Give {what} for the given input $x$.")
    symbol = param_symbol(q.get("param"))
    m, n = _shape(net, q.get("param"))
    article = "an" if str(m).startswith("8") or m == 11 else "a"
    shape = (f"{article} ${m} \\times {n}$ matrix like ${symbol}$" if n
             else f"a vector of {m if m > 1 else 'one'} entr{'ies' if m > 1 else 'y'} like "
                  f"${symbol}$")
    if k == "gradient":
        l = int(q.get("param")[1:])
        rule = (layer_formula(l, m, n)["dW"] if n else sup(r"\delta", l))
        show = (f"Show that ${grad(symbol)} = {rule}$, where "
                f"$\\delta^{{{l}}} = \\partial \\ell / \\partial z^{{{l}}}$, and give it"
                if q.get("show") else f"Give the gradient ${grad(symbol)}$ of the loss")
        return Latex(f"{show} for the given data ({shape}).")
    if k == "step":
        return Latex(f"Give ${symbol}$ after {STEP}.")
    if k == "gradient-step":
        return Latex(f"Give the gradient ${grad(symbol)}$ ({shape}) and ${symbol}$ after "
                     f"{STEP}.")
    raise ValueError(f"no statement for kind {k!r}")


def _shape(net: Network, param: str) -> tuple[int, int | None]:
    l = int(param[1:])
    return (net.sizes[l - 1], net.sizes[l]) if param[0] == "W" else (net.sizes[l], None)


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
