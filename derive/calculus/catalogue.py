"""The symbolic question kinds of the catalogue (docs/ASSIGNMENTS.md), for any
network: the derivations a student should see and the key's answers.

:func:`derivations` gives the steps for a question, :func:`symbolic_answer`
its answer: ``{"sympy", "latex"}`` (``sympy`` parses with ``sympy.sympify``:
indexed quantities are plain symbols ``a_j``, ``x_k``, ``a1_k`` for a¹ₖ) or
``{"latex"}`` for the softmax and loss definitions and the Jacobian.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.calculus import activations as act
from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.calculus.hidden import hidden_gradient, output_bias_gradient
from derive.calculus.latex import latex
from derive.calculus.rules import ACTIVATIONS, sigmoid
from derive.calculus.steps import Derivation, Step, partial, product
from derive.problem.spec import Network

ELL = r"\ell"


def derivations(part, question) -> list[Derivation]:
    """The derivations behind a symbolic question, in the order to show them
    (empty for a numeric kind)."""
    return list(_derivations(question.kind, part.network, *_options(question)))


def symbolic_answer(part, question) -> dict[str, str]:
    """The key's answer to a symbolic question, from its last derivation."""
    return dict(_answer(question.kind, part.network, *_options(question)))


def gradient_derivations(net: Network, param: str) -> list[Derivation]:
    """The rule a numeric ``gradient`` question with ``show`` shows for
    ``param``: the output layer's weights, δᴸ through the activation and loss
    and then ∂ℓ/∂w_kj (:func:`gradient_formula`); its bias, δᴸ and then
    ∂ℓ/∂w_0j = δⱼ; a lower layer's, the δ recursion through its activation
    (:func:`derive.calculus.hidden.hidden_gradient`)."""
    L, l = len(net.layers), int(param[1:])
    if l < L:
        return [hidden_gradient(net.layers[l - 1].activation, l, bias=param[0] == "b")]
    if param[0] == "W":
        return gradient_formula(net, param)
    one = _one_unit(net)
    return [output_gradient(net.layers[-1].activation, net.loss, one),
            output_bias_gradient(L, one)]


def _options(question) -> tuple:
    return tuple(question.get(name) for name in ("activation", "loss", "param"))


@lru_cache(maxsize=None)
def _derivations(kind: str, net: Network | None, activation, loss, param) -> tuple:
    if kind == "activation":
        return (act.definition(activation),)
    if kind == "activation-derivative":
        return (act.derivative(activation),)
    if kind == "softmax-jacobian":
        return (sm.derive_softmax_jacobian(),)
    if kind == "loss":
        return (act.loss_definition(loss, _one_unit(net)),)
    if kind == "output-gradient":
        return (output_gradient(net.layers[-1].activation, net.loss, _one_unit(net)),)
    if kind == "gradient-formula":
        return tuple(gradient_formula(net, param))
    return ()


@lru_cache(maxsize=None)
def _answer(kind: str, net: Network | None, activation, loss, param) -> tuple:
    d = _derivations(kind, net, activation, loss, param)[-1]
    if kind == "softmax-jacobian":
        return (("latex", f"{latex(d.lhs)} = {latex(d.result)}"),)
    if kind == "loss" or (kind == "activation" and activation == "softmax"):
        return (("latex", f"{latex(d.lhs)} = {latex(d.steps[0].expr)}"),)
    if kind == "activation":
        shown = value = d.steps[0].expr
    else:
        shown, value = d.result, d.result.doit()
        if kind == "activation-derivative" and activation == "sigmoid":
            value = value.subs(sigmoid(act.z), act.FUNCTION["sigmoid"])   # in z alone
    return (("sympy", str(plain_symbols(value))),
            ("latex", latex(shown, symbol_names=_latex_names(net))))


def plain_symbols(expr: sp.Expr) -> sp.Expr:
    """Indexed quantities (a[j], x[k]) as plain symbols (a_j, x_k), so that
    the printed expression parses with ``sympify``."""
    return expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: sp.Symbol(f"{e.base}_{''.join(map(str, e.indices))}",
                                            real=True))


def _one_unit(net: Network | None) -> bool:
    return net is not None and net.layers[-1].size == 1


# --------------------------------------------------------------------------
# ∂ℓ/∂zᴸ and ∂ℓ/∂w_kj of the output layer

def _output_symbols(one_unit: bool):
    suffix = "" if one_unit else "_j"
    return tuple(sp.Symbol(f"{s}{suffix}", real=True) for s in "azy")


_TERM = {"mse": lambda a, y: (a - y) ** 2 / 2, "nll": sig.nll}


