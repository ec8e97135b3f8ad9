"""Part 1: the sigmoid unit, its derivative, and the gradient of its NLL."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.calculus.rules import sigmoid
from derive.calculus.steps import Derivation, Step, partial, product

z, a, y = sp.symbols("z a y", real=True)
x_k, w_k = sp.symbols("x_k w_k", real=True)
NLL = sp.Function(r"\operatorname{NLL}")


def nll(a_: sp.Expr, y_: sp.Expr) -> sp.Expr:
    """NLL(a, y) = −(y ln a + (1 − y) ln(1 − a))."""
    return -(y_ * sp.log(a_) + (1 - y_) * sp.log(1 - a_))


@lru_cache(maxsize=None)
def derive_sigmoid() -> Derivation:
    """Question 1: σ(z) = 1 / (1 + e^(−z)), and the equivalent e^z / (1 + e^z)."""
    s = sigmoid(z)
    return Derivation(
        name="sigmoid", lhs=s,
        steps=(Step("Definition of the logistic sigmoid", 1 / (1 + sp.exp(-z))),
               Step("Multiplying numerator and denominator by $e^{z}$",
                    sp.exp(z) / (sp.exp(z) + 1))),
        definitions={s: s.rewrite(sp.exp)})


@lru_cache(maxsize=None)
def derive_sigmoid_prime() -> Derivation:
    """Question 2: σ′(z), by ``diff``, then rewritten as σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    exp_form = 1 / (1 + sp.exp(-z))
    d = sp.diff(exp_form, z)
    split = product(exp_form, sp.exp(-z) / (1 + sp.exp(-z)))
    minus = product(exp_form, 1 - exp_form)
    result = product(s, 1 - s)
    return Derivation(
        name="sigmoid_prime", lhs=sp.Derivative(s, z),
        steps=(Step("Differentiate $(1 + e^{-z})^{-1}$ by the chain rule", d),
               Step("Split the fraction into two factors", split),
               Step(r"Since $\frac{e^{-z}}{1 + e^{-z}} = 1 - \frac{1}{1 + e^{-z}}$", minus),
               Step(r"Recognise $\sigma(z)$ in both factors", result)),
        definitions={s: exp_form},
        direct=sp.diff(exp_form, z))


@lru_cache(maxsize=None)
def derive_nll_gradient() -> Derivation:
    """Question 3: ∂NLL/∂w_k = (a − y) x_k for a = σ(Σ w_k x_k + w0)."""
    rest = sp.Symbol("r", real=True)  # the other terms of z, constant in w_k
    dNLL_da, da_dz, dz_dw = partial(r"\operatorname{NLL}", "a"), partial("a", "z"), partial("z", "w_k")
    dL_da = -y / a + (1 - y) / (1 - a)
    chain = product(dNLL_da, da_dz, dz_dw)
    plugged = product(dL_da, a * (1 - a), x_k)
    combined = product(sp.together(dL_da), a * (1 - a), x_k)
    result = product(a - y, x_k)
    # the direct computation: differentiate NLL(σ(w_k x_k + r), y) in w_k
    z_of_w = w_k * x_k + rest
    direct = sp.diff(nll(1 / (1 + sp.exp(-z_of_w)), y), w_k)
    return Derivation(
        name="nll_gradient", lhs=partial(r"\operatorname{NLL}", "w_k"),
        steps=(Step(r"Chain rule through $a = \sigma(z)$ and $z = \sum_k w_k x_k + w_0$", chain),
               Step(r"Differentiate each factor, using $\sigma'(z) = a(1 - a)$", plugged),
               Step("Put the first factor over a common denominator", combined),
               Step("Cancel $a(1 - a)$", result)),
        definitions={dNLL_da: sp.diff(nll(a, y), a),
                     da_dz: sp.diff(sigmoid(z), z).subs(sigmoid(z), a),
                     dz_dw: sp.diff(z_of_w, w_k),
                     # to compare with the direct computation, a is σ of that z
                     a: 1 / (1 + sp.exp(-z_of_w))},
        direct=direct)


def nll_gradient_vector(m: int = 3) -> tuple[sp.Expr, list[sp.Expr], list[sp.Expr]]:
    """For explicit weights w_1…w_m: NLL's gradient by ``diff`` and as (a − y) x."""
    w = sp.symbols(f"w_1:{m + 1}", real=True)
    x = sp.symbols(f"x_1:{m + 1}", real=True)
    w0 = sp.Symbol("w_0", real=True)
    zz = sp.Add(*[wi * xi for wi, xi in zip(w, x)]) + w0
    act = 1 / (1 + sp.exp(-zz))
    L = nll(act, y)
    return L, [sp.diff(L, wi) for wi in w], [(act - y) * xi for xi in x]
