"""The hint of a ``hint = true`` question (kinds ``gradient``, ``step``,
``gradient-step``): how to get the gradient of its parameter, for the part's
network (any activation, loss and layer), without its numbers."""

from __future__ import annotations

from functools import lru_cache

from derive.calculus.catalogue import output_gradient
from derive.calculus.latex import latex
from derive.documents.kind_text import grad, param_symbol, sup
from derive.problem.assignment import Part, Question
from derive.problem.spec import Network

# the activation as an adjective: "4 hidden ReLU units", "a linear output"
SHORT = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "identity": "linear",
         "softmax": "softmax"}
# how the activation of a hidden layer l passes ∂ℓ/∂aˡ on to ∂ℓ/∂zˡ (%s: l)
PASS_ON = {
    "relu": (r"Each ReLU passes that on only where its unit is active: the derivative of "
             r"$\max(z^{%s}, 0)$ is $\mathbf{1}[z^{%s} > 0]$, 1 where $z^{%s}$ is positive and 0 "
             r"elsewhere"),
    "sigmoid": (r"Each sigmoid unit scales that by its slope $\sigma'(z^{%s}) = a^{%s} \odot "
                r"(1 - a^{%s})$, entry by entry, small where the unit is saturated"),
    "tanh": (r"Each tanh unit scales that by its slope $\tanh'(z^{%s}) = 1 - a^{%s} \odot "
             r"a^{%s}$, entry by entry, small where the unit is saturated"),
    "identity": (r"A linear unit passes it on unchanged ($f^{%s}{}'(z^{%s}) = 1$, so "
                 r"$z^{%s}$ and $a^{%s}$ have the same gradient)"),
}


@lru_cache(maxsize=None)
def output_delta(net: Network) -> str:
    """∂ℓ/∂zᴸ of the output and loss, in the derivation's symbols: ``a_{j} - y_{j}``."""
    one = net.layers[-1].size == 1
    d = output_gradient(net.layers[-1].activation, net.loss, one)
    return latex(d.result.doit())


def output_error(net: Network) -> str:
    """``∂ℓ/∂z²_j = a_j − y_j (a_j is a²_j) for a softmax output with this loss``."""
    L, out = len(net.layers), net.layers[-1]
    one = out.size == 1
    j = "" if one else "_{j}"
    names = f"$a{j}$ is ${sup('a', L)}{j}$" + ("" if one else ", $y_{j}$ entry $j$ of $y$")
    return (rf"$\partial \ell / \partial z^{{{L}}}{j} = {output_delta(net)}$ ({names}) for "
            f"a {SHORT[out.activation]} output with this loss")


def _output_layer(net: Network, param: str) -> str:
    L = len(net.layers)
    prev = "x" if L == 1 else sup("a", L - 1)
    m, n = net.sizes[L - 1], net.sizes[L]
    if param[0] == "b":
        return (rf"$z^{{{L}}}$ depends on the bias ${param_symbol(param)}$ with slope 1, so "
                rf"${grad(param_symbol(param))} = \partial \ell / \partial z^{{{L}}}$, where "
                f"{output_error(net)}.")
    return (rf"the gradient is an outer product, ${grad(sup('W', L))} = {prev} "
            rf"(\partial \ell / \partial z^{{{L}}})^{{T}}$, where {output_error(net)}. The "
            rf"dimensions must match: ${prev}$ is a ${m} \times 1$ column and the transposed "
            rf"error a $1 \times {n}$ row, so their product is ${m} \times {n}$, the shape of "
            rf"${sup('W', L)}$.")


def _hidden_layer(net: Network, param: str) -> str:
    L, l = len(net.layers), int(param[1:])
    out = [rf"apply the chain rule one layer at a time, backwards from "
           rf"$\partial \ell / \partial z^{{{L}}}$."]
    relu = []
    for k in range(L - 1, l - 1, -1):
        first = "The" if k == L - 1 else "In turn, the"
        out.append(rf"{first} pre-activation $z^{{{k + 1}}}$ depends on $a^{{{k}}}$ through "
                   rf"$\partial z^{{{k + 1}}} / \partial a^{{{k}}} = W^{{{k + 1}}}$ (the weights "
                   rf"of the forward pass, before their update), which gives "
                   rf"$\partial \ell / \partial a^{{{k}}}$.")
        f = net.layers[k - 1].activation
        out.append(PASS_ON[f].replace("%s", str(k))
                   + rf", which gives $\partial \ell / \partial z^{{{k}}}$.")
        if f == "relu":
            relu.append(k)
    symbol = param_symbol(param)
    prev = "x" if l == 1 else sup("a", l - 1)
    if param[0] == "W":
        out.append(rf"Finally $z^{{{l}}}$ depends on ${symbol}$ through "
                   rf"$\partial z^{{{l}}} / \partial {symbol} = {prev}$, so ${grad(symbol)}$ is "
                   rf"again an outer product, ${prev} (\partial \ell / \partial z^{{{l}}})^{{T}}$, "
                   rf"as for ${sup('W', L)}$.")
    else:
        out.append(rf"Finally $z^{{{l}}}$ depends on the bias ${symbol}$ with slope 1, so "
                   rf"${grad(symbol)} = \partial \ell / \partial z^{{{l}}}$.")
    for k in relu:
        out.append(rf"ReLU has no derivative where $z^{{{k}}}$ is 0; by convention it is "
                   "taken to be 0 there.")
    return " ".join(out)


def hint(part: Part, q: Question) -> str:
    """``\\emph{Hint:} …`` for the gradient ``q`` asks of (or steps with)."""
    net, param = part.network, q.get("param")
    text = (_output_layer(net, param) if int(param[1:]) == len(net.layers)
            else _hidden_layer(net, param))
    return r"\emph{Hint:} " + text
