"""The instructor notebook's solution code, generated from the derivations:
per part a cell with ``forward``, ``loss``, ``gradients`` and ``step`` in
plain NumPy (``@``, ``np.outer``, a stable softmax and sigmoid, log-softmax
for the NLLM, ReLU masks ``(z > 0)``), and per question the line that takes its
answer from them. δᴸ is printed from the output gradient's derivation
(:func:`derive.calculus.catalogue.output_gradient`) and each hidden layer's
f′ from its activation-derivative derivation
(:func:`derive.calculus.activations.derivative`), by a SymPy NumPy printer;
the forward pass from the activations' definitions."""

from __future__ import annotations

import json

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from derive.calculus import activations as act
from derive.calculus.catalogue import output_gradient, plain_symbols
from derive.calculus.rules import sigmoid
from derive.problem.catalogue import FORMULA_KINDS


class _Printer(NumPyPrinter):
    """NumPy code as a person writes it: ``np.``, ``1/x``, ``np.maximum``,
    a ReLU's derivative as the mask ``(z > 0)`` (0 at the kink)."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return "1/" + self.parenthesize(expr.base, precedence(expr))
        return super()._print_Pow(expr, rational)

    def _print_Heaviside(self, expr):
        return f"({self._print(expr.args[0])} > 0)"

    def _print_Max(self, expr):
        return "np.maximum(" + ", ".join(self._print(a) for a in sorted(
            expr.args, key=lambda a: a.is_number)) + ")"

    def _module_format(self, fqn, register=True):
        return super()._module_format(fqn, register).replace("numpy.", "np.")


def numpy_code(expr: sp.Expr) -> str:
    """``expr`` as NumPy code."""
    return _Printer().doprint(expr)


SOFTMAX = '''\
def softmax(z):
    """Softmax, shifted by max(z): the same values, and exp never overflows."""
    e = np.exp(z - z.max())
    return e / e.sum()


def log_softmax(z):
    """ln softmax(z), shifted as softmax is: no log of 0 for a confident output."""
    shifted = z - z.max()
    return shifted - np.log(np.exp(shifted).sum())
'''

SIGMOID = '''\
def sigmoid(z):
    """σ(z) = 1/(1 + e^(-z)), as (1 + tanh(z/2))/2: the same values, and no exp
    to overflow for a large negative z."""
    return (1 + np.tanh(z / 2)) / 2
'''

# activation -> its helper, in the order the setup cell defines them
HELPERS = {"softmax": SOFTMAX, "sigmoid": SIGMOID}


def setup(assignment) -> str:
    """What the solution cells share: the helpers of the activations the
    parts with data use (softmax and log-softmax, sigmoid)."""
    used = {layer.activation for p in assignment.parts if p.network and p.given is not None
            for layer in p.network.layers}
    code = "\n\n".join(text for name, text in HELPERS.items() if name in used)
    return "\n\n# The instructor's helpers\n" + code if code else ""


def _activation(name: str, l: int) -> str:
    """aˡ = f(zˡ) as code, from the activation's definition (softmax and
    sigmoid: their helpers, which never overflow)."""
    if name in HELPERS:
        return f"{name}(z{l})"
    return numpy_code(act.FUNCTION[name].subs(act.z, sp.Symbol(f"z{l}")))


def _derivative(name: str, l: int) -> sp.Expr:
    """fˡ′(zˡ) in terms of aˡ (or the mask of zˡ), from its derivation."""
    a, z = sp.Symbol(f"a{l}"), sp.Symbol(f"z{l}")
    d = act.derivative(name).result.doit()
    return d.subs({sigmoid(act.z): a, sp.tanh(act.z): a}).subs(act.z, z)


def _delta(net) -> sp.Expr:
    """δᴸ in the names of the code (aL, y, zL), from the output gradient's derivation."""
    L, one = len(net.layers), net.layers[-1].size == 1
    expr = plain_symbols(output_gradient(net.layers[-1].activation, net.loss, one).result.doit())
    suffix = "" if one else "_j"
    return expr.subs({sp.Symbol(f"{s}{suffix}", real=True): sp.Symbol(f"{s}{L}" if s != "y" else "y")
                      for s in "azy"})


_LOSS = {"nllm": ("the multiclass negative log-likelihood, from log-softmax",
                  "-(y * log_softmax({z})).sum()"),
         "nll": ("the binary cross-entropy; -ln σ(z) = ln(1 + e^(-z)), by np.logaddexp",
                 "(y * np.logaddexp(0, -{z}) + (1 - y) * np.logaddexp(0, {z})).sum()"),
         "mse": ("half the squared distance", "(({a} - y) ** 2).sum() / 2")}


