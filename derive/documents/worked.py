"""The numeric worked solutions of one part, question by question, by kind.

A :class:`PartWriter` walks a part's questions in order and, for each, writes
the steps it needs from the part's solution
(:func:`derive.numerics.solve.solve_part`): the forward pass layer by layer,
the output gradient δᴸ by the rule of the (activation, loss) pair, the δ
recursion with each factor's numbers, each gradient as a product with its
shapes, the update, and the loss before and after the step. A step already
shown by an earlier question of the part is not repeated: the solution says
where it was. Beside each step stand the explanations its numbers bear out
(:mod:`derive.documents.insights` chooses the sentences,
:mod:`derive.documents.worked_notes` writes the longer ones: the rule a
question asks to show, the shifted softmax, why Wˡ⁺¹ and not its transpose,
what the step did). Each solution is a list of blocks for the template
(``text``, ``align`` rows, ``checks``); numbers are printed by
:class:`derive.documents.context.Formatter` (computed) and
:class:`~derive.documents.context.Given` (given data).
"""

from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
import sympy as sp

from derive.calculus.latex import latex
from derive.documents import checks, explain, insights, worked_notes
from derive.documents.blocks import align, text
from derive.documents.checks import numbered
from derive.documents.numbers import Formatter, Given
from derive.documents.kind_text import (ACTIVATION_NAMES, ETA, grad, layer_formula, loss_formula,
                                        new, param_symbol, sup)
from derive.documents.render import Latex
from derive.problem.assignment import Part, PartData, Question

DELTA = r"\delta"
# substitute the numbers into zˡ = (Wˡ)ᵀ aˡ⁻¹ + w0ˡ only while Wˡ is this small
SUBSTITUTE_ENTRIES = 16
FUSED = {("softmax", "nllm"): "a softmax output with the multiclass negative log-likelihood",
         ("sigmoid", "nll"): "a sigmoid output with the binary cross-entropy",
         ("identity", "mse"): "an identity output with half the squared error"}


def after_pass(sol) -> tuple[tuple, tuple, float]:
    """(z, a, loss) of the forward pass after the step."""
    return sol.after.z, sol.after.a, sol.after.loss


def derivative_values(activation: str, z, a) -> np.ndarray:
    """fˡ′(zˡ) from the layer's own numbers, as the rule the sheets quote:
    σ′ = a(1 − a), tanh′ = 1 − a², ReLU′ = 1[z > 0], identity′ = 1."""
    z, a = np.asarray(z, float), np.asarray(a, float)
    return {"identity": np.ones_like(z), "sigmoid": a * (1 - a), "tanh": 1 - a * a,
            "relu": (z > 0).astype(float)}[activation]


@lru_cache(maxsize=None)
def derivative_rule(activation: str, l: int) -> str:
    """fˡ′(zˡ) written in terms of the layer's activations."""
    a, z = sup("a", l), sup("z", l)
    return {"identity": "1", "sigmoid": rf"{a} \odot (1 - {a})",
            "tanh": rf"1 - {a} \odot {a}",
            "relu": latex(sp.Heaviside(sp.Symbol(z), 0))}[activation]


