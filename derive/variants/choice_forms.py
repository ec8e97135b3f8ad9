r"""The wrong forms of a formula question, for multiple choice: what the
library's mistakes make of the key's formula
(:func:`derive.numerics.kind_mistakes.formula_mistakes`, and for a loss the
library's loss mistakes, sign-flipped and missing-half), then plausible wrong
forms derived in SymPy (the derivative for the function, another
activation's rule, a missing factor, swapped arguments), each with its
diagnosis as LaTeX text (maths in ``$…$``). Every expression is in the
notation of the sheets (σ(z) in a derivative, indexed sums), so that the
printed options differ in their mathematics only; :func:`same` decides
whether two forms are one formula.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import product as tuples

import sympy as sp

from derive.calculus import softmax as sm
from derive.calculus.activations import TANH_EXP
from derive.calculus.rules import sigmoid
from derive.calculus.steps import product
from derive.numerics.mistake_kinds import MISSING_DERIVATIVE, MISTAKE_KINDS

z = sp.Symbol("z")
_E, _F = sp.exp(z), sp.exp(-z)
_HALF = sp.Rational(1, 2)


@dataclass(frozen=True)
class Form:
    """One wrong form: the expression as the sheet would print it, the
    mistake's code (of :data:`MISTAKE_KINDS` when it is the library's) and
    its diagnosis (LaTeX text, maths in ``$…$``)."""

    expr: sp.Expr
    code: str
    tex: str


# the library's sign-flipped sentence speaks of gradients; for a definition
# (of an activation, its derivative, a loss) the sign is judged otherwise
_FLIPPED = {
    "activation": r"The sign is flipped: this formula falls where the activation rises (compare "
                  r"the sign of each term, and of $z$, with the definition).",
    "activation-derivative": r"The sign is flipped: this activation rises with $z$, so its "
                             r"derivative is never negative; this formula is.",
    "loss": r"The sign is flipped: a loss is smallest where the prediction matches the target; "
            r"this formula is largest there.",
}


def _library(code: str, expr, kind: str = "") -> Form:
    text = _FLIPPED.get(kind, MISTAKE_KINDS[code].tex) if code == "sign-flipped" \
        else MISTAKE_KINDS[code].tex
    return Form(sp.sympify(expr), code, text)


def flip(expr: sp.Expr) -> sp.Expr:
    """``-expr`` as a student writes it: the sign taken into the factor with
    the target in it (y − a for a − y), else into the first sum of a product."""
    if isinstance(expr, sp.Add):
        return -expr   # SymPy distributes the sign over the terms, keeping each as written
    factors = [f.args[0] if isinstance(f, sp.UnevaluatedExpr) else f for f in sp.Mul.make_args(expr)]
    sums = [i for i, f in enumerate(factors) if isinstance(f, sp.Add)]
    kept = expr.has(sp.UnevaluatedExpr)
    if not sums:   # a product kept as written takes the sign on its first factor
        if not (kept and len(factors) > 1):
            return -expr
        first, rest = -factors[0], factors[1:]
        # −1 · S flipped is S, not 1 · S (which would give the option away)
        return (product(*rest) if len(rest) > 1 else rest[0]) if first == 1 \
            else product(first, *rest)
    pick = next((i for i in sums if any(str(s).startswith("y") for s in factors[i].free_symbols)),
                sums[0])
    factors[pick] = -factors[pick]
    return product(*factors) if kept else sp.Mul(*factors)


# --------------------------------------------------------------------------
# Activations (in z; the softmax in z_j and the sum over k)

_ACTIVATION = {
    "identity": [
        ("derivative", sp.Integer(1), r"This is the identity's slope, its derivative; the identity "
         r"itself passes $z$ through: $f(z) = z$."),
        ("relu", sp.Max(z, 0), r"This is the ReLU $\max(z, 0)$, which is 0 for negative $z$; the "
         r"identity passes every $z$ through: $f(z) = z$."),
        ("sigmoid", 1 / (1 + _F), r"This is the logistic sigmoid $\sigma(z)$; the identity is "
         r"$f(z) = z$.")],
    "sigmoid": [
        ("reciprocal-missing", 1 + _F, r"The reciprocal is missing: $\sigma(z) = \frac{1}{1 + "
         r"e^{-z}}$ lies between 0 and 1, while $1 + e^{-z}$ exceeds 1."),
        ("derivative", _F / (1 + _F) ** 2, r"This is the derivative $\sigma'(z) = \sigma(z)(1 - "
         r"\sigma(z))$, not $\sigma(z)$ itself."),
        ("tanh", TANH_EXP, r"This is $\tanh(z)$, with values between $-1$ and 1; $\sigma(z) = "
         r"\frac{1}{1 + e^{-z}}$ lies between 0 and 1.")],
    "tanh": [
        ("numerator-reversed", (_F - _E) / (_E + _F), r"The numerator is reversed: this is "
         r"$-\tanh(z)$; $\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$ has the sign of $z$."),
        ("fraction-inverted", (_E + _F) / (_E - _F), r"Numerator and denominator are swapped: this "
         r"is $\coth(z) = 1/\tanh(z)$, infinite at $z = 0$; $\tanh(z)$ lies between $-1$ and 1."),
        ("sigmoid", 1 / (1 + _F), r"This is the logistic sigmoid $\sigma(z)$, between 0 and 1; "
         r"$\tanh(z) = 2\sigma(2z) - 1$ lies between $-1$ and 1.")],
    "relu": [
        ("min", sp.Min(z, 0), r"This is $\min(z, 0)$: the ReLU keeps a positive $z$ and gives 0 "
         r"for a negative one, $\max(z, 0)$."),
        ("derivative", sp.Heaviside(z, 0), r"This is the ReLU's derivative $\mathbf{1}[z > 0]$, "
         r"not the ReLU $\max(z, 0)$ itself."),
        ("abs", sp.Abs(z), r"This is $\lvert z \rvert$: the ReLU gives 0, not $-z$, for a negative "
         r"$z$: $\max(z, 0)$.")],
}

_zj, _zk = sm.z[sm.j], sm.z[sm.k]


def _softmax_sum(expr):
    return sp.Sum(expr, (sm.k, 1, sm.n))


_SOFTMAX = [
    ("sum-not-exponentiated", sp.exp(_zj) / _softmax_sum(_zk), r"The denominator adds up the same "
     r"exponentials as the numerator, $a_j = \frac{e^{z_j}}{\sum_k e^{z_k}}$, so that the outputs "
     r"add up to 1."),
    ("sigmoid", 1 / (1 + sp.exp(-_zj)), r"This is the sigmoid of $z_j$ alone: the softmax divides "
     r"$e^{z_j}$ by $\sum_k e^{z_k}$ over all units, so that the outputs add up to 1."),
    ("no-exponentials", _zj / _softmax_sum(_zk), r"The exponentials are missing: $z_j / \sum_k z_k$ "
     r"can be negative or infinite; $a_j = \frac{e^{z_j}}{\sum_k e^{z_k}}$."),
]


def activation_forms(activation: str, shown: sp.Expr, library: dict) -> list[Form]:
    """The wrong forms of an activation's definition ``shown`` (the
    library's ``library``: code -> expression first)."""
    if activation == "softmax":
        # the library's not-normalised is the numerator, of the indexed form
        out = [_library(c, sp.numer(shown)) for c in library]
        return out + [Form(e, c, t) for c, e, t in _SOFTMAX]
    out = [_library(c, e, "activation") for c, e in library.items()]
    return out + [Form(e, c, t) for c, e, t in _ACTIVATION.get(activation, [])]


