r"""Every LaTeX choice for printed formulas, in one printer with one settings dict.

The printer decides three things SymPy's own does not do the way a person
writes them; each is a rule applied while printing, never an edit of the
printed string:

* **Term order**: positive terms before negative ones; in each group a number
  first, then a big operator (``a_j - y_j``, ``z_j - M``, ``1 + e^{z}``,
  ``\sum_k w_k x_k + w_0``); a sum whose terms all carry a minus sign is
  printed ``-\sum …`` with the sign pulled out.
* **Factor order**: the coefficient, letters, exponentials, parenthesised
  sums, functions, then big operators (``\delta_{ij} e^{z_i} \sum_k …``,
  ``y_i (\delta_{ij} - a_j)``, ``(1 - y) \ln(1 - a)``); a product built to
  show its factors (:func:`derive.calculus.steps.product`) keeps the order it was
  written in.
* **Parentheses**: plain ``(…)`` around a flat argument (``\sigma(z)``,
  ``\ln(a_j)``, ``\max(z, 0)``, ``(1 - a)``); ``\left( … \right)`` only
  around a tall one (a fraction, a sum, a matrix, a derivative).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.printing.latex import LatexPrinter, _between_two_numbers_p

SETTINGS = {
    "mul_symbol": None,
    "inv_trig_style": "abbreviated",
    "mat_delim": "[",
    "mat_str": "matrix",
    "ln_notation": True,
    "decimal_separator": "period",
}

# what prints taller than a line of text, so that its brackets must grow
_TALL = (sp.Sum, sp.Product, sp.Integral, sp.Derivative, sp.MatrixBase, sp.Piecewise)


def is_tall(expr) -> bool:
    """True when ``expr`` prints with a fraction, a big operator or a matrix."""
    for e in sp.preorder_traversal(expr):
        if isinstance(e, _TALL) or getattr(e, "tall", False):
            return True
        if isinstance(e, sp.Rational) and e.q != 1:
            return True
        if isinstance(e, sp.Pow) and e.exp.is_negative and not isinstance(e.base, sp.Number):
            return True
        # a symbol named by a LaTeX formula (a partial derivative, ∂ℓ/∂W²)
        if isinstance(e, (sp.Symbol, sp.MatrixSymbol)) and r"\frac" in str(e.name):
            return True
    return False


def _unwrap(expr):
    return expr.args[0] if isinstance(expr, sp.UnevaluatedExpr) else expr


def negated(expr):
    """``-expr`` in the form it prints (for an expression that prints with a
    leading minus sign), else None. A product of kept factors negates its
    first factor; a sum negates its summand."""
    if isinstance(expr, sp.UnevaluatedExpr):
        inner = negated(expr.args[0])
        return None if inner is None else sp.UnevaluatedExpr(inner)
    if isinstance(expr, sp.Sum):
        inner = negated(expr.function)
        return None if inner is None else sp.Sum(inner, *expr.limits)
    if isinstance(expr, sp.Mul) and _kept(expr):
        first = negated(expr.args[0])
        if first is None:
            return None
        rest = expr.args[1:]
        return first if not rest else sp.Mul(first, *rest, evaluate=False)
    if isinstance(expr, sp.Add) or not expr.could_extract_minus_sign():
        return None
    return -expr


def _kept(expr: sp.Mul) -> bool:
    """A product whose factors were given in the order to print them."""
    return any(isinstance(a, sp.UnevaluatedExpr) for a in expr.args)


def _term_rank(term) -> int:
    """Where a term goes in its sign group of a sum."""
    if term.is_number:
        return 0
    return 1 if isinstance(negated(term) or term, (sp.Sum, sp.Product)) else 2


def _factor_rank(factor) -> int:
    r"""Where a factor goes in a product: the coefficient, letters (δ_ij is
    one), exponentials, sums in parentheses, functions, then big operators:
    ``y (1 - a)``, ``(1 - y) \ln(1 - a)``, ``a_j \sum_i y_i``."""
    if factor.is_number:
        return 0
    if isinstance(factor, (sp.Sum, sp.Product)):
        return 5
    if isinstance(factor, (sp.exp, sp.Pow)):
        return 2
    if isinstance(factor, sp.Add):
        return 3
    if isinstance(factor, sp.Function) and not isinstance(factor, sp.KroneckerDelta):
        return 4
    return 1


class HandoutPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the assignment's notation."""

    # --- parentheses: plain unless the content is tall

    def paren(self, tex: str, expr, left: str = "(", right: str = ")") -> str:
        """``tex`` (the printed ``expr``) in brackets that fit its height."""
        if is_tall(expr):
            return rf"\left{left}{tex}\right{right}"
        return f"{left}{tex}{right}"

    def _call(self, name: str, args, exp=None) -> str:
        """``name(args)``, with the exponent after the parentheses. Tall
        brackets are braced: TeX would set a space before a bare ``\\left(``."""
        args = sp.Tuple(*args)
        tex = self.paren(", ".join(self._print(a) for a in args), args)
        tex = name + (f"{{{tex}}}" if is_tall(args) else tex)
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def parenthesize(self, item, level, is_neg=False, strict=False) -> str:
        tex = self._print(item)
        prec = sp.printing.precedence.precedence_traditional(item)
        if (is_neg and strict) or prec < level or (not strict and prec <= level):
            return self.paren(tex, item)
        return tex

    # --- sums: terms in the order a person writes them

    def _print_Add(self, expr, order=None):
        terms = list(self._as_ordered_terms(expr, order=order))
        if (order or self.order) != "none":
            # positive terms first, then negative ones; in each group a number,
            # then a big operator (Σ_k w_k x_k + w_0), then the rest
            terms.sort(key=lambda t: (negated(t) is not None, _term_rank(_unwrap(t))))
        tex = ""
        for i, term in enumerate(terms):
            neg = negated(term)
            if i:
                tex += " - " if neg is not None else " + "
                term = neg if neg is not None else term
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = self.paren(term_tex, term)
            tex += term_tex
        return tex

    def _print_Sum(self, expr):
        neg = negated(expr)
        if neg is not None:
            return "- " + self._print(neg)
        if len(expr.limits) != 1:
            return super()._print_Sum(expr)
        (var, low, high), = expr.limits
        body = self._print(expr.function)
        if isinstance(_unwrap(expr.function), sp.Add):
            body = self.paren(body, expr.function)
        return rf"\sum_{{{self._print(var)}={self._print(low)}}}^{{{self._print(high)}}} {body}"

    # --- products: a parenthesised factor after the plain ones

    def _print_Mul(self, expr):
        neg = negated(expr)
        if neg is not None:
            tex = self._print(neg)
            return "- " + (self.paren(tex, neg) if isinstance(_unwrap(neg), sp.Add) else tex)
        if _kept(expr):
            return self._factors(list(expr.args))
        numer, denom = sp.fraction(expr, exact=True)
        if denom != 1:
            return rf"\frac{{{self._print(numer)}}}{{{self._print(denom)}}}"
        # the commutative factors by rank; the others after them as written (P² Q is not Q P²)
        factors = expr.as_ordered_factors()
        return self._factors(sorted((f for f in factors if f.is_commutative), key=_factor_rank)
                             + [f for f in factors if not f.is_commutative])

    def _factors(self, factors) -> str:
        tex = last = ""
        for i, f in enumerate(factors):
            f_tex = self._print(f)
            if self._needs_mul_brackets(_unwrap(f), first=i == 0, last=i == len(factors) - 1):
                f_tex = self.paren(f_tex, f)
            if tex:
                numbers = _between_two_numbers_p[0].search(last) and \
                    _between_two_numbers_p[1].match(f_tex)
                tex += r" \cdot " if numbers else " "
            tex += f_tex
            last = f_tex
        return tex

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        # a fraction holds its sums inside the bar: nothing after it joins them
        if isinstance(expr, sp.Mul) and negated(expr) is None and \
                sp.fraction(expr, exact=True)[1] != 1:
            return False
        return super()._needs_mul_brackets(expr, first=first, last=last)

    # --- functions: name(args)

    def _print_Function(self, expr, exp=None):
        # reached only by functions with no _print_<name> of their own: SymPy's
        # printer looks along the class's MRO first (powers of σ, ln, max included)
        return self._call(self._hprint_Function(type(expr).__name__), expr.args, exp)

    def _print_log(self, expr, exp=None):
        return self._call(r"\ln", expr.args, exp)

    def _print_sigmoid(self, expr, exp=None):
        return self._call(r"\sigma", expr.args, exp)

    def _print_Max(self, expr, exp=None):
        # the assignment writes max(z, 0), argument first
        args = sorted(expr.args, key=lambda a: a.is_number)
        return self._call(r"\max", args, exp)

    def _print_Min(self, expr, exp=None):
        args = sorted(expr.args, key=lambda a: a.is_number)
        return self._call(r"\min", args, exp)

    def _print_Heaviside(self, expr, exp=None):
        # ReLU's derivative is the indicator 1[z > 0] (0 at the kink)
        arg = expr.args[0]
        tex = r"\mathbf{1}" + self.paren(f"{self._print(arg)} > 0", arg, "[", "]")
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        tex = rf"\delta_{{{i}{j}}}"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    # --- indices and transposes

    def _print_Indexed(self, expr):
        # w_{kj}: one-character indices run together, as the assignment writes
        # them; a layer's superscript stacks over them (w^{l}_{kj})
        base = self._print(expr.base)
        idx = [self._print(i) for i in expr.indices]
        sep = "" if all(len(i) == 1 for i in idx) else ", "
        if "_" in base:
            base = "{" + base + "}"
        return f"{base}_{{{sep.join(idx)}}}"

    def _print_Transpose(self, expr):
        mat = expr.arg
        tex = self._print(mat)
        if isinstance(mat, sp.MatrixSymbol) and "^" not in tex and not is_tall(mat):
            return tex + "^{T}"
        return self.paren(tex, mat) + "^{T}"


def latex(expr, **overrides) -> str:
    """LaTeX for ``expr`` (a SymPy expression) with the handout's settings;
    a SymPy expression printed before with the same settings is not printed
    again (SymPy's ``==`` is structural: equal expressions print alike)."""
    if isinstance(expr, sp.Basic):
        try:
            return _printed(expr, _frozen(overrides))
        except TypeError:   # a setting that cannot be a key
            pass
    return _print(expr, overrides)


def _print(expr, overrides: dict) -> str:
    return HandoutPrinter({**SETTINGS, **overrides}).doprint(expr)


def _frozen(overrides: dict) -> tuple:
    """The settings as a key (a dict setting, such as ``symbol_names``, as its items)."""
    return tuple(sorted((name, isinstance(value, dict),
                         tuple(value.items()) if isinstance(value, dict) else value)
                        for name, value in overrides.items()))


@lru_cache(maxsize=4096)
def _printed(expr: sp.Basic, settings: tuple) -> str:
    return _print(expr, {name: dict(value) if is_dict else value
                         for name, is_dict, value in settings})