def part_code(part) -> str:
    """A part's solution cell: its data as ``params``, ``forward``, ``loss``,
    ``gradients`` and (when the part has a step) ``step``, then ``grads``
    and ``after``, the parameters after the step."""
    net, L = part.network, len(part.network.layers)
    names = [f"{g}{l}" for l in range(1, L + 1) for g in "Wb"]
    values = ", ".join(f'"z{l}": z{l}, "a{l}": a{l}' for l in range(1, L + 1))
    lines = ["# The solution of this part, for any weights (run after its data cell)",
             "params = {" + ", ".join(f'"{n}": {n}' for n in names) + "}", "", "",
             "def forward(params, x=x):",
             '    """z and a of every layer for the input x (a0 = x)."""']
    for l, layer in enumerate(net.layers, start=1):
        below = "x" if l == 1 else f"a{l - 1}"
        lines += [f'    z{l} = params["W{l}"].T @ {below} + params["b{l}"]',
                  f"    a{l} = {_activation(layer.activation, l)}"]
    lines += [f"    return {{{values}}}", "", ""]
    what, code = _LOSS[net.loss]
    zL, aL = f'f["z{L}"]', f'f["a{L}"]'
    lines += ["def loss(params, x=x, y=y):", f'    """ℓ: {what}."""',
              "    f = forward(params, x)",
              f"    return float({code.format(z=zL, a=aL)})", "", ""]
    unpack = ", ".join(f"z{l}, a{l}" for l in range(1, L + 1))
    fields = ", ".join(f'f["z{l}"], f["a{l}"]' for l in range(1, L + 1))
    lines += ["def gradients(params, x=x, y=y):",
              '    """∂ℓ/∂W and ∂ℓ/∂b of every layer, by backpropagation."""',
              "    f = forward(params, x)", f"    {unpack} = {fields}",
              f"    d{L} = {numpy_code(_delta(net))}   # δ{L} = ∂ℓ/∂z{L}"]
    for l in range(L - 1, 0, -1):
        back = f'(params["W{l + 1}"] @ d{l + 1})'
        fp = _derivative(net.layers[l - 1].activation, l)
        code = back if fp == 1 else f"{back} * {_Printer().parenthesize(fp, PRECEDENCE['Mul'])}"
        lines.append(f"    d{l} = {code}   # δ{l} = (W{l + 1} δ{l + 1}) ⊙ f{l}′(z{l})")
    grads = ", ".join(f'"W{l}": np.outer({"x" if l == 1 else f"a{l - 1}"}, d{l}), "b{l}": d{l}'
                      for l in range(1, L + 1))
    lines += [f"    return {{{grads}}}", "", "", "grads = gradients(params)"]
    if part.step_params:
        held = [n for n in names if n not in part.step_params]
        lines[-1:] = ["def step(params, grads, lr=lr):",
                      f'    """One gradient-descent step on {", ".join(part.step_params)}'
                      + (f'; {", ".join(held)} held."""' if held else '."""'),
                      "    new = dict(params)",
                      f"    for name in {_tuple(part.step_params)}:",
                      "        new[name] = params[name] - lr * grads[name]",
                      "    return new", "", "",
                      "grads = gradients(params)",
                      "after = step(params, grads)   # the parameters after the step"]
    return "\n".join(lines) + "\n"


def _tuple(names) -> str:
    """A tuple of names as code, in double quotes."""
    return "(" + ", ".join(f'"{n}"' for n in names) + ("," if len(names) == 1 else "") + ")"


def _value(part, name: str, where: str) -> str:
    """A forward-pass quantity (z2, a1, output, loss) of ``where`` as code."""
    if name == "loss":
        return f"loss({where})"
    if name == "output":
        name = f"a{len(part.network.layers)}"
    return f'forward({where})["{name}"]'


_EXAMPLE = {"nllm": "-(y_example * np.log(a_example)).sum()",
            "nll": "-(y_example * np.log(a_example) + (1 - y_example) * np.log(1 - a_example)).sum()",
            "mse": "((a_example - y_example) ** 2).sum() / 2"}


def answer_code(part, q, answer, var: str) -> str:
    """The answer cell of question ``q`` (``answer`` the key's, for a formula's text)."""
    kind, get = q.kind, q.get
    if kind == "loss" and isinstance(answer, dict) and "value" in answer:
        ex = get("example")
        return (f"a_example = np.array({list(ex.a)!r}, dtype=float)\n"
                f"y_example = np.array({list(ex.y)!r}, dtype=float)\n"
                f"{var} = float({_EXAMPLE[get('loss')]})\n")
    if kind in FORMULA_KINDS:
        text = answer.get("sympy", answer.get("latex", "")) if isinstance(answer, dict) else ""
        note = "   # graded by hand: the key has no SymPy form" if "sympy" not in answer else ""
        return f"{var} = {json.dumps(text)}{note}\n"
    where = "after" if kind == "after-step" or get("after") else "params"
    if kind in ("forward", "after-step"):
        return f"{var} = {_value(part, get('value'), where)}\n"
    if kind == "probability":
        c = get("class")
        return (f"{var} = float({_value(part, 'output', where)}[{c - 1}])   "
                f"# class {c}, counted from 1\n")
    param = get("param")
    if kind == "gradient":
        return f'{var} = grads["{param}"]\n'
    if kind == "step":
        return f'{var} = after["{param}"]\n'
    return f'{var} = {{"grad": grads["{param}"], "new": after["{param}"]}}\n'