# --------------------------------------------------------------------------
# Derivatives (in terms of the activation itself, as the sheets print them)

def derivative_forms(activation: str, shown: sp.Expr, library: dict) -> list[Form]:
    """The wrong forms of f′ (``shown`` in the sheet's notation)."""
    out = [_library(c, flip(shown) if c == "sign-flipped" else e, "activation-derivative")
           for c, e in library.items()]
    s, t = sigmoid(z), sp.tanh(z)
    own = {
        "identity": [("function", z, r"This is the identity $f(z) = z$ itself; its slope is 1 "
                      r"everywhere."),
                     ("relu-derivative", sp.Heaviside(z, 0), r"This is the ReLU's derivative "
                      r"$\mathbf{1}[z > 0]$; the identity's slope is 1 for every $z$.")],
        "sigmoid": [("function", s, r"This is $\sigma(z)$ itself; its derivative is $\sigma'(z) = "
                     r"\sigma(z)(1 - \sigma(z))$."),
                    ("tanh-rule", 1 - s ** 2, r"This is the pattern of $\tanh' = 1 - \tanh^2$; the "
                     r"sigmoid's derivative is $\sigma'(z) = \sigma(z)(1 - \sigma(z))$.")],
        "tanh": [("function", t, r"This is $\tanh(z)$ itself; its derivative is $1 - "
                  r"\tanh^2(z)$."),
                 ("sigmoid-rule", product(t, 1 - t), r"This is the pattern of $\sigma' = \sigma(1 - "
                  r"\sigma)$; the derivative of $\tanh$ is $1 - \tanh^2(z)$."),
                 ("square-missing", 1 - t, r"The square is missing: $\tanh'(z) = 1 - "
                  r"\tanh^2(z)$.")],
        "relu": [("function", sp.Max(z, 0), r"This is the ReLU $\max(z, 0)$ itself; its "
                  r"derivative is $\mathbf{1}[z > 0]$: 1 where $z > 0$, else 0."),
                 ("identity-derivative", sp.Integer(1), r"This is the identity's slope; the "
                  r"ReLU's is 0 for $z < 0$: $\mathbf{1}[z > 0]$.")],
    }
    return out + [Form(e, c, tx) for c, e, tx in own.get(activation, [])]


