"""The precision contract: what the problem sheet asks of every number, and
the one rule the grader, the variant generator and the LMS exports apply.

Students give every number exactly or to at least ``figures`` significant
figures (3 by default). An answer is accepted when it is within one unit of
the key's ``figures``-th significant figure: 2.30 and 2.303 both pass for
2.302585…, and so do answers computed from intermediate values rounded to
that precision. An exact 0 accepts anything within :data:`ZERO_TOL`.

An answer within one unit of the key's ``figures − 1``-th significant figure
(ten times the tolerance) but not within the tolerance is *rounded too
early*: right, but coarser than the sheet asks. The generator keeps every
common mistake farther than that from the right answer, so a mistake is
never mistaken for rounding.
"""

from __future__ import annotations

import numpy as np

FIGURES = 3
MIN_FIGURES, MAX_FIGURES = 2, 8
# the tolerance of an exact 0: float noise in a student's own computation
ZERO_TOL = 1e-9
# no float noise ever decides a verdict: tolerances are stretched by this
SLACK = 1 + 1e-9


def statement(figures: int = FIGURES, natural_log: bool = True) -> str:
    """The contract as the problem sheet states it (plain text); with
    ``natural_log`` it says what ln is (the handouts say it in their notation)."""
    text = (f"Give every number exactly or to at least {figures} significant figures "
            f"(answers within one unit of the {ordinal(figures)} significant figure "
            f"are accepted)")
    return text + ("; ln is the natural logarithm." if natural_log else ".")


def ordinal(n: int) -> str:
    """``third`` for 3, up to ``tenth``; ``11th``, ``21st``, ``22nd`` beyond."""
    words = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")
    if n <= len(words):
        return words[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def unit(value, figures: int = FIGURES) -> np.ndarray:
    """One unit in the ``figures``-th significant figure of each entry of
    ``value`` (0 for an exact 0): ``unit(2.302585, 3) == 0.01``."""
    v = np.abs(np.asarray(value, float))
    exponent = np.floor(np.log10(np.where(v > 0, v, 1.0)))   # 0, NaN: 1 (no log of 0), then 0
    return np.where(v > 0, 10.0 ** (exponent - figures + 1), 0.0)


def tolerance(value, figures: int = FIGURES) -> np.ndarray:
    """The absolute tolerance of each entry: one unit in its ``figures``-th
    significant figure, at least :data:`ZERO_TOL`."""
    return np.maximum(unit(value, figures), ZERO_TOL)


def within(given, expected, figures: int = FIGURES, tol=None) -> np.ndarray:
    """Entry-wise: does ``given`` meet the contract for ``expected``?
    (Shapes must agree; NaN and inf never pass.) ``tol``: ``tolerance(expected,
    figures)`` when the caller has it."""
    g, e = np.asarray(given, float), np.asarray(expected, float)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(g - e) <= (tolerance(e, figures) if tol is None else tol) * SLACK


def rounded_too_early(given, expected, figures: int = FIGURES) -> np.ndarray:
    """Entry-wise: right to ``figures − 1`` significant figures but not to
    ``figures`` (see the module's docstring)."""
    return within(given, expected, figures - 1) & ~within(given, expected, figures)


def gap(given, expected, figures: int = FIGURES) -> np.ndarray:
    """Entry-wise distance of ``given`` from ``expected`` in tolerances
    (1 is the edge of the contract, 10 the edge of "rounded too early")."""
    g, e = np.asarray(given, float), np.asarray(expected, float)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(g - e) / tolerance(e, figures)


def blank(value, data, figures: int = FIGURES) -> bool:
    """Whether ``value`` shows no work: all zeros, or within the contract of
    one of ``data`` of its shape (the data the sheet gives, or what doing
    nothing gives). The grader gives such an answer nothing and carries
    nothing forward from it; the generator never lets a common mistake
    produce one."""
    v = np.asarray(value, float)
    zero = ZERO_TOL * SLACK   # what within() accepts for an exact 0
    if np.all(np.abs(v) <= zero):
        return True
    for d in data:
        d = np.asarray(d, float)
        # a cheap look first: a copy is within half of every entry of d
        if d.shape == v.shape and (np.abs(v - d) <= 0.5 * np.abs(d) + zero).all() \
                and within(v, d, figures).all():
            return True
    return False
