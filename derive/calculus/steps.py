"""A derivation: the chain of equal expressions a student should see.

Each step is a short sentence and an expression; every expression of a
derivation equals the one before it. ``definitions`` unfold the shorthand the
steps use (``σ(z)``, ``a_j``) so that :func:`check` can prove it with SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One line of a derivation: why (``text``) and what (``expr``)."""

    text: str
    expr: sp.Expr


@dataclass(frozen=True)
class Derivation:
    """``lhs = steps[0].expr = … = steps[-1].expr``; the last step is the result."""

    name: str
    lhs: sp.Expr
    steps: tuple[Step, ...]
    definitions: dict = field(default_factory=dict, compare=False)
    # constraints that hold for the quantities involved (for example Σ y = 1),
    # as substitutions applied before comparing
    assumptions: dict = field(default_factory=dict, compare=False)
    # an independent computation of lhs (for example direct differentiation of
    # the composed function); when given, the first step must equal it
    direct: sp.Expr | None = field(default=None, compare=False)

    @property
    def result(self) -> sp.Expr:
        return self.steps[-1].expr

    def unfold(self, expr: sp.Expr, at: dict | None = None) -> sp.Expr:
        """Replace shorthand by its definition until none is left, then apply
        the assumptions; ``at`` fixes free indices (for example n = 3, j = 2)."""
        if at:
            expr = expr.subs(at)
        for _ in range(6):
            new = _substitute(expr.doit(), self.definitions)
            if at:
                new = new.subs(at)
            if new == expr:
                break
            expr = new
        return expr.subs(self.assumptions).doit()


class _Partial(sp.Function):
    """A printed partial derivative that depends on the indices in its args."""

    num = den = ""
    tall = True  # printed as a fraction (derive.calculus.latex.is_tall)

    def _latex(self, printer, exp=None):
        tex = rf"\frac{{\partial {self.num}}}{{\partial {self.den}}}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


@lru_cache(maxsize=None)
def _partial_class(num: str, den: str) -> type:
    return type(f"d({num})/d({den})", (_Partial,), {"num": num, "den": den})


def partial(num: str, den: str, *indices) -> sp.Expr:
    """∂num/∂den as a placeholder for a step; ``indices`` are those it depends
    on (so a sum over them stays a sum). Define it with :func:`partial_key`."""
    if not indices:
        return sp.Symbol(rf"\frac{{\partial {num}}}{{\partial {den}}}")
    return _partial_class(num, den)(*indices)


def partial_key(num: str, den: str) -> type:
    """The definitions key of an indexed :func:`partial`: maps to a function
    of the indices."""
    return _partial_class(num, den)


def product(*factors: sp.Expr) -> sp.Expr:
    """The product of ``factors`` kept as written, for a step that shows them."""
    return sp.Mul(*[sp.UnevaluatedExpr(f) for f in factors], evaluate=False)


def _substitute(expr: sp.Expr, definitions: dict) -> sp.Expr:
    # an IndexedBase key maps to a function of the index: a[i] -> f(i);
    # a partial_key maps to a function of the partial's indices
    plain = {k: v for k, v in definitions.items() if isinstance(k, sp.Basic)
             and not isinstance(k, sp.IndexedBase)}
    expr = expr.subs(plain)
    for key, fn in definitions.items():
        if isinstance(key, sp.IndexedBase):
            expr = expr.replace(lambda e, key=key: isinstance(e, sp.Indexed) and e.base == key,
                                lambda e, fn=fn: fn(*e.indices))
        elif isinstance(key, type):
            expr = expr.replace(key, fn)
    return expr


def equal(a: sp.Expr, b: sp.Expr) -> bool:
    """Symbolic equality: the difference simplifies to 0."""
    diff = sp.simplify(a - b)
    if diff == 0:
        return True
    return sp.simplify(sp.expand(sp.powsimp(sp.expand(diff)))) == 0


def check(derivation: Derivation, at: dict | None = None) -> list[int]:
    """Indices of steps that do not equal the step before (empty when sound).

    Index 0 is reported when the first step differs from ``direct``.
    """
    exprs = [derivation.unfold(s.expr, at) for s in derivation.steps]
    bad = []
    if derivation.direct is not None and not equal(
            derivation.unfold(derivation.direct, at), exprs[0]):
        bad.append(0)
    return bad + [i for i in range(1, len(exprs)) if not equal(exprs[i - 1], exprs[i])]
