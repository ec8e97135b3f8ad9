"""Numbers as LaTeX for reading: computed numbers rounded (:class:`Formatter`),
given data exact (:class:`Given`).

A computed number is printed exactly (shortest form, with ``=``) when it is a
decimal of at most ``decimals`` places, else rounded to ``decimals`` places
and marked ``\approx``; a non-zero number that would round to 0 is printed as
a power of ten. Given data are always printed exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from derive.documents.render import Latex
from derive.problem.spec import decimal_places, decimal_text


# float64 keeps 15 significant digits of any decimal; a rounded number never
# prints more (the rest would be noise)
SIGNIFICANT = 15


def _significant(text: str) -> int:
    """Significant digits of a fixed-point decimal."""
    return len(text.lstrip("-").replace(".", "").lstrip("0"))


def _power_of_ten(v: float, digits: int) -> tuple[str, bool]:
    """``v`` as mantissa × 10^exponent with at most ``digits`` decimals in the
    mantissa; exact when the mantissa printed reads back as ``v``."""
    exact_text = f"{v:.{digits}e}"
    mantissa, exponent = exact_text.split("e")
    exact = float(exact_text) == v
    if exact and "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}", exact


def _finite(v: float) -> float:
    v = float(v) + 0.0   # never -0
    if not math.isfinite(v):
        raise ValueError(f"cannot print the number {v}")
    return v


# a sheet prints the same numbers many times (and every variant 0, 1, its
# given data): each is printed once per process
@lru_cache(maxsize=65536)
def _rounded(v: float, decimals: int) -> tuple[Latex, bool]:
    short = decimal_text(v)
    if decimal_places(v) <= decimals and _significant(short) <= SIGNIFICANT:
        return Latex(short), True
    magnitude = int(np.floor(np.log10(abs(v)))) + 1 if v else 1
    places = max(0, min(decimals, SIGNIFICANT - magnitude))
    text = f"{v:.{places}f}"
    if float(text) == 0:  # a non-zero number never prints as 0 (or -0)
        mantissa, exact = _power_of_ten(v, max(decimals - 1, 2))
        return Latex(mantissa), exact
    return Latex(text), False


@lru_cache(maxsize=65536)
def _exact(v: float) -> Latex:
    return Latex(decimal_text(v))


@dataclass(frozen=True)
class Formatter:
    """Numbers, vectors and matrices as LaTeX for reading.

    A computed number is printed exactly (shortest form) when it is a decimal of
    at most ``decimals`` places, else rounded to ``decimals`` places (at most
    :data:`SIGNIFICANT` significant digits); one that would round to 0 is
    printed as a power of ten. "Exact" means the printed decimal, read back as
    a float, is the number. Given data are printed exactly (:class:`Given`)."""

    decimals: int = 4

    def format(self, v: float) -> tuple[Latex, bool]:
        """The printed number and whether it is exact."""
        return _rounded(_finite(v), self.decimals)

    def number(self, v: float) -> Latex:
        return self.format(v)[0]

    def is_exact(self, v: float) -> bool:
        """True when ``v`` prints exactly."""
        return self.format(v)[1]

    def exact(self, values: Any) -> bool:
        return all(self.is_exact(float(v)) for v in np.ravel(values))

    def relation(self, values: Any) -> Latex:
        """``=`` when every value prints exactly, else ``\\approx``."""
        return Latex("=" if self.exact(values) else r"\approx")

    def entries(self, values: Any) -> list[Latex]:
        """The entries of one vector or matrix, each printed on its own terms:
        an exact entry is never padded with zeros that would claim rounding."""
        return [self.number(v) for v in np.ravel(np.asarray(values, float))]

    def matrix(self, values: Any, env: str = "bmatrix*") -> Latex:
        """A vector (as a column) or a matrix as a bracketed LaTeX matrix,
        columns right-aligned (``env``: ``bsmallmatrix*`` for a small one)."""
        arr = np.asarray(values, float)
        rows = arr.reshape(-1, 1) if arr.ndim == 1 else arr
        cells = self.entries(rows)
        cols = rows.shape[1]
        body = r" \\ ".join(" & ".join(cells[r * cols:(r + 1) * cols])
                             for r in range(rows.shape[0]))
        return Latex(rf"\begin{{{env}}}[r] {body} \end{{{env}}}")

    def row(self, values: Any) -> Latex:
        """A vector as a row, for inline text: ``[1, 0, 0]``."""
        return Latex(r"\left[" + ", ".join(self.entries(values)) + r"\right]")

    def quantity(self, values: Any) -> dict[str, Latex]:
        """The printed forms of one value: matrix, relation sign, dimensions."""
        arr = np.asarray(values, float)
        shape = (arr.shape[0], 1) if arr.ndim == 1 else arr.shape
        out = {"value": self.number(arr) if arr.ndim == 0 else self.matrix(arr),
               "rel": self.relation(arr),
               "dims": Latex(rf"{shape[0]} \times {shape[1]}") if arr.ndim else Latex("")}
        if arr.ndim == 1:
            out["row"] = self.row(arr)
        return out


class Given(Formatter):
    """Given data (weights, inputs, targets, step sizes): always printed
    exactly, as the shortest decimal, whatever ``decimals`` is (the spec keeps
    them to at most :data:`~derive.problem.spec.MAX_DECIMALS` places)."""

    def format(self, v: float) -> tuple[Latex, bool]:
        return _exact(_finite(v)), True

    def factor(self, v: float) -> Latex:
        """``v`` as the factor in front of a product: nothing for 1
        (η∇ with η = 1 is printed ∇, not 1 ∇), else the number and a space."""
        return Latex("" if float(v) == 1 else f"{self.number(v)} ")


def points(p: float) -> str:
    return f"{p:g}"
