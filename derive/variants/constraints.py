"""The ``[variants.constraints]`` table (:func:`parse_constraints`: every
richness constraint of :mod:`derive.variants.richness`, and ``unique``),
and the schema-1 generator's batch checks.

The batch checks (:data:`CONSTRAINTS`, :func:`unchanged_items`) serve only
:mod:`derive.variants.generate`, the reference's schema-1 generator that the
tests of the bespoke documents still use; ``handouts variants`` and
``handouts stress`` check every part of any assignment, the reference's
too, by :mod:`derive.variants.richness`. They go with the bespoke documents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from derive.problem import precision
from derive.problem.spec import InputError


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
    raise InputError(field, f"expected true or false, got {value!r}")


def _positive(value, field):
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value <= 0):
        raise InputError(field, f"expected a positive finite number (or true/false), "
                         f"got {value!r}")
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
# Checks on a batch of candidates (see derive.variants.generate.Evaluated)


def _nonzero(g: np.ndarray) -> np.ndarray:
    """Entries a student could not answer with 0 (the contract's tolerance of 0)."""
    return np.abs(g) > precision.ZERO_TOL


def _off_diagonal(pairs: np.ndarray) -> np.ndarray:
    """(B, n, n) pair flags -> (B,): any pair of two different entries."""
    n = pairs.shape[-1]
    return (pairs & ~np.eye(n, dtype=bool)).any(axis=(1, 2))


def _nonzero_inputs(c, setting) -> np.ndarray:
    return (c.x != 0).all(axis=1) & (c.net_x != 0).all(axis=1)


def _hidden_mixed(c, setting) -> np.ndarray:
    active = c.z1 > 0
    return active.any(axis=1) & ~active.all(axis=1)


def _learning_units(c, setting) -> np.ndarray:
    # unit j learns when it is active and its column of dL/dW1 is not all 0;
    # two learning units with equal W2 rows get proportional columns
    learns = (c.z1 > 0) & _nonzero(c.dL_dW1).any(axis=1)                  # (B, h)
    differ = (c.W2[:, :, None, :] != c.W2[:, None, :, :]).any(axis=-1)     # (B, h, h)
    return _off_diagonal(learns[:, :, None] & learns[:, None, :] & differ)


def _gradient_spread(c, setting) -> np.ndarray:
    per_column = _nonzero(c.dL_dW1).sum(axis=1)                            # (B, h)
    return (per_column >= min(2, c.dL_dW1.shape[1])).sum(axis=1) >= 2


def _distinct_units(c, setting) -> np.ndarray:
    units = np.concatenate([np.swapaxes(c.W1, 1, 2), c.b1[:, :, None]], axis=2)  # (B, h, m+1)
    return ~_off_diagonal((units[:, :, None, :] == units[:, None, :, :]).all(axis=-1))


def _untied(p: np.ndarray, figures: int) -> np.ndarray:
    """(B, n) probabilities -> (B,): no two within one unit of the
    (figures - 1)-th significant figure of the larger (a rounded-too-early
    answer could be either)."""
    near = np.abs(p[:, :, None] - p[:, None, :]) <= precision.tolerance(
        np.maximum(p[:, :, None], p[:, None, :]), figures - 1)
    return ~_off_diagonal(near)


def _no_ties(c, setting) -> np.ndarray:
    ok = np.ones(len(c.z1), bool)
    for p in (c.nllm_a, c.a, c.a_new, c.a2, c.a2_new):
        ok &= _untied(p, c.figures)
    return ok


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


# An item computed from the student's own earlier answers need not change
# when one of those already shows the mistake: the grader credits it as
# carried forward, so the score is the same either way. (A dead ReLU unit
# the missing mask moves, but not across 0, leaves q14 as it was.)
CARRIED_FORWARD = {"q14": ("q12", "q13")}


def unchanged_items(key: dict, factor: float, figures: int = precision.FIGURES,
                    sheets: Iterable[tuple[str, dict]] | None = None,
                    first: bool = False, params=None) -> list[tuple[str, str]]:
    """(mistake code, item) for each numeric item a mistake concerns but does
    not change beyond ``factor`` tolerances in any entry (any part, for
    q12/q13): there the mistake goes unnoticed or looks like rounding
    (except an item of :data:`CARRIED_FORWARD` after a changed one).
    ``sheets`` are (code, answers) pairs, by default every sheet each single
    mistake of :mod:`derive.numerics.mistakes` produces for ``key`` (wrong-class: one
    per other class). ``first``: stop at the first one found. ``params``:
    the key's parsed params, if known."""
    if sheets is None:
        from derive.numerics.mistakes import MISTAKES, recompute
        sheets = [(m.code, sheet) for m in MISTAKES for sheet in recompute(key, (m,))]
    sheets = list(sheets)
    answers = key["answers"]
    segments, wrongs, rights = [], [], []   # (sheet, code, item, entries) of every part
    for n, (code, wrong) in enumerate(sheets):
        for item, answer in wrong.items():
            right = dict(numeric_leaves(answers.get(item), item))
            for path, value in numeric_leaves(answer, item):
                if path not in right:
                    continue
                w, r = np.asarray(value, float), np.asarray(right[path], float)
                if w.shape != r.shape:   # another shape always shows
                    w, r = np.array([np.inf]), np.array([0.0])
                segments.append(((n, code, item), w.size))
                wrongs.append(w.ravel())
                rights.append(r.ravel())
    # one pass of the contract over every entry; a NaN shows (no student writes one)
    far = ~(precision.gap(np.concatenate(wrongs or [np.zeros(0)]),
                          np.concatenate(rights or [np.zeros(0)]), figures) <= factor)
    shown: dict[tuple[int, str, str], bool] = {}
    start = 0
    for part, size in segments:
        shown[part] = shown.get(part, False) or bool(far[start:start + size].any())
        start += size
    out = []
    for (n, code, item), seen in shown.items():
        excused = any(shown.get((n, code, i)) for i in CARRIED_FORWARD.get(item, ()))
        if not seen and not excused and (code, item) not in out:
            out.append((code, item))
    if first and out:   # the generator only asks whether there is any
        return out
    # a mistake whose answer shows no work (zeros, a copy of the given data, what
    # doing nothing gives) would be graded as no attempt, not as the mistake
    from derive.numerics.key import nothing_done
    given, nothing = _given(key, params), nothing_done(key)
    for n, (code, wrong) in enumerate(sheets):
        for item, answer in wrong.items():
            for path, value in numeric_leaves(answer, item):
                data = given + ([nothing[path]] if path in nothing else [])
                if precision.blank(value, data, figures) and (code, item) not in out:
                    out.append((code, item))
                    if first:
                        return out
    return out


def _given(key: dict, params=None) -> list[np.ndarray]:
    from derive.problem.spec import parse_params
    params = params if params is not None else parse_params(key["params"])
    return [np.asarray(v, float) for v in params.given_arrays()]


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("nonzero_inputs", "no input entry is 0 (the softmax layer's x and the "
               "network's x)", True, _flag, batch=_nonzero_inputs),
    Constraint("hidden_mixed", "the hidden ReLU layer is neither all dead nor all active",
               True, _flag, batch=_hidden_mixed),
    Constraint("learning_units", "at least two hidden units are active and learn (a "
               "non-zero column of dL/dW1), with different rows of W2", True, _flag,
               batch=_learning_units),
    Constraint("gradient_spread", "dL/dW1 has at least two columns with at least two "
               "non-zero entries each (one, with one input)", True, _flag,
               batch=_gradient_spread),
    Constraint("distinct_units", "no two hidden units alike (the same column of W1 and "
               "entry of b1)", True, _flag, batch=_distinct_units),
    Constraint("no_ties", "no two class probabilities within one unit of the second-"
               "to-last significant figure asked (question 5's a, both parts, before "
               "and after the step)", True, _flag, batch=_no_ties),
    Constraint("kink_margin", "no hidden pre-activation z1 within this margin of 0, "
               "before or after the update", 0.5, _positive, batch=_kink_margin),
    Constraint("probabilities", "every softmax probability (before and after the "
               "step) within [lowest, highest]", (0.01, 0.99), _bounds,
               batch=_probabilities),
    Constraint("loss_decreases", "the step lowers the loss of the softmax layer and "
               "of the network", True, _flag, batch=_loss_decreases),
    Constraint("distinct_from_mistakes", "every common mistake changes every numeric "
               "item it concerns, in some entry by more than this many tolerances of "
               "the precision contract (10: beyond 'rounded too early')", 10.0, _positive),
    Constraint("unique", "no two variants share the softmax-layer or the network "
               "parameters", True, _flag),
)

BY_NAME: dict[str, Constraint] = {c.name: c for c in CONSTRAINTS}


def _parser(default) -> Callable[[Any, str], Any]:
    """A setting's parser, by the kind of its default."""
    if isinstance(default, bool):
        return _flag
    return _bounds if isinstance(default, tuple) else _positive


def parse_constraints(data, section: str = "variants.constraints") -> dict[str, Any]:
    """The switched-on constraints and their settings, by name: every
    richness constraint of :mod:`derive.variants.richness` and ``unique``
    (on by default)."""
    from derive.variants.richness import RICHNESS, UNIQUE
    defaults = {r.name: r.default for r in RICHNESS} | {UNIQUE: True}
    if not isinstance(data, dict):
        raise InputError(section, "expected a table of constraint = setting")
    for name in data:
        if name not in defaults:
            raise InputError(f"{section}.{name}", "unknown constraint; expected "
                             + ", ".join(defaults))
    out = {}
    for name, default in defaults.items():
        value = data.get(name, True)
        if value is False:
            continue
        out[name] = default if value is True else _parser(default)(value, f"{section}.{name}")
    return out