# --------------------------------------------------------------------------
# The softmax's Jacobian and the losses (given as LaTeX in the key: the
# catalogue's derivation is the right form)

def jacobian_forms() -> list[Form]:
    """The wrong forms of ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ)."""
    ai, aj, delta = sm.a[sm.i], sm.a[sm.j], sp.KroneckerDelta(sm.i, sm.j)
    return [
        Form(product(ai, 1 - aj), "delta-missing", r"The Kronecker delta is missing: the 1 is "
             r"there only for $i = j$; for $i \ne j$, $\frac{\partial a_i}{\partial z_j} = "
             r"-a_i a_j$."),
        Form(-ai * aj, "off-diagonal-only", r"This is only the case $i \ne j$; for $i = j$ the "
             r"quotient rule gives the extra $a_i$: $\frac{\partial a_i}{\partial z_j} = "
             r"a_i(\delta_{ij} - a_j)$."),
        Form(product(ai, aj - delta), "jacobian-sign", r"The sign is flipped: a unit's output "
             r"grows with its own input, $\frac{\partial a_i}{\partial z_i} = a_i(1 - a_i) > 0$."),
    ]


def _loss_terms(one_unit: bool):
    """a, y and the loss of a term for them: one unit's, or the sum over j."""
    if one_unit:
        return sp.Symbol("a"), sp.Symbol("y"), lambda body: -body
    return sm.a[sm.j], sm.y[sm.j], lambda body: -sp.Sum(body, (sm.j, 1, sm.n))


def loss_forms(loss: str, one_unit: bool, shown: sp.Expr) -> list[Form]:
    """The wrong forms of a loss definition ``shown``: the library's loss
    mistakes (sign-flipped; missing-half for mse), then others."""
    out = [_library("sign-flipped", flip(shown), "loss")]
    if loss == "mse":
        a, y = sm.a[sm.j], sm.y[sm.j]
        total = sp.Sum((a - y) ** 2, (sm.j, 1, sm.n))
        return out + [
            _library("missing-half", total),
            Form(product(_HALF, sp.Sum(a - y, (sm.j, 1, sm.n))), "square-missing",
                 r"The square is missing: differences of opposite sign would cancel; "
                 r"$\operatorname{MSE}(a, y) = \frac{1}{2} \sum_j (a_j - y_j)^2$."),
            Form(product(_HALF, sp.Sum(a - y, (sm.j, 1, sm.n)) ** 2), "square-of-sum",
                 r"This squares the sum of the differences, in which errors of opposite sign "
                 r"cancel; the loss adds up the squares: $\frac{1}{2} \sum_j (a_j - y_j)^2$."),
        ]
    a, y, total = _loss_terms(one_unit and loss != "nllm")
    if loss == "nllm":
        return out + [
            Form(total(a * sp.log(y)), "arguments-swapped", r"$a$ and $y$ are swapped: the "
                 r"logarithm is of the predicted probability, $-\sum_j y_j \ln(a_j)$ (the "
                 r"$\ln$ of a target 0 is $-\infty$)."),
            Form(total(y * sp.log(a) + (1 - y) * sp.log(1 - a)), "binary-cross-entropy",
                 r"This is the binary cross-entropy of independent units (NLL); the softmax's "
                 r"classes exclude each other: $\operatorname{NLLM}(a, y) = -\sum_j y_j "
                 r"\ln(a_j)$."),
            Form(total(sp.log(a)), "targets-missing", r"The targets are missing: only the true "
                 r"class's term counts, $-\sum_j y_j \ln(a_j) = -\ln(a_c)$ for class $c$."),
        ]
    return out + [
        Form(total(y * sp.log(a)), "term-missing", r"The second term is missing: for $y = 0$ the "
             r"loss is $-\ln(1 - a)$; $\operatorname{NLL}(a, y) = -y \ln(a) - (1 - y) "
             r"\ln(1 - a)$."),
        Form(total(y * sp.log(1 - a) + (1 - y) * sp.log(a)), "logs-swapped", r"The logarithms "
             r"are swapped: $a = P(y = 1)$, so $y = 1$ costs $-\ln(a)$ and $y = 0$ costs "
             r"$-\ln(1 - a)$."),
        Form(total(a * sp.log(y) + (1 - a) * sp.log(1 - y)), "arguments-swapped", r"$a$ and $y$ "
             r"are swapped: the logarithms are of the predicted probability $a$, weighted by "
             r"the target $y$."),
    ]


