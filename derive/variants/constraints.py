"""The ``[variants.constraints]`` table (:func:`parse_constraints`): every
richness constraint of :mod:`derive.variants.richness`, and ``unique``,
switched on or off or given a setting.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from derive.problem.spec import InputError


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