@lru_cache(maxsize=None)
def output_gradient(activation: str, loss: str, one_unit: bool = False) -> Derivation:
    """δᴸⱼ = ∂ℓ/∂zⱼ of the output layer. Softmax with nllm: through the
    Jacobian (:func:`derive.calculus.softmax.derive_nllm_dz`); an elementwise
    output: the chain rule through aⱼ alone, each factor from its local rule
    (:mod:`derive.calculus.rules`)."""
    if activation == "softmax":
        return sm.derive_nllm_dz()
    a, z, y = _output_symbols(one_unit)
    j = "" if one_unit else "_j"
    term = _TERM[loss]
    dl_da = sp.diff(term(a, y), a)
    da_dz = ACTIVATIONS[activation].df(z, a)
    steps = [Step(rf"Chain rule: $z{j}$ reaches $\ell$ only through $a{j}$",
                  product(partial(ELL, f"a{j}"), partial(f"a{j}", f"z{j}")))]
    if activation == "identity":
        steps.append(Step(rf"$\frac{{\partial \ell}}{{\partial a{j}}} = a{j} - y{j}$ and the "
                          "identity's slope is 1", a - y))
    else:
        steps.append(Step(f"Differentiate each factor: the loss, then the activation "
                          f"({_DF_TEXT[activation]})", product(dl_da, da_dz)))
    if (activation, loss) == ("sigmoid", "nll"):
        steps += [Step("Put the first factor over a common denominator",
                       product(sp.together(dl_da), da_dz)),
                  Step(f"Cancel $a{j}(1 - a{j})$", a - y)]
    f_of_z = act.FUNCTION[activation].subs(act.z, z)
    return Derivation(
        f"{activation}_{loss}_dz", partial(ELL, f"z{j}"), tuple(steps),
        definitions={partial(ELL, f"a{j}"): dl_da, partial(f"a{j}", f"z{j}"): da_dz, a: f_of_z},
        direct=act.relu_convention(sp.diff(term(f_of_z, y), z)))


_DF_TEXT = {"sigmoid": r"$\sigma' = \sigma(1 - \sigma)$",
            "tanh": r"$\tanh' = 1 - \tanh^2$", "relu": r"$\operatorname{ReLU}'(z) = \mathbf{1}[z > 0]$"}


def gradient_formula(net: Network, param: str) -> list[Derivation]:
    """∂ℓ/∂w_kj = aᴸ⁻¹ₖ δⱼ for the output layer's weights, after the output
    gradient it uses; the reference's single units reuse their derivations."""
    out, L = net.layers[-1].activation, len(net.layers)
    if L == 1 and (out, net.loss) == ("sigmoid", "nll") and net.layers[0].size == 1:
        return [sig.derive_nll_gradient()]
    delta = output_gradient(out, net.loss, _one_unit(net))
    if L == 1 and out == "softmax":
        return [delta, sm.derive_softmax_layer_gradient()]
    return [delta, _weight_gradient(net, delta)]


@lru_cache(maxsize=None)
def _weight_gradient(net: Network, delta: Derivation) -> Derivation:
    one = _one_unit(net)
    a, z, y = _output_symbols(one)
    L = len(net.layers)
    j = "" if one else "j"
    h = sp.Symbol("x_k" if L == 1 else f"a{L - 1}_k", real=True)   # aᴸ⁻¹ₖ (a⁰ = x)
    w = sp.Symbol(f"w_k{j}", real=True)
    r = sp.Symbol("r", real=True)   # the other terms of zⱼ, constant in w_kj
    z_of_w = w * h + r
    w_tex = f"w^{{{L}}}_{{k{j}}}" if L > 1 else f"w_{{k{j}}}"
    h_tex = latex(h, symbol_names=_latex_names(net))
    zj = f"z_{j}" if j else "z"
    d_dz, dz_dw = partial(ELL, zj), partial(zj, w_tex)
    result = delta.result.doit()
    definitions = {d_dz: result, dz_dw: sp.diff(z_of_w, w)}
    direct = None
    out = net.layers[-1].activation
    if out != "softmax":
        # ℓ through aⱼ = f(zⱼ) alone; the softmax's ∂ℓ/∂zⱼ has its own direct check
        f_of_z = act.FUNCTION[out].subs(act.z, z_of_w)
        definitions.update({a: f_of_z, z: z_of_w})
        direct = act.relu_convention(sp.diff(_TERM[net.loss](f_of_z, y), w))
    return Derivation(
        f"{net.loss}_output_weight_gradient", partial(ELL, w_tex),
        (Step(rf"Only ${zj}$ depends on ${w_tex}$", product(d_dz, dz_dw)),
         Step(rf"$\frac{{\partial {zj}}}{{\partial {w_tex}}} = {h_tex}$ and the output "
              rf"gradient above", product(result, h)),
         Step(rf"In matrix form the gradient of the weights is ${h_tex[0]}\,\delta^T$, "
              "with the shape of the weights", product(h, result))),
        definitions=definitions, direct=direct)


def _latex_names(net: Network | None) -> dict:
    """aˡₖ is printed with its layer as a superscript."""
    if net is None:
        return {}
    return {sp.Symbol(f"a{l}_k", real=True): f"a^{{{l}}}_{{k}}" for l in range(1, len(net.layers))}