# --------------------------------------------------------------------------
# The output layer's δ and its weights' gradient

def _output_symbols(one_unit: bool):
    sfx = "" if one_unit else "_j"
    return tuple(sp.Symbol(f"{s}{sfx}") for s in "ayz")


_FPRIME = {"identity": lambda a, z: sp.Integer(1), "sigmoid": lambda a, z: product(a, 1 - a),
           "tanh": lambda a, z: 1 - a ** 2, "relu": lambda a, z: sp.Heaviside(z, 0)}
_FPRIME_TEX = {"sigmoid": "{a}(1 - {a})", "tanh": "1 - {a}^2"}


def output_gradient_forms(activation: str, loss: str, one_unit: bool, shown: sp.Expr,
                          library: dict) -> list[Form]:
    """The wrong forms of δᴸⱼ = ∂ℓ/∂zⱼ (``shown``: the key's)."""
    a, y, zz = _output_symbols(one_unit)
    A, Y = ("a", "y") if one_unit else ("a_j", "y_j")
    out = [_library(c, flip(shown) if c == "sign-flipped" else e) for c, e in library.items()]
    err = a - y
    if loss == "mse":
        fp = _FPRIME[activation](a, zz)
        if activation in MISSING_DERIVATIVE:
            out.append(_library(MISSING_DERIVATIVE[activation], err))
        out.append(_library("missing-half", product(2, err) if fp == 1 else product(2, err, fp)))
        other = {"sigmoid": "tanh", "tanh": "sigmoid"}.get(activation)
        if other:
            out.append(Form(product(err, _FPRIME[other](a, zz)), "other-derivative",
                            rf"This multiplies by the derivative of {other}, "
                            rf"${_FPRIME_TEX[other].format(a=A)}$; that of the {activation} is "
                            rf"${_FPRIME_TEX[activation].format(a=A)}$."))
        if activation == "identity":
            out.append(Form(err ** 2 / 2, "loss-not-derivative",
                            rf"This is the loss term itself, $\frac{{1}}{{2}}({A} - {Y})^2$; "
                            rf"its derivative is ${A} - {Y}$ (the identity's slope is 1)."))
        return out
    through = "the softmax's Jacobian and $\\sum_i y_i = 1$" if activation == "softmax" else \
        f"$\\frac{{\\partial {A}}}{{\\partial z}} = {A}(1 - {A})$"
    dl_da = -y / a if loss == "nllm" else -y / a + (1 - y) / (1 - a)
    return out + [
        Form(dl_da, "stopped-at-a", rf"This is $\frac{{\partial \ell}}{{\partial {A}}}$; the chain "
             rf"rule goes on through {through}, and the product simplifies to ${A} - {Y}$."),
        Form(product(err, a, 1 - a), "derivative-twice", rf"The activation's derivative is "
             rf"counted twice: $\frac{{\partial \ell}}{{\partial {A}}}$ times its derivative "
             rf"already simplifies to ${A} - {Y}$."),
    ]


def gradient_formula_forms(layers: int, one_unit: bool, shown: sp.Expr,
                           library: dict) -> list[Form]:
    """The wrong forms of ∂ℓ/∂w_kj = aᴸ⁻¹ₖ δⱼ of the output layer (``shown``:
    the key's, a product with the input aᴸ⁻¹ₖ, xₖ for one layer)."""
    a = _output_symbols(one_unit)[0]
    h = next(s for s in shown.free_symbols if str(s) == ("x_k" if layers == 1 else f"a{layers - 1}_k"))
    j = "" if one_unit else "j"
    w = sp.Symbol(f"w_k{j}")
    delta = shown / h   # the product without the input (SymPy cancels the factor)
    h_tex = "x_k" if layers == 1 else f"a^{{{layers - 1}}}_k"
    w_tex = f"w_{{k{j}}}" if layers == 1 else f"w^{{{layers}}}_{{k{j}}}"
    zj, dj = (f"z_{j}", f"\\delta_{j}") if j else ("z", "\\delta")
    dz_dw = rf"\frac{{\partial {zj}}}{{\partial {w_tex}}}"
    out = [_library(c, flip(shown) if c == "sign-flipped" else e) for c, e in library.items()]
    return out + [
        Form(delta, "input-missing", rf"The input is missing: $\frac{{\partial \ell}}{{\partial "
             rf"{w_tex}}} = {dj} {dz_dw} = {dj}\, {h_tex}$; ${dj}$ alone is the bias's gradient."),
        Form(sp.Mul(a, delta), "own-output", rf"${dz_dw}$ is the input ${h_tex}$ that the weight "
             rf"multiplies, not the unit's own output ${sp.latex(a)}$."),
        Form(sp.Mul(w, delta), "weight-not-input", rf"${dz_dw}$ is the input ${h_tex}$ that the "
             rf"weight multiplies, not the weight ${w_tex}$ itself."),
    ]


