"""Every LaTeX choice for printed formulas, in one printer with one settings dict."""

from __future__ import annotations

from sympy.printing.latex import LatexPrinter

SETTINGS = {
    "mul_symbol": None,
    "inv_trig_style": "abbreviated",
    "mat_delim": "[",
    "mat_str": "matrix",
    "ln_notation": False,
    "decimal_separator": "period",
}


class HandoutPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the assignment's notation."""

    def _print_Heaviside(self, expr, exp=None):
        # ReLU's derivative is the indicator 1[z > 0] (0 at the kink)
        tex = rf"\mathbf{{1}}\left[{self._print(expr.args[0])} > 0\right]"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_Max(self, expr, exp=None):
        # the assignment writes max(z, 0), argument first
        args = sorted(expr.args, key=lambda a: a.is_number)
        tex = r"\max\left(" + ", ".join(self._print(a) for a in args) + r"\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        tex = rf"\delta_{{{i}{j}}}"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


def latex(expr, **overrides) -> str:
    """LaTeX for ``expr`` (a SymPy expression) with the handout's settings."""
    return HandoutPrinter({**SETTINGS, **overrides}).doprint(expr)
