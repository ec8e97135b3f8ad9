"""What a question of each kind says, on the problem sheet and the handout.

Everything here reads the question's kind, its options, the part's network
and its step; nothing knows a question by its id. Names and formulas come
from :mod:`derive.documents.kind_text`; the hints of ``hint = true`` from
:mod:`derive.documents.hints`.
"""

from __future__ import annotations

import re

from derive.calculus.catalogue import derivations
from derive.calculus.latex import latex
from derive.documents.checks import series
from derive.documents.hints import SHORT, hint, output_error
from derive.documents.kind_text import (ACTIVATION_NAMES, ETA, LOSS_NAMES, activation_text, grad,
                                        layer_formula,
                                        layer_of, loss_formula, output_class, param_symbol, sup,
                                        value_symbol)
from derive.documents.render import Latex
from derive.problem.assignment import Part, Question
from derive.problem.catalogue import param_names
from derive.problem.spec import Network, decimal_text

STEP = "the step of this part"
# a layer's activation applied to its pre-activations, as the network text says it
APPLIED = {"relu": (r"\max(%s, 0)", " entry by entry"), "sigmoid": (r"\sigma(%s)", " entry by entry"),
           "tanh": (r"\tanh(%s)", " entry by entry"), "identity": ("%s", ""),
           "softmax": (r"\operatorname{SM}(%s)", "")}
# what a loss compares, for a loss question: (one output unit, several)
LOSS_OPERANDS = {
    "nllm": (None, "of a probability vector $a$ for a one-hot target $y$"),
    "nll": (r"of a probability $a = P(y = 1)$ for a label $y \in \{0, 1\}$",
            r"of probabilities $a_{j}$ for labels $y_{j} \in \{0, 1\}$"),
    "mse": ("of an output $a$ for a target $y$", "of an output vector $a$ for a target $y$"),
}
# the targets a loss takes, for the statement of a gradient formula
TARGETS = {"nllm": "For a one-hot target $y$ (1 for the target class, 0 for the others)",
           "nll": r"For labels $y \in \{0, 1\}$", "mse": "For a target $y$"}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _article(m: int) -> str:
    return "an" if str(m).startswith("8") or m in (11, 18) else "a"


# --------------------------------------------------------------------------
# The part: its network and its step


def output_meaning(network: Network) -> str:
    """What the output is: a class probability, or the prediction of y."""
    L, out = len(network.layers), network.layers[-1]
    a = sup("a", L)
    if out.activation == "softmax":
        return f"whose entry ${a}_{{j}}$ is the probability of class $j$"
    if out.activation == "sigmoid" and network.loss == "nll":
        return (f"the probability ${a} = P(y = 1)$" if out.size == 1 else
                f"whose entry ${a}_{{j}}$ is the probability that $y_{{j}} = 1$")
    return "the network's prediction of the target $y$"


def network_text(network: Network) -> Latex:
    """What the network is and computes, layer by layer, and its loss."""
    L, sizes = len(network.layers), network.sizes
    units = []
    for l, layer in enumerate(network.layers, start=1):
        short = SHORT[layer.activation]
        if l == L:
            units.append(f"{_plural(layer.size, short + ' output')} ($f^{{{l}}}$)")
        elif L == 2:
            units.append(f"{_plural(layer.size, 'hidden ' + short + ' unit')} ($f^{{{l}}}$)")
        else:
            units.append(f"{_plural(layer.size, short + ' unit')} in hidden layer {l} "
                         f"($f^{{{l}}}$)")
    steps = []
    for l, layer in enumerate(network.layers, start=1):
        form, how = APPLIED[layer.activation]
        how = how if layer.size > 1 else ""
        z = sup("z", l)
        steps.append(f"${z} = {layer_formula(l, sizes[l - 1], sizes[l])['z']}$ and "
                     f"${sup('a', l)} = {form % z}${how}")
    a = sup("a", L)
    return Latex(f"The network has {series([_plural(network.n_inputs, 'input')] + units)}. "
                 f"It computes {', then '.join(steps)}, {output_meaning(network)}. "
                 f"The loss is {LOSS_NAMES[network.loss]}, "
                 f"$\\ell = {loss_formula(network.loss, a)}$.")


def held_text(part: Part) -> str:
    """What the part's step leaves alone: ``leaving the biases unchanged``;
    ``updating every parameter`` when it leaves nothing."""
    names = param_names(part.network)
    held = [p for p in names if p not in part.step_params]
    if not held:
        return "updating every parameter"
    for group, noun in (("b", "bias"), ("W", "weight matrix")):
        of_group = [p for p in names if p[0] == group]
        if held == of_group:
            plural = {"bias": "the biases", "weight matrix": "the weight matrices"}[noun]
            what = plural if len(held) > 1 else f"the {noun} ${param_symbol(held[0])}$"
            return f"leaving {what} unchanged"
    return f"leaving {series([f'${param_symbol(p)}$' for p in held])} unchanged"


