"""The step of the worked solution a numeric question rests on, for the
feedback PDFs: the matrix formulas of its kind for the part's network, in the
assignment's notation (zˡ, aˡ, δˡ, Wˡ, w0ˡ, η), without numbers (the key's
answer is printed beside them)."""

from __future__ import annotations

from derive.documents.kind_text import (ETA, grad, layer_formula, loss_formula, new,
                                        param_symbol, sup)
from derive.documents.render import Latex
from derive.documents.worked import DELTA, FUSED, derivative_rule
from derive.problem.assignment import Part, Question
from derive.problem.catalogue import NUMERIC_KINDS as NUMERIC
from derive.problem.spec import Network

_F = {"identity": "z", "relu": r"\max(z, 0)", "sigmoid": r"\sigma(z)", "tanh": r"\tanh(z)",
      "softmax": r"\operatorname{softmax}(z)"}


def formulas(part: Part, q: Question) -> list[Latex]:
    """The formulas behind numeric question ``q`` (none for a formula kind)."""
    net = part.network
    if net is None:
        return []
    L, kind, param = len(net.layers), q.kind, q.get("param")
    if kind not in NUMERIC:
        return []
    if kind in ("gradient", "step", "gradient-step"):
        l = int(param[1:])
        sym = param_symbol(param)
        out = _deltas(net, l)
        rhs = layer_formula(l, *net.sizes[l - 1:l + 1])["dW"] if param[0] == "W" \
            else sup(DELTA, l)
        out.append(Latex(f"{grad(sym)} = {rhs}"))
        return out + ([_step(param)] if kind != "gradient" else [])
    value = q.get("value") or "output"
    top = L if value in ("output", "loss") else int(value[1:])
    after = kind == "after-step" or bool(q.get("after"))
    out = [_step(p) for p in part.step_params] if after else []
    out += _forward(net, top, part.step_params if after else ())
    if value == "loss":
        a = sup("a", rf"{L},\text{{new}}" if after else L)   # a^{2,new}_j: one subscript
        out.append(Latex(rf"\ell = {loss_formula(net.loss, a)}"))
    return out


def _step(param: str) -> Latex:
    sym = param_symbol(param)
    return Latex(f"{new(sym)} = {sym} - {ETA} {grad(sym)}")


def _forward(net: Network, top: int, stepped: tuple[str, ...] = ()) -> list[Latex]:
    """zˡ = (Wˡ)ᵀ aˡ⁻¹ + w0ˡ and aˡ = fˡ(zˡ) up to layer ``top`` (after the
    step, when ``stepped`` names the parameters it changed: with those new)."""
    out = []
    for l in range(1, top + 1):
        z, a = sup("z", l), sup("a", l)
        rhs = layer_formula(l, *net.sizes[l - 1:l + 1])["z"]
        if stepped:
            z, a = new(z), new(a)
            for name in (f"W{l}", f"b{l}"):
                if name in stepped:
                    rhs = rhs.replace(param_symbol(name), new(param_symbol(name)))
            if l > 1:
                rhs = rhs.replace(sup("a", l - 1), new(sup("a", l - 1)))
            rhs = Latex(rhs)
        out += [Latex(f"{z} = {rhs}"),
                Latex(f"{a} = {_F[net.layers[l - 1].activation].replace('z', z)}")]
    return out


def _deltas(net: Network, l: int) -> list[Latex]:
    """δᴸ by the output's rule, then δᵏ = (Wᵏ⁺¹δᵏ⁺¹) ⊙ fᵏ′(zᵏ) down to layer ``l``."""
    L = len(net.layers)
    f, a = net.layers[-1].activation, sup("a", L)
    top = f"{a} - y" if (f, net.loss) in FUSED else \
        rf"({a} - y) \odot ({derivative_rule(f, L)})"
    out = [Latex(f"{sup(DELTA, L)} = {top}")]
    for k in range(L - 1, l - 1, -1):
        back = layer_formula(k + 1, *net.sizes[k:k + 2])["back"]
        rule = derivative_rule(net.layers[k - 1].activation, k)
        out.append(Latex(rf"{sup(DELTA, k)} = ({back}) \odot ({rule})"))
    return out
