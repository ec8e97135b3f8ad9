"""The primitives: each activation and loss with its local derivative beside it.

Like micrograd's ``engine.py``, every operation states its forward step and its
local derivative together, so only these few rules need checking (the tests
check each against SymPy's ``diff``). Compound results (δ recursion, weight
gradients) are built from them in :mod:`derive.calculus.backprop`.

Each rule has two forward forms: ``f`` is the textbook formula, for algebra
and printing; ``f_stable`` equals it but is safe to evaluate in float64 for
pre-activations of any size (softmax shifted by its max, sigmoid through
tanh), and is what :mod:`derive.numerics.evaluate` lambdifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sympy as sp
from sympy.codegen.cfunctions import log1p

Vec = Sequence[sp.Expr]


class sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^(−z)), with σ′ = σ(1 − σ)."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        # the same function, but tanh never overflows
        return (1 + sp.tanh(z / 2)) / 2

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    # printed as \sigma(z) by derive.calculus.latex.HandoutPrinter._print_sigmoid


def relu(z: sp.Expr) -> sp.Expr:
    return sp.Max(z, 0)


def step(z: sp.Expr) -> sp.Expr:
    """ReLU's derivative, 1[z > 0]: 0 at the kink, as the frameworks have it."""
    return sp.Heaviside(z, 0)


@dataclass(frozen=True)
class Elementwise:
    """An activation applied entry by entry, with ``df(z, a)`` its derivative."""

    name: str
    f: Callable[[sp.Expr], sp.Expr]
    df: Callable[[sp.Expr, sp.Expr], sp.Expr]
    f_stable: Callable[[sp.Expr], sp.Expr]
    elementwise: bool = True

    def forward(self, z: Vec, stable: bool = False) -> list[sp.Expr]:
        fn = self.f_stable if stable else self.f
        return [fn(zi) for zi in z]


@dataclass(frozen=True)
class Softmax:
    """aⱼ = e^(zⱼ) / Σₖ e^(zₖ), with Jacobian ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ)."""

    name: str = "softmax"
    elementwise: bool = False

    def forward(self, z: Vec, stable: bool = False) -> list[sp.Expr]:
        # shifting by M = max z changes nothing mathematically, but keeps exp ≤ 1
        # (unevaluated: SymPy compares every pair of large z symbolically)
        shift = sp.Max(*z, evaluate=False) if stable and len(z) > 1 else 0
        e = [sp.exp(zi - shift) for zi in z]
        total = sp.Add(*e)
        return [ei / total for ei in e]

    @staticmethod
    def jacobian(a: Vec) -> sp.Matrix:
        n = len(a)
        return sp.Matrix(n, n, lambda i, j: a[i] * (sp.KroneckerDelta(i, j) - a[j]))

    @staticmethod
    def log_forward(z: Vec) -> list[sp.Expr]:
        """log-softmax, shifted: zⱼ − M − log Σₖ e^(zₖ − M)."""
        shift = sp.Max(*z, evaluate=False) if len(z) > 1 else z[0]
        lse = shift + sp.log(sp.Add(*[sp.exp(zi - shift) for zi in z]))
        return [zi - lse for zi in z]


def _log_sigmoid(z: sp.Expr) -> sp.Expr:
    # log σ(z) = −log(1 + e^(−z)) = −max(−z, 0) − log1p(e^(−|z|)), never overflows
    return -sp.Max(-z, 0) - log1p(sp.exp(-sp.Abs(z)))


ACTIVATIONS = {
    "identity": Elementwise("identity", lambda z: z, lambda z, a: sp.Integer(1),
                            lambda z: z),
    "sigmoid": Elementwise("sigmoid", sigmoid, lambda z, a: a * (1 - a),
                           lambda z: sigmoid(z).rewrite(sp.tanh)),
    "tanh": Elementwise("tanh", sp.tanh, lambda z, a: 1 - a**2, sp.tanh),
    "relu": Elementwise("relu", relu, lambda z, a: step(z), relu),
    "softmax": Softmax(),
}


@dataclass(frozen=True)
class Loss:
    """A loss L(a, y) with its gradient ∂L/∂a."""

    name: str
    L: Callable[[Vec, Vec], sp.Expr]
    dL_da: Callable[[Vec, Vec], list[sp.Expr]]


LOSSES = {
    "nllm": Loss("nllm",
                 lambda a, y: -sp.Add(*[yj * sp.log(aj) for aj, yj in zip(a, y)]),
                 lambda a, y: [-yj / aj for aj, yj in zip(a, y)]),
    "nll": Loss("nll",
                lambda a, y: -sp.Add(*[yj * sp.log(aj) + (1 - yj) * sp.log(1 - aj)
                                       for aj, yj in zip(a, y)]),
                lambda a, y: [(aj - yj) / (aj * (1 - aj)) for aj, yj in zip(a, y)]),
    # squared error with the conventional ½, so that ∂L/∂a = a − y
    "mse": Loss("mse",
                lambda a, y: sp.Add(*[(aj - yj) ** 2 for aj, yj in zip(a, y)]) / 2,
                lambda a, y: [aj - yj for aj, yj in zip(a, y)]),
}

# Output activation and loss that cancel: δᴸ = ∂L/∂zᴸ = a − y (for nllm this
# uses Σ y = 1). Each pair also has a stable loss written in zᴸ directly.
FUSED_DELTA = {("softmax", "nllm"), ("sigmoid", "nll")}


def stable_loss(activation: str, loss: str, z: Vec, a: Vec, y: Vec) -> sp.Expr:
    """The loss in a form that float64 evaluates without overflow or log(0)."""
    if (activation, loss) == ("softmax", "nllm"):
        return -sp.Add(*[yj * lj for lj, yj in zip(Softmax.log_forward(z), y)])
    if (activation, loss) == ("sigmoid", "nll"):
        return -sp.Add(*[yj * _log_sigmoid(zj) + (1 - yj) * _log_sigmoid(-zj)
                         for zj, yj in zip(z, y)])
    return LOSSES[loss].L(a, y)


def output_delta(activation: str, loss: str, z: Vec, a: Vec, y: Vec) -> list[sp.Expr]:
    """δᴸ = ∂L/∂zᴸ: the fused form a − y where it applies, else the chain rule."""
    if (activation, loss) in FUSED_DELTA:
        return [aj - yj for aj, yj in zip(a, y)]
    g = LOSSES[loss].dL_da(a, y)
    act = ACTIVATIONS[activation]
    if act.elementwise:
        return [gj * act.df(zj, aj) for gj, zj, aj in zip(g, z, a)]
    J = Softmax.jacobian(a)
    return [sp.Add(*[g[i] * J[i, j] for i in range(len(a))]) for j in range(len(a))]
