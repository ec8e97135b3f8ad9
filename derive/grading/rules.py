"""The grading rules (the ``[grading]`` table of the config) and the scoring
rule they make, one sentence per case: what the README states for the
defaults and every feedback PDF prints."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from derive.problem import precision
from derive.problem.spec import InputError


@dataclass(frozen=True)
class Rules:
    """How answers are compared and credited."""

    figures: int = precision.FIGURES  # the precision contract: [course] figures, not [grading]
    mistake_credit: float = 0.5     # share kept per diagnosed mistake: one 0.5, two 0.25
    rounded_credit: float = 0.5     # right, but rounded too early
    carried_forward: float = 1.0    # right from the student's own wrong earlier answer
    # a gradient-step's new value right for a wrong gradient beside it that no mistake explains
    carried_forward_update: float = 0.5
    per_entry: bool = True          # other wrong matrices/vectors: credit per informative entry
    symbolic_time_limit: float = 2.0  # seconds for SymPy on one formula
    symbolic_points: int = 8       # random points a formula is evaluated at
    combinations: int = 2          # mistakes combined in one diagnosis


_RANGES = {"mistake_credit": (0.0, 1.0), "rounded_credit": (0.0, 1.0),
           "carried_forward": (0.0, 1.0), "carried_forward_update": (0.0, 1.0),
           "symbolic_time_limit": (0.05, 60.0), "symbolic_points": (1, 100),
           "combinations": (1, 3)}
_SETTABLE = [name for name in Rules.__dataclass_fields__ if name != "figures"]
_REPLACED = ("rel_tol", "abs_tol")  # the tolerance before the precision contract
# read by `grade` for LMS reports, gradebooks and notebooks run (derive.grading.lms_answers,
# gradebook, derive.commands.grade_notebooks)
ELSEWHERE = ("attempt", "gradebook_item", "timeout")


def parse_rules(data: Any, section: str = "grading",
                figures: int = precision.FIGURES) -> Rules:
    """Validate the ``[grading]`` table; ``figures`` is ``[course] figures``."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    defaults = Rules()
    values = {}
    for name, value in data.items():
        where = f"{section}.{name}"
        if name in _REPLACED:
            raise InputError(where, "no longer exists: `figures` in [course] (significant "
                             "figures, default 3) replaced rel_tol and abs_tol")
        if name in ELSEWHERE:
            continue
        if name not in _SETTABLE:
            raise InputError(where, "unknown field; expected "
                             + ", ".join(_SETTABLE + list(ELSEWHERE)))
        default = getattr(defaults, name)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise InputError(where, f"expected true or false, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(default, int) and not isinstance(value, int)):
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise InputError(where, f"expected {kind}, got {value!r}")
        else:
            lo, hi = _RANGES[name]
            if not (math.isfinite(value) and lo <= value <= hi):
                raise InputError(where, f"must be from {lo:g} to {hi:g}, got {value!r}")
        values[name] = value
    return Rules(figures=figures, **values)


def _share(x: float) -> str:
    return f"{100 * x:.4g} %"


def scoring_rules(rules: Rules) -> list[str]:
    """The scoring rule, one sentence per case, the first case that applies
    wins: what the README states for the defaults and every feedback PDF
    prints (for any assignment: by question kind)."""
    f, m = rules.figures, rules.mistake_credit
    before = "the value before the step for one after it"
    other = ("its informative entries that are right, as a share of the informative "
             "entries plus the wrong other ones (informative: where the right answer "
             "differs from doing nothing, that is from the given W for an update, from "
             f"{before}, from 0 otherwise); a single number, "
             "a formula, all zeros or a copy earns nothing"
             if rules.per_entry else "nothing")
    sources = ("a step from your gradient, the forward pass after the step from your "
               "updated parameters, a later layer from your earlier one")
    update = ("Questions asking for a gradient and the step: the points are for the updated "
              "parameter; one")
    return [
        precision.statement(f),
        "Right (a formula: equal to the key's): all of the item's points.",
        "Carried forward: wrong, but it follows correctly from your own earlier answer "
        f"({sources}) and that answer is "
        "a genuine attempt (the right shape, not all zeros, not a copy of the given data "
        f"or of the answer before the step): {_share(rules.carried_forward)}.",
        f"A mistake of the library diagnosed: {_share(m)} of the points, the same on "
        f"every variant; two mistakes at once: {_share(m ** 2)}.",
        f"Rounded too early (every number right to {f - 1} significant figures, "
        f"some not to {f}): {_share(rules.rounded_credit)}.",
        f"{update} that follows "
        "correctly from a wrong gradient given beside it (a genuine attempt) that no "
        f"mistake of the library explains: {_share(rules.carried_forward_update)}.",
        f"Any other wrong answer: {other}. Missing or unreadable: nothing.",
    ]