class PartWriter:
    """The worked solutions of one part's numeric questions, in order."""

    def __init__(self, part: Part, sol, fmt: Formatter, figures: int, numbers: dict[str, int],
                 data: PartData | None = None):
        self.part, self.sol, self.fmt, self.figures = part, sol, fmt, figures
        self.data = data or part.given
        self.given = Given(fmt.decimals)
        self.net = part.network
        self.L = len(self.net.layers)
        self.numbers = numbers           # question id -> the number the sheets print
        self.shown: dict[str, int] = {}  # what an earlier question showed -> its number

    # ---------------------------------------------------------------- helpers

    def _is(self, values) -> str:
        """``≈ value`` (or ``= value`` when it prints exactly)."""
        q = self.fmt.quantity(np.asarray(values, float))
        return f"{q['rel']} {q['value']}"

    def _substituted(self, u, v) -> str:
        """``= u ⊙ v`` with the numbers put in: ``≈`` when they are rounded."""
        rel = self.fmt.relation(np.concatenate([np.ravel(u), np.ravel(v)]))
        return rf"{rel} {self.fmt.matrix(u)} \odot {self.fmt.matrix(v)}"

    def _mark(self, name: str, number: int) -> bool:
        """Whether ``name`` is new (and remember that ``number`` shows it)."""
        if name in self.shown:
            return False
        self.shown[name] = number
        return True

    # ---------------------------------------------------------------- forward

    def forward(self, upto: int, number: int, loss: bool = False,
                asked: bool = False) -> list[dict]:
        """The forward pass through layer ``upto`` (and the loss); what an
        earlier question showed is referred to by that question's number.
        ``asked``: the question asks for the pass, so a softmax output is
        worked out shifted, and the class it favours said."""
        steps = [(f"forward{l}", f"${sup('a', l)}$", partial(self._layer, l, asked))
                 for l in range(1, upto + 1)]
        if loss:
            steps.append(("loss", r"$\ell$", self._loss))
        blocks, earlier = [], {}
        for name, symbol, write in steps:
            if self._mark(name, number):
                blocks += write()
            else:
                earlier.setdefault(self.shown[name], []).append(symbol)
        if not earlier:
            return blocks
        said = "; ".join(f"{checks.series(v)} in question {n}" for n, v in sorted(earlier.items()))
        return [text(f"The forward pass is as worked out before ({said}).")] + blocks

    def _layer(self, l: int, asked: bool = False) -> list[dict]:
        m, n = self.net.sizes[l - 1], self.net.sizes[l]
        f = self.net.layers[l - 1].activation
        z, a = self.sol.z[l - 1], self.sol.a[l - 1]
        formula = layer_formula(l, m, n)
        rows = [(sup("z", l), f"{formula['z']}", rf"{n} \times {m} \cdot {m} \times 1 "
                 rf"+ {n} \times 1 \to {n} \times 1")]
        if m * n <= SUBSTITUTE_ENTRIES:
            prev = self.given.matrix(self.data.x) if l == 1 else self.fmt.matrix(self.sol.a[l - 2])
            rel = "=" if l == 1 else self.fmt.relation(self.sol.a[l - 2])
            rows.append(("", f"{rel} {self.given.matrix(self.data.W[l - 1])}^{{T}} {prev} + "
                         f"{self.given.matrix(self.data.b[l - 1])}", ""))
        rows.append(("", self._is(z), ""))
        act = ACTIVATION_NAMES[f][1].replace("z", sup("z", l))
        rows.append((sup("a", l), f"f^{{{l}}}({sup('z', l)}) = {act} {self._is(a)}", ""))
        blocks = [text(f"Layer {l} ({'output' if l == self.L else 'hidden'}, "
                       f"{ACTIVATION_NAMES[f][0]}):"), align(*rows)]
        if f == "relu":
            blocks.append(text(f"ReLU keeps a positive ${sup('z', l)}_{{k}}$ and sets the others "
                               f"to 0. {explain.activity(z, '', sup('z', l))}"))
        if f == "softmax" and asked:
            said = insights.favoured(a, int(np.argmax(self.data.y)))
            blocks += worked_notes.shifted_softmax(self.fmt, z, l)
            blocks.append(text(f"Each entry is its exponential over the sum; {said}."))
        return blocks

    def _loss(self) -> list[dict]:
        out = sup("a", self.L)
        rhs = loss_formula(self.net.loss, out)
        if self.net.loss == "nllm":
            c = int(np.argmax(self.data.y)) + 1
            rhs += rf" = -\ln {out}_{{{c}}}"
        return [align((r"\ell", f"{rhs} {self._is(self.sol.loss)}", ""))]

    # ---------------------------------------------------------------- backward

    def delta(self, l: int, number: int) -> list[dict]:
        """δ from the output down to layer ``l``."""
        blocks, earlier = [], []
        for k in range(self.L, l - 1, -1):
            if self._mark(f"delta{k}", number):
                blocks += self._output_delta() if k == self.L else self._hidden_delta(k)
            else:
                earlier.append(k)
        if not earlier:
            return blocks
        k = min(earlier)
        return [text(f"The error signal ${sup(DELTA, k)}$ is as worked out in question "
                     f"{self.shown[f'delta{k}']}.")] + blocks

    def _output_delta(self) -> list[dict]:
        L, f, loss = self.L, self.net.layers[-1].activation, self.net.loss
        a, y, d = self.sol.a[-1], np.asarray(self.data.y, float), self.sol.delta[-1]
        dl = rf"\delta^{{{L}}} = \frac{{\partial \ell}}{{\partial z^{{{L}}}}}"
        if (f, loss) in FUSED:
            feeds = bool(np.any(self.data.x if L == 1 else self.sol.a[-2]))
            signs = insights.output_signs(loss, d, int(np.argmax(y)), feeds, L)
            return [text(f"Output gradient: for {FUSED[(f, loss)]} the chain rule through "
                         f"$f^{{{L}}}$ simplifies to $a^{{{L}}} - y$:"),
                    align((dl, rf"a^{{{L}}} - y {self.fmt.relation(a)} {self.fmt.matrix(a)} - "
                           rf"{self.given.matrix(y)} {self._is(d)}", ""))] + ([text(signs)] if signs else [])
        fp = derivative_values(f, self.sol.z[-1], a)
        return [text(f"Output gradient: half the squared error gives "
                     f"$\\partial \\ell / \\partial a^{{{L}}} = a^{{{L}}} - y$, and the chain "
                     f"rule multiplies it entry by entry by "
                     f"$f^{{{L}}}{{}}'(z^{{{L}}}) = {derivative_rule(f, L)}$:"),
                align((dl, rf"(a^{{{L}}} - y) \odot f^{{{L}}}{{}}'(z^{{{L}}})", ""),
                      ("", rf"{self._substituted(a - y, fp)} {self._is(d)}", ""))]

    def _hidden_delta(self, l: int) -> list[dict]:
        f = self.net.layers[l - 1].activation
        n, k = self.net.sizes[l], self.net.sizes[l + 1]
        back, fp, d = self.sol.back[l - 1], self.sol.f_prime[l - 1], self.sol.delta[l - 1]
        formula = layer_formula(l + 1, n, k)["back"]
        before = " (before their update)" if f"W{l + 1}" in self.part.step_params else ""
        blocks = [text(f"Back to layer {l}: the error reaches $a^{{{l}}}$ through the weights "
                       f"$W^{{{l + 1}}}$ of the forward pass{before}, and $z^{{{l}}}$ through "
                       f"$f^{{{l}}}{{}}'(z^{{{l}}}) = {derivative_rule(f, l)}$.")]
        blocks += worked_notes.through_forward_weights(l, last=l + 1 == self.L)
        blocks.append(align((sup(r"\delta", l), rf"({formula}) \odot f^{{{l}}}{{}}'(z^{{{l}}})",
                             rf"{n} \times {k} \cdot {k} \times 1 \to {n} \times 1"),
                            ("", rf"{self._substituted(back, fp)} {self._is(d)}", "")))
        off = self._off(l)
        if off:
            blocks.append(text(f"The mask stops the error at the inactive "
                               f"{numbered(off, 'unit')}: "
                               f"{'its entry' if len(off) == 1 else 'their entries'} "
                               f"of $\\delta^{{{l}}}$ {'is' if len(off) == 1 else 'are'} 0."))
        return blocks

    def gradient(self, param: str, number: int) -> list[dict]:
        """∂ℓ/∂Wˡ = aˡ⁻¹(δˡ)ᵀ (or ∂ℓ/∂w0ˡ = δˡ) with its checks."""
        l = int(param[1:])
        blocks = self.forward(self.L, number, loss=False) + self.delta(l, number)
        if not self._mark(f"grad{param}", number):
            return [text(f"The gradient ${grad(param_symbol(param))}$ is as worked out in "
                         f"question {self.shown[f'grad{param}']}.")]
        m, n = self.net.sizes[l - 1], self.net.sizes[l]
        symbol = param_symbol(param)
        if param[0] == "b":
            g = self.sol.dL_db[l - 1]
            return blocks + [text(f"The bias enters $z^{{{l}}}$ with factor 1, so its gradient "
                                  f"is $\\delta^{{{l}}}$ itself:"),
                             align((grad(symbol), rf"\delta^{{{l}}} {self._is(g)}", "")),
                             {"type": "checks", "lines": self._checks(l, g, bias=True)}]
        g = self.sol.dL_dW[l - 1]
        formula = layer_formula(l, m, n)
        h = sup("a", l - 1) if l > 1 else "x"
        blocks += [text(f"Weight $w^{{{l}}}_{{kj}}$ enters $z^{{{l}}}_{{j}}$ alone, with factor "
                        f"${h}_{{k}}$, so $\\partial \\ell / \\partial w^{{{l}}}_{{kj}} = "
                        f"\\delta^{{{l}}}_{{j}} {h}_{{k}}$, entry $(k, j)$ of "
                        f"${h} (\\delta^{{{l}}})^{{T}}$: the gradient is a column times a row:"),
                   align((grad(symbol), rf"{formula['dW']} {self._is(g)}",
                          explain.shapes((m, 1), (1, n))))]
        blocks += [text(s) for s in self._zeros(l, grad(symbol)) if s]
        blocks.append({"type": "checks", "lines": self._checks(l, g)})
        return blocks

    def _off(self, l: int) -> list[int]:
        """The units of hidden layer ``l`` that are ReLUs and off (zˡ ≤ 0)."""
        if not 1 <= l < self.L or self.net.layers[l - 1].activation != "relu":
            return []
        return [i for i in range(self.net.sizes[l]) if not self.sol.z[l - 1][i] > 0]

    def _zeros(self, l: int, gradient: str) -> list[str]:
        """Why rows or columns of ∇Wˡ are 0 (an input of 0, a unit off), or
        small (a saturated unit), by the numbers."""
        inputs = self.data.x if l == 1 else self.sol.a[l - 2]
        said = [insights.zero_rows(inputs, l, self._off(l - 1), gradient)]
        if l < self.L:
            f = self.net.layers[l - 1].activation
            said += [insights.zero_columns(self.sol.delta[l - 1], self.sol.back[l - 1],
                                           self._off(l), gradient),
                     insights.saturated(self.fmt, f, self.sol.f_prime[l - 1], l, gradient)]
        return said

    def _checks(self, l: int, g, bias: bool = False) -> list[Latex]:
        """The checks under the gradient of layer ``l``'s weights (or bias):
        rows summing to 0, inactive units' zeros, a finite difference."""
        items = []
        if l == self.L and self.net.loss == "nllm" and not bias:
            items.append(checks.row_check(
                self.fmt, g, sp.Symbol(f"{sup('a', l - 1)}_{{k}}" if l > 1 else "x_{k}"),
                sp.MatrixSymbol(sup(r"\delta", l), self.net.sizes[l], 1), (sup("a", l), "n")))
        if not bias:
            items += [checks.zero_check(g, self._off(l), 1),
                      checks.zero_check(g, self._off(l - 1), 0)]
        kinks = [i for i in range(self.net.sizes[l]) if l < self.L and self.sol.z[l - 1][i] == 0
                 and self.net.layers[l - 1].activation == "relu"]
        d = self.data
        fd = checks.finite_difference(self.net, d.x, d.W, d.b, d.y, l - 1, g, avoid=kinks,
                                      bias=bias)
        items.append(checks.fd_check(self.fmt, fd, str(l), self.figures, kink=fd.col in kinks,
                                     bias=bias))
        return [Latex(i) for i in items if i]

    def update(self, param: str, number: int) -> list[dict]:
        """The step on one parameter, with its numbers."""
        if not self._mark(f"new{param}", number):
            return [text(f"The updated ${param_symbol(param)}$ is as worked out in question "
                         f"{self.shown[f'new{param}']}.")]
        l, symbol = int(param[1:]), param_symbol(param)
        g = (self.sol.dL_dW if param[0] == "W" else self.sol.dL_db)[l - 1]
        value = self.sol.new[param]
        return [text(f"The step moves ${symbol}$ against its gradient, with step size "
                     f"${ETA} = {self.given.number(self.data.lr)}$:"),
                align((new(symbol), rf"{symbol} - {ETA} {grad(symbol)} {self.fmt.relation(g)} "
                       rf"{self.given.matrix(self.data.param(param))} - "
                       rf"{self.given.factor(self.data.lr)}{self.fmt.matrix(g)}", ""),
                      ("", self._is(value), ""))] + self._step_done(number)

    def _step_done(self, number: int) -> list[dict]:
        """Once every update of the step is worked out: the loss before and
        after it, and whether it fell (said once)."""
        if any(f"new{p}" not in self.shown for p in self.part.step_params) \
                or not self._mark("loss_change", number):
            return []
        grads = {param_symbol(p): self.sol.grad(p) for p in self.part.step_params}
        change = explain.loss_change(self.fmt, float(self.sol.loss), float(self.sol.after.loss))
        return [text(insights.first_order(self.fmt, self.data.lr, grads) + change)]

    # ---------------------------------------------------------------- after the step

    def after(self, number: int, loss: bool) -> list[dict]:
        """The updates the step makes, then the forward pass with them."""
        blocks = []
        for p in self.part.step_params:
            if f"new{p}" not in self.shown:
                blocks += self.gradient(p, number) + self.update(p, number)
        held = [param_symbol(f"{g}{l}") for l in range(1, self.L + 1) for g in "Wb"
                if f"{g}{l}" not in self.part.step_params]
        z, a, loss_new = after_pass(self.sol)
        new_names = ", ".join(f"${new(param_symbol(p))}$" for p in self.part.step_params)
        has = (f"After the step the network has {new_names}"
               + (f" (and the given ${'$, $'.join(held)}$, held)" if held else ""))
        if self._mark("after", number):
            blocks.append(text(has + ". The forward pass again, for the same input:"))
            rows = []
            for l in range(1, self.L + 1):
                f = self.net.layers[l - 1].activation
                act = ACTIVATION_NAMES[f][1].replace("z", new(sup("z", l)))
                rows += [(new(sup("z", l)), self._is(z[l - 1]), ""),
                         (new(sup("a", l)), f"{act} {self._is(a[l - 1])}", "")]
            rows.append((new(r"\ell"), self._is(loss_new), ""))
            blocks.append(align(*rows))
            blocks += [text(s) for s in worked_notes.relu_states(self.part, self.sol, z)]
        else:
            blocks.append(text(f"{has}; its forward pass is worked out in question "
                               f"{self.shown['after']}."))
        if not loss:
            return blocks
        change = explain.loss_change(self.fmt, float(self.sol.loss), float(loss_new))
        if self._mark("loss_change", number):
            blocks.append(text(change[0].upper() + change[1:]))
        elif self.shown["loss_change"] != number:
            blocks.append(text(f"As question {self.shown['loss_change']} found, {change}"))
        return blocks

    # ---------------------------------------------------------------- by kind

    def solution(self, q: Question) -> list[dict]:
        """The blocks of a numeric question's worked solution."""
        number, k = self.numbers[q.id], q.kind
        if k == "forward":
            value = q.get("value")
            upto = self.L if value in ("output", "loss") else int(value[1:])
            return self.forward(upto, number, loss=value == "loss", asked=True)
        if k == "probability":
            c, after = q.get("class"), q.get("after")
            if after:
                return self.after(number, loss=False) + worked_notes.moved(
                    self.fmt, self.part, self.sol, self.data, c)
            blocks = self.forward(self.L, number)
            if len(self.sol.a[-1]) > 1:
                said = insights.favoured(self.sol.a[-1], int(np.argmax(self.data.y)))
                blocks.append(text(f"Class {c}'s probability is entry {c} of "
                                   f"${sup('a', self.L)}$ (index {c - 1} in NumPy); {said}."))
            return blocks
        if k == "after-step":
            blocks = self.after(number, loss=True)
            a, a_new = self.sol.a[-1], self.sol.after.a[-1]
            if q.get("value") == "output" and len(a) > 1:
                t = int(np.argmax(self.data.y))
                blocks.append(text(f"Before the step {insights.favoured(a, t)}; after it, "
                                   f"{insights.favoured(a_new, t)}."))
            return blocks
        param = q.get("param")
        if k == "gradient":
            rule = worked_notes.shown_rule(self.net, param) if q.get("show") else []
            return rule + self.gradient(param, number)
        if k in ("step", "gradient-step"):
            return self.gradient(param, number) + self.update(param, number)
        raise ValueError(f"no worked solution for kind {k!r}")
