"""What each mistake of the library makes of a formula answer (the key's
SymPy expression): :func:`formula_mistakes`, part of
:mod:`derive.numerics.kind_mistakes`."""

from __future__ import annotations

import sympy as sp


def formula_mistakes(question, expected: sp.Expr) -> dict[str, sp.Expr]:
    """What each mistake makes of the key's formula for ``question``."""
    out: dict[str, sp.Expr] = {}
    kind, act = question.kind, question.get("activation")
    if kind == "activation" and act == "sigmoid":
        z = sp.Symbol("z")
        out["sign-flipped"] = expected.subs(z, -z)
    elif kind in ("activation-derivative", "output-gradient", "gradient-formula"):
        out["sign-flipped"] = -expected
    elif kind == "activation" and act == "softmax":
        out["not-normalised"] = sp.numer(expected)
    return {c: e for c, e in out.items()
            if _differs_somewhere(e - expected) or sp.simplify(e - expected) != 0}


def _differs_somewhere(difference: sp.Expr) -> bool:
    """Whether ``difference`` is clearly not 0 at one point (then it is not 0:
    no need for ``simplify``'s proof): a sum's bounds at 3 terms, an index at
    1, every other name a fraction. False when it cannot tell."""
    try:
        expr = difference
        bounds = {s for total in expr.atoms(sp.Sum) for limit in total.limits
                  for s in sp.Tuple(*limit[1:]).free_symbols}
        expr = expr.subs({s: 3 for s in bounds}).doit()
        indices = {s for x in expr.atoms(sp.Indexed) for s in sp.Tuple(*x.indices).free_symbols}
        expr = expr.subs({s: 1 for s in indices})
        names = sorted(expr.atoms(sp.Indexed), key=str)
        names += sorted(expr.free_symbols - set(names), key=str)
        point = {s: sp.Rational(2 * i + 3, 7) for i, s in enumerate(names)}
        value = expr.subs(point).evalf()
        return bool(value.is_comparable) and abs(float(value)) > 1e-9
    except (TypeError, ValueError, AttributeError):
        return False