def step_description(part: Part) -> str:
    """``one gradient-descent step with step size η = 0.5 on W¹ and W², leaving
    the biases unchanged``."""
    updated = series([f"${param_symbol(p)}$" for p in part.step_params])
    return (f"one gradient-descent step with step size ${ETA} = {decimal_text(part.given.lr)}$ "
            f"on {updated}, {held_text(part)}")


def step_text(part: Part) -> Latex:
    """The part's one gradient-descent step, said once under its heading
    ("" without a step)."""
    if not part.step_params:
        return Latex("")
    return Latex(f"The step of this part is {step_description(part)}, all from the gradients "
                 f"at the given weights.")


def _updated(part: Part) -> str:
    """``with the updated W¹ and W²``."""
    return "with the updated " + series([f"${param_symbol(p)}$" for p in part.step_params])


# --------------------------------------------------------------------------
# Formula kinds


def _loss_definition(part: Part, loss: str):
    """The loss's definition, as the calculus catalogue derives it for the part's output."""
    return derivations(part, Question("loss", "loss", 0, (("loss", loss),)))[0]


def loss_name(part: Part, loss: str) -> str:
    """The loss's name as its derivation writes it: ``\\operatorname{NLLM}``."""
    return re.sub(r"\(a, y\)$", "", latex(_loss_definition(part, loss).lhs))


def _example_vector(v) -> str:
    """An example's a or y as the statement prints it: one number alone, else
    a column written as a transposed row."""
    if len(v) == 1:
        return decimal_text(v[0])
    return r"\left[" + ", ".join(map(decimal_text, v)) + r"\right]^{T}"


def _loss_statement(part: Part, q: Question) -> str:
    loss = q.get("loss")
    lhs = latex(_loss_definition(part, loss).lhs)
    one = part.network is not None and part.network.layers[-1].size == 1
    operands = LOSS_OPERANDS[loss][0 if one and loss != "nllm" else 1]
    text = f"Give {LOSS_NAMES[loss].split(' (')[0]} ${lhs}$ {operands}"
    example = q.get("example")
    if example:
        text += (f", and evaluate it for $a = {_example_vector(example.a)}$ and "
                 f"$y = {_example_vector(example.y)}$")
    return text + "."


def _formula_setting(part: Part) -> str:
    """The loss and the output layer a gradient formula is asked of, in the
    symbols of its derivation (the output's a, z, y without a layer index)."""
    net = part.network
    L, out = len(net.layers), net.layers[-1]
    one = out.size == 1
    loss = _loss_definition(part, net.loss)
    j = "" if one else "_{j}"
    top = f"^{{{L}}}" if L > 1 else ""
    w = lambda k: f"w{top}_{{{k}{'' if one else 'j'}}}"  # noqa: E731
    x = "x" if L == 1 else sup("a", L - 1)
    m = "m" if L == 1 else f"n^{{{L - 1}}}"
    z = rf"\sum_{{k=1}}^{{{m}}} {w('k')} {x}_{{k}} + {w('0')}"
    form, _ = APPLIED[out.activation]
    if out.activation == "softmax":
        act = rf"$z_{{j}} = {z}$ and $a = {form % 'z'}$"
    else:
        act = f"$a{j} = {form % ('z' + j)}$ with $z{j} = {z}$"
    if L == 1:
        where = (f"For a single unit {act}" if one else f"For a single layer, {act}")
        where += " (one layer, no regulariser)"
    else:
        where = (f"For the output layer {L} of this part's network, {act} (the output's "
                 f"$z$, $a$ without their layer index; no regulariser)")
    return (f"{TARGETS[net.loss]} the loss of a {SHORT[out.activation]} output is "
            f"{LOSS_NAMES[net.loss].split(' (')[0]}\n"
            f"\\[ {latex(loss.lhs)} = {latex(loss.steps[0].expr)}, \\]\n"
            f"summed over the examples of a data set. {where}")


def _gradient_formula(part: Part, q: Question, answer) -> str:
    net = part.network
    d = derivations(part, q)[-1]
    entry = re.sub(r"^\\frac\{(.+?)\}\{(.+)\}$", r"\1 / \2", latex(d.lhs))  # inline: a / b
    setting = _formula_setting(part)
    if q.get("show") and answer:
        return f"{setting}, show that ${entry} = {answer['latex']}$."
    one, L = net.layers[-1].size == 1, len(net.layers)
    weights = (r"the weights $w_{1}, \dots, w_{m}$" if one and L == 1 else
               f"the weights ${sup('W', L)}$")
    name = loss_name(part, net.loss)
    return f"{setting}, give the gradient of ${name}$ with respect to {weights}: its entry ${entry}$."