def symbol_names(expr: sp.Expr, layers: int) -> dict:
    """How the sheets print the indexed names: aˡₖ with its layer as a
    superscript, the output layer's weight w^L_kj below other layers."""
    names = {}
    for s in expr.free_symbols:
        name = str(s)
        if name[:1] == "a" and name[1:2].isdigit() and name.endswith("_k"):
            names[s] = f"a^{{{name[1:-2]}}}_{{k}}"
        elif name.startswith("w_k") and layers > 1:
            names[s] = f"w^{{{layers}}}_{{{name[2:]}}}"
    return names


# --------------------------------------------------------------------------
# One formula or two

def value(expr: sp.Expr) -> sp.Expr:
    """``expr`` as plain SymPy: kept products multiplied out, σ written out."""
    expr = expr.replace(lambda e: isinstance(e, sp.UnevaluatedExpr), lambda e: e.args[0])
    return expr.replace(sigmoid, lambda x: 1 / (1 + sp.exp(-x)))


_N = 3          # the sums' n, and the indices i, j, c run over 1..n
_POINTS = 8     # every sign pattern of three quantities of either sign


def _sample(name: str, rank: int, point: int, rng: random.Random) -> float:
    """A value in the domain of a name: activations and targets in (0, 1)
    (logarithms of a, 1 − a, y); anything else of either sign, the sign
    taking turns over the points (a step 1[z > 0] is seen on both sides)."""
    if name[:1] in "ay":
        return rng.uniform(0.05, 0.95)
    return (1 if point >> (rank % 3) & 1 else -1) * rng.uniform(0.1, 2.0)


def _at(expr: sp.Expr, point: dict) -> complex | None:
    try:
        v = complex(sp.sympify(expr).xreplace(
            {k: sp.Float(x) for k, x in point.items()}).evalf())
    except (TypeError, ValueError):
        return None
    return v if all(map(lambda p: p == p and abs(p) != float("inf"), (v.real, v.imag))) else None


def same(first: sp.Expr, second: sp.Expr) -> bool:
    """Whether two forms are one formula: symbols are told apart by name
    (a key's ``a_j`` and a form's are one), indices i, j, c and the sums'
    n take every value of 1..3, the rest random values at several points;
    where no point has a value, SymPy's simplify decides."""
    f, g = value(first), value(second)
    indices = sorted({s for e in (f, g) for s in e.free_symbols
                      if isinstance(s, sp.Symbol) and s.is_integer and s != sm.n}, key=str)
    rng = random.Random(f"{f}|{g}")
    compared = 0
    for combo in tuples(range(1, _N + 1), repeat=len(indices)):
        fixed = {sm.n: _N, **dict(zip(indices, combo))}
        f1, g1 = (e.subs(fixed).doit() for e in (f, g))
        names = sorted({str(s) for e in (f1, g1) for s in e.atoms(sp.Indexed)} |
                       {str(s) for e in (f1, g1) for s in e.free_symbols
                        if isinstance(s, sp.Symbol)})
        signed = [n for n in names if n[:1] not in "ay"]
        for p in range(_POINTS):
            values = {n: _sample(n, signed.index(n) if n in signed else 0, p, rng)
                      for n in names}
            vf, vg = (_at(e, _point(e, values)) for e in (f1, g1))
            if vf is None or vg is None:
                continue
            if abs(vf - vg) > 1e-9 * (1 + abs(vf) + abs(vg)):
                return False
            compared += 1
    return compared > 0 or sp.simplify(f - g) == 0


def _point(expr: sp.Expr, values: dict) -> dict:
    """The substitution of ``values`` (by name) into ``expr``: indexed
    entries first (a[1]), then plain symbols."""
    out = {e: values[str(e)] for e in expr.atoms(sp.Indexed)}
    out.update({s: values[str(s)] for s in expr.free_symbols
                if isinstance(s, sp.Symbol) and str(s) in values and not any(
                    s == e.base.label for e in out)})
    return out
