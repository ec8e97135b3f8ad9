"""The constraints that make a generated variant worth setting, as data.

Each :class:`Constraint` has a name (the key in ``[variants.constraints]``),
a default setting, a parser for the setting and a check. ``batch`` checks run
on a whole batch of evaluated candidates at once (NumPy arrays, batch axis
first) and return one bool per candidate. ``distinct_from_mistakes`` needs
answer keys (:func:`confusable_items`, run by the generator on screened
candidates only) and ``unique`` the variants already chosen, so the
generator applies those two itself. A constraint is switched off with
``false``; ``true`` keeps its default setting; anything else is its setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from derive.spec import InputError

# the grader's tolerance before derive.precision; kept here until this module switches
REL_TOL, ABS_TOL = 1e-3, 1e-6

# A correct answer and a mistake's answer must differ by `factor` times the
# grader's default tolerance, so no student answer is within tolerance of both.


@dataclass(frozen=True)
class Constraint:
    """One named, switchable constraint."""

    name: str
    description: str
    default: Any
    parse: Callable[[Any, str], Any]
    batch: Callable[[Any, Any], np.ndarray] | None = None  # None: the generator applies it


# --------------------------------------------------------------------------
# Settings


def _flag(value, field):
    return True


def _positive(value, field):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InputError(field, f"expected a positive number (or true/false), got {value!r}")
    return float(value)


def _bounds(value, field):
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
        raise InputError(field, f"expected [lowest, highest] probabilities, got {value!r}")
    lo, hi = map(float, value)
    if not 0 <= lo < hi <= 1:
        raise InputError(field, f"needs 0 <= lowest < highest <= 1, got [{lo:g}, {hi:g}]")
    return lo, hi


# --------------------------------------------------------------------------
# Checks on a batch of candidates (see derive.variants.Evaluated)


def _hidden_mixed(c, setting) -> np.ndarray:
    active = c.z1 > 0
    return active.any(axis=1) & ~active.all(axis=1)


def _kink_margin(c, margin) -> np.ndarray:
    return ((np.abs(c.z1) >= margin).all(axis=1)
            & (np.abs(c.z1_new) >= margin).all(axis=1))


def _probabilities(c, bounds) -> np.ndarray:
    lo, hi = bounds
    ok = np.ones(len(c.z1), bool)
    for a in (c.a, c.a_new, c.a2, c.a2_new):
        ok &= ((a >= lo) & (a <= hi)).all(axis=1)
    return ok


def _loss_decreases(c, setting) -> np.ndarray:
    return (c.loss_new < c.loss) & (c.net_loss_new < c.net_loss)


# --------------------------------------------------------------------------
# Checks on one answer key


def numeric_leaves(answer, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, number or array) of every numeric part of an answer: q5's value,
    the vectors and matrices of q6-q14 (q12/q13 as .grad and .W)."""
    if isinstance(answer, dict):
        for name, value in answer.items():
            if name not in ("sympy", "latex"):
                yield from numeric_leaves(value, f"{path}.{name}" if path else name)
    elif isinstance(answer, (int, float, list, tuple, np.ndarray)):
        yield path, answer


def _gap(correct, wrong) -> tuple[float, bool]:
    """How far ``wrong`` is from ``correct`` in units of the grading tolerance
    (inf for another shape), and whether it is the same answer (to rounding)."""
    c, w = np.asarray(correct, float), np.asarray(wrong, float)
    if c.shape != w.shape:
        return np.inf, False
    diff = np.abs(c - w)
    same = bool((diff <= 1e-9 * (1 + np.abs(c))).all())
    return float((diff / (ABS_TOL + REL_TOL * np.abs(c))).max(initial=0.0)), same


def confusable_items(key: dict, factor: float,
                     mistaken: dict | None = None) -> list[tuple[str, str]]:
    """Where a grader could not tell a common mistake from the right answer:
    (mistake code, item) for each item whose wrong answer is near the correct
    one (closer than ``factor`` grading tolerances) without being the same
    answer, and (mistake code, "") for a mistake that changes no numeric item
    by ``factor`` tolerances (it would go unnoticed).

    An item a mistake leaves exactly unchanged for this instance (a ReLU
    unit that stays dead whatever its weights do, so q14 is the same with and
    without the mask) is fine: the student's answer there is right. An item
    with parts (q12's grad and W) counts by its farthest part. ``mistaken``
    is :func:`derive.mistakes.mistaken_answers` of ``key``, if known."""
    if mistaken is None:
        from derive.mistakes import mistaken_answers
        mistaken = mistaken_answers(key)
    answers = key["answers"]
    out = []
    for code, wrong in mistaken.items():
        seen = False
        for item, answer in wrong.items():
            correct = dict(numeric_leaves(answers.get(item), item))
            gaps = [_gap(correct[path], value)
                    for path, value in numeric_leaves(answer, item) if path in correct]
            if not gaps:
                continue
            far = max(g for g, _ in gaps) > factor
            seen |= far
            if not far and not all(same for _, same in gaps):
                out.append((code, item))
        if not seen and any(dict(numeric_leaves(a)) for a in wrong.values()):
            out.append((code, ""))
    return out


def _sci(x: float) -> str:
    return f"{x:.0e}".replace("e-0", "e-")  # 1e-3


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("hidden_mixed", "the hidden ReLU layer is neither all dead nor all active",
               True, _flag, batch=_hidden_mixed),
    Constraint("kink_margin", "no hidden pre-activation z1 within this margin of 0, "
               "before or after the update", 0.5, _positive, batch=_kink_margin),
    Constraint("probabilities", "every softmax probability (before and after the "
               "step) within [lowest, highest]", (0.01, 0.99), _bounds,
               batch=_probabilities),
    Constraint("loss_decreases", "the step lowers the loss of the softmax layer and "
               "of the network", True, _flag, batch=_loss_decreases),
    Constraint("distinct_from_mistakes", "every numeric answer differs from what each "
               "common mistake gives, by this factor times the grading tolerance "
               f"(rel {_sci(REL_TOL)}, abs {_sci(ABS_TOL)})", 10.0, _positive),
    Constraint("unique", "no two variants share the softmax-layer or the network "
               "parameters", True, _flag),
)

BY_NAME: dict[str, Constraint] = {c.name: c for c in CONSTRAINTS}


def parse_constraints(data, section: str = "variants.constraints") -> dict[str, Any]:
    """The switched-on constraints and their settings, by name."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table of constraint = setting")
    for name in data:
        if name not in BY_NAME:
            raise InputError(f"{section}.{name}", "unknown constraint; expected "
                             + ", ".join(BY_NAME))
    out = {}
    for c in CONSTRAINTS:
        value = data.get(c.name, True)
        if value is False:
            continue
        out[c.name] = c.default if value is True else c.parse(value, f"{section}.{c.name}")
    return out