# --------------------------------------------------------------------------
# Numeric kinds


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
        return f"After {STEP}, compute {what} again, for the same input ({_updated(part)})."
    data = "example $(x, y)$" if value == "loss" else "input $x$"
    return f"Compute {what} for the given {data}."


def _shape(net: Network, param: str) -> tuple[int, int | None]:
    l = int(param[1:])
    return (net.sizes[l - 1], net.sizes[l]) if param[0] == "W" else (net.sizes[l], None)


def _shape_text(net: Network, param: str) -> str:
    symbol = param_symbol(param)
    m, n = _shape(net, param)
    if n:
        return f"{_article(m)} ${m} \\times {n}$ matrix like ${symbol}$"
    return (f"a vector of {m if m > 1 else 'one'} entr{'ies' if m > 1 else 'y'} like "
            f"${symbol}$")


def _gradient(part: Part, q: Question) -> str:
    net, param = part.network, q.get("param")
    symbol, l = param_symbol(param), int(param[1:])
    m, n = _shape(net, param)
    back = f"Backpropagate to ${symbol}$: " if l < len(net.layers) else ""
    if q.kind == "gradient" and q.get("show"):
        rule = layer_formula(l, m, n)["dW"] if n else sup(r"\delta", l)
        delta = f" and {output_error(net)}" if l == len(net.layers) else ""
        return (f"{back}Show that ${grad(symbol)} = {rule}$, where "
                f"$\\delta^{{{l}}} = \\partial \\ell / \\partial z^{{{l}}}${delta}; give it "
                f"for the given data ({_shape_text(net, param)}).")
    if q.kind == "gradient":
        return (f"{back}Give the gradient ${grad(symbol)}$ of the loss for the given data "
                f"({_shape_text(net, param)}).")
    take = f"take {STEP} ({step_description(part)})"
    if q.kind == "step":
        return f"{take[0].upper()}{take[1:]} and give the new ${symbol}$."
    verb = "compute" if back else "Compute"
    return (f"{back}{verb} the gradient ${grad(symbol)}$ ({_shape_text(net, param)}), then "
            f"{take}; give the gradient and the new ${symbol}$.")


def _probability(part: Part, q: Question) -> str:
    net, c = part.network, q.get("class")
    what = (f"the probability ${output_class(net, c)}$ that the network gives class {c}"
            + (" ($y = 1$)" if net.layers[-1].size == 1 else ""))
    if q.get("after"):
        return f"After {STEP}, give {what} for the same input ({_updated(part)})."
    before = " before the step" if part.step_params else ""
    return f"Give {what} for the given input $x${before}."


def statement(part: Part, q: Question, answer=None) -> Latex:
    """The question's text, generated from its kind and options, with its
    hint when it has ``hint = true``. ``answer`` (the key's) is quoted only by
    a ``show = true`` question."""
    k = q.kind
    if k == "activation":
        f = q.get("activation")
        if f == "softmax":
            text = (r"Give the softmax function $a = \operatorname{SM}(z)$ that maps a "
                    r"vector $z$ of $n$ scores to a probability vector $a$.")
        else:
            text = f"Give {activation_text(f)} as a function of $z$."
    elif k == "activation-derivative":
        f = q.get("activation")
        name, formula = ACTIVATION_NAMES[f]
        tail = {"sigmoid": f", in terms of ${formula}$", "tanh": f", in terms of ${formula}$",
                "relu": ", with its value at $z = 0$"}.get(f, "")
        text = f"Give the derivative of {name} ${formula}$ with respect to $z${tail}."
    elif k == "softmax-jacobian":
        text = (r"Give the Jacobian $\partial a_{i} / \partial z_{j}$ of the softmax "
                r"$a = \operatorname{SM}(z)$, in terms of $a$.")
    elif k == "loss":
        text = _loss_statement(part, q)
    elif k == "output-gradient":
        net, L = part.network, len(part.network.layers)
        text = (f"For this part's output layer ($f^{{{L}}}(z) = "
                f"{ACTIVATION_NAMES[net.layers[-1].activation][1]}$) and loss "
                f"({LOSS_NAMES[net.loss]}), give the output gradient "
                f"$\\delta^{{{L}}}_{{j}} = \\partial \\ell / \\partial z^{{{L}}}_{{j}}$ "
                f"as a formula.")
    elif k == "gradient-formula":
        text = _gradient_formula(part, q, answer)
    elif k in ("forward", "after-step"):
        text = _forward_text(part, q.get("value"), k == "after-step")
    elif k == "probability":
        text = _probability(part, q)
    elif k in ("gradient", "step", "gradient-step"):
        text = _gradient(part, q)
    else:
        raise ValueError(f"no statement for kind {k!r}")
    if q.get("hint"):
        text += "\n" + hint(part, q)
    return Latex(text)

