"""The activations and losses of the catalogue as derivations a student should see.

Definitions of every activation (identity, sigmoid, tanh, ReLU, softmax),
their derivatives in terms of themselves, and the loss definitions (nll,
nllm, mse). Sigmoid and softmax reuse the derivations of
:mod:`derive.calculus.sigmoid` and :mod:`derive.calculus.softmax`; each
derivation here passes :func:`derive.calculus.steps.check`.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.calculus.rules import sigmoid
from derive.calculus.steps import Derivation, Step, product

z = sig.z
IDENTITY = sp.Function(r"\operatorname{id}")
RELU = sp.Function(r"\operatorname{ReLU}")
MSE = sp.Function(r"\operatorname{MSE}")

_E, _F = sp.exp(z), sp.exp(-z)
TANH_EXP = (_E - _F) / (_E + _F)

# each activation as a function of z, in the form to differentiate
FUNCTION = {"identity": z, "sigmoid": 1 / (1 + sp.exp(-z)), "tanh": sp.tanh(z),
            "relu": sp.Max(z, 0)}


def relu_convention(expr: sp.Expr) -> sp.Expr:
    """SymPy's ``diff`` of max(z, 0) is Heaviside(z), ½ at the kink; the
    frameworks (and the handouts) take ReLU′(0) = 0: Heaviside(z, 0)."""
    return expr.replace(lambda e: isinstance(e, sp.Heaviside),
                        lambda e: sp.Heaviside(e.args[0], 0))


@lru_cache(maxsize=None)
def definition(activation: str) -> Derivation:
    """The activation as a function of z (softmax: of the vector z)."""
    if activation == "sigmoid":
        return sig.derive_sigmoid()
    if activation == "softmax":
        return sm.derive_softmax()
    if activation == "identity":
        return Derivation("identity", IDENTITY(z),
                          (Step("The identity passes the pre-activation through", z),),
                          definitions={IDENTITY(z): z})
    if activation == "tanh":
        return Derivation(
            "tanh", sp.tanh(z),
            (Step("Definition of the hyperbolic tangent", TANH_EXP),
             Step("Multiplying numerator and denominator by $e^{z}$",
                  (sp.exp(2 * z) - 1) / (sp.exp(2 * z) + 1)),
             Step(r"A rescaled sigmoid: $\tanh(z) = 2\sigma(2z) - 1$", 2 * sigmoid(2 * z) - 1)),
            definitions={sp.tanh(z): TANH_EXP, sigmoid(2 * z): 1 / (1 + sp.exp(-2 * z))})
    if activation == "relu":
        return Derivation("relu", RELU(z),
                          (Step("Definition: $z$ where it is positive, else 0", sp.Max(z, 0)),),
                          definitions={RELU(z): sp.Max(z, 0)})
    raise ValueError(f"unknown activation {activation!r}")


@lru_cache(maxsize=None)
def derivative(activation: str) -> Derivation:
    """f′(z), ending in terms of f itself where that is the point."""
    if activation == "sigmoid":
        return sig.derive_sigmoid_prime()
    if activation == "identity":
        return Derivation("identity_prime", sp.Derivative(IDENTITY(z), z),
                          (Step("The slope of $z$ is 1 everywhere", sp.Integer(1)),),
                          direct=sp.diff(z, z))
    if activation == "tanh":
        quotient = ((_E + _F) ** 2 - (_E - _F) ** 2) / (_E + _F) ** 2
        return Derivation(
            "tanh_prime", sp.Derivative(sp.tanh(z), z),
            (Step(r"Quotient rule on $\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$; the derivative "
                  r"of $e^{z} - e^{-z}$ is $e^{z} + e^{-z}$ and vice versa", quotient),
             Step("Split the fraction", 1 - (_E - _F) ** 2 / (_E + _F) ** 2),
             Step(r"Recognise $\tanh(z)$", 1 - sp.tanh(z) ** 2)),
            definitions={sp.tanh(z): TANH_EXP},
            direct=sp.diff(TANH_EXP, z))
    if activation == "relu":
        return Derivation(
            "relu_prime", sp.Derivative(RELU(z), z),
            (Step(r"Slope 1 where $z > 0$, 0 where $z < 0$; at the kink $z = 0$ the "
                  r"convention is 0, as the frameworks have it", sp.Heaviside(z, 0)),),
            definitions={RELU(z): sp.Max(z, 0)},
            direct=relu_convention(sp.diff(sp.Max(z, 0), z)))
    raise ValueError(f"no elementwise derivative of {activation!r}")


@lru_cache(maxsize=None)
def loss_definition(loss: str, one_unit: bool = False) -> Derivation:
    """The loss ℓ(a, y); with ``one_unit`` (a one-unit output) in scalars."""
    a, y, j, n = sm.a, sm.y, sm.j, sm.n
    if loss == "nllm":
        return sm.derive_nllm()
    if loss == "nll":
        if one_unit:
            term = sig.nll(sig.a, sig.y)
            text = r"Definition: the negative log-likelihood of $y \in \{0, 1\}$ when $a = P(y = 1)$"
            return Derivation("nll", sig.NLL(sig.a, sig.y), (Step(text, term),))
        body = -sp.Sum(y[j] * sp.log(a[j]) + (1 - y[j]) * sp.log(1 - a[j]), (j, 1, n))
        return Derivation("nll", sig.NLL(sp.Symbol("a"), sp.Symbol("y")),
                          (Step("Definition: the binary cross-entropy of each output unit, "
                                "added up", body),))
    if loss == "mse":
        half = product(sp.Rational(1, 2), sp.Sum((a[j] - y[j]) ** 2, (j, 1, n)))
        return Derivation("mse", MSE(sp.Symbol("a"), sp.Symbol("y")),
                          (Step(r"Definition: half the squared distance "
                                r"$\frac{1}{2} \lVert a - y \rVert^2$", half),))
    raise ValueError(f"unknown loss {loss!r}")
