"""The settings of a variant set: the ``[variants]`` table of the config
(ranges, constraints, candidate allowance, collection mode), seeds, counts
and variant ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from derive.problem import precision
from derive.problem.spec import InputError, check_decimals
from derive.variants.constraints import parse_constraints

MAX_COUNT = 100_000
MAX_SIZE = 8
MAX_ENTRY = 100
COLLECTION_MODES = ("merge",)   # the variants' PDFs joined (pdfunite)


def variant_id(seed: int, k: int, count: int) -> str:
    """``s<seed>-<k>``, k zero-padded to the width of the count (ANSWER_KEY.md):
    ``s7-03`` in a set of 30. Extending a set keeps its ids while the count
    keeps its number of digits; the variants themselves never change."""
    return f"s{seed}-{k:0{len(str(count))}d}"


# --------------------------------------------------------------------------
# Settings: the [variants] table of the config


@dataclass(frozen=True)
class LayerRanges:
    """Questions 6-9: sizes, integer ranges [lo, hi] and step sizes."""

    inputs: int = 2
    classes: int = 3
    W: tuple[int, int] = (-2, 2)
    b: tuple[int, int] = (0, 0)
    x: tuple[int, int] = (-2, 2)
    lr: tuple[float, ...] = (0.1, 0.25, 0.5, 1)


@dataclass(frozen=True)
class NetworkRanges:
    """Questions 10-14: sizes, integer ranges [lo, hi] and step sizes."""

    inputs: int = 2
    hidden: int = 4
    outputs: int = 2
    W1: tuple[int, int] = (-2, 2)
    b1: tuple[int, int] = (-2, 2)
    W2: tuple[int, int] = (-1, 1)
    b2: tuple[int, int] = (-1, 1)
    x: tuple[int, int] = (-2, 3)
    lr: tuple[float, ...] = (0.1, 0.25, 0.5, 1)


@dataclass(frozen=True)
class VariantSettings:
    """Everything the generator reads from ``[variants]``."""

    softmax_layer: LayerRanges = LayerRanges()
    network: NetworkRanges = NetworkRanges()
    constraints: dict = field(default_factory=lambda: parse_constraints({}))
    max_candidates: int = 20_000
    collection: str = "merge"   # the only mode left (see build_set)
    penalty: float = 0.0        # moodle.xml: the share of a question's mark a wrong try costs
    figures: int = precision.FIGURES   # [course] figures: the precision contract


_SIZES = {"inputs": 1, "classes": 2, "hidden": 1, "outputs": 2}  # name -> minimum


def _size(value, field: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_SIZE:
        raise InputError(field, f"expected a whole number from {least} to {MAX_SIZE}, "
                         f"got {value!r}")
    return value


def _range(value, field: str) -> tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)):
        raise InputError(field, f"expected an integer range [lowest, highest], got {value!r}")
    lo, hi = value
    if lo > hi:
        raise InputError(field, f"empty range [{lo}, {hi}]: lowest is above highest")
    if max(abs(lo), abs(hi)) > MAX_ENTRY:
        raise InputError(field, f"range [{lo}, {hi}] too wide (entries up to ±{MAX_ENTRY})")
    return lo, hi


def _choices(value, field: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        raise InputError(field, f"expected a list of step sizes, got {value!r}")
    if not value:
        raise InputError(field, "empty list of step sizes")
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 100:
            raise InputError(f"{field}[{i}]", f"expected a step size in (0, 100], got {v!r}")
        check_decimals(v, f"{field}[{i}]")
    return tuple(value)


def _group(data, section: str, cls):
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    defaults = cls()
    names = tuple(cls.__dataclass_fields__)
    values = {}
    for name, value in data.items():
        field_name = f"{section}.{name}"
        if name not in names:
            raise InputError(field_name, "unknown field; expected " + ", ".join(names))
        if name in _SIZES:
            values[name] = _size(value, field_name, _SIZES[name])
        elif name == "lr":
            values[name] = _choices(value, field_name)
        else:
            values[name] = _range(value, field_name)
    return type(defaults)(**{**defaults.__dict__, **values})


def parse_settings(data: Any, section: str = "variants",
                   figures: int = precision.FIGURES) -> VariantSettings:
    """Validate the ``[variants]`` table (every field optional); ``figures``
    is the config's ``[course] figures`` (see :func:`settings_of`)."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    known = tuple(VariantSettings.__dataclass_fields__)
    for name in data:
        if name not in known:
            raise InputError(f"{section}.{name}", "unknown field; expected " + ", ".join(known))
    out = {}
    if "softmax_layer" in data:
        out["softmax_layer"] = _group(data["softmax_layer"], f"{section}.softmax_layer",
                                      LayerRanges)
    if "network" in data:
        out["network"] = _group(data["network"], f"{section}.network", NetworkRanges)
    if "constraints" in data:
        out["constraints"] = parse_constraints(data["constraints"], f"{section}.constraints")
    if "max_candidates" in data:
        m = data["max_candidates"]
        if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 10**7:
            raise InputError(f"{section}.max_candidates",
                             f"expected a whole number from 1 to 10^7, got {m!r}")
        out["max_candidates"] = m
    if "collection" in data:
        if data["collection"] == "typeset":
            raise InputError(f"{section}.collection", '"typeset" is no longer offered: the '
                             "collections are the variants' PDFs joined; leave it out")
        if data["collection"] not in COLLECTION_MODES:
            raise InputError(f"{section}.collection", f"expected one of "
                             f"{', '.join(map(repr, COLLECTION_MODES))}, got {data['collection']!r}")
        out["collection"] = data["collection"]
    if "penalty" in data:
        pen = data["penalty"]
        if isinstance(pen, bool) or not isinstance(pen, (int, float)) or not 0 <= pen <= 1:
            raise InputError(f"{section}.penalty", "expected the share of a question's mark a "
                             f"wrong try costs, from 0 to 1, got {pen!r}")
        out["penalty"] = float(pen)
    settings = VariantSettings(**out, figures=figures)
    if settings.softmax_layer.classes > 10:
        raise InputError(f"{section}.softmax_layer.classes", "at most 10 (a layer has "
                         "1 to 10 units)")
    return settings


def settings_of(config) -> VariantSettings:
    """The generator settings of a course config: its ``[variants]`` table
    and its ``[course] figures``."""
    return parse_settings(config.variants, figures=config.course.figures)


def check_seed(seed: Any, field: str = "--seed") -> int:
    """A seed is a non-negative integer (NumPy's SeedSequence entropy)."""
    if isinstance(seed, str):
        try:
            seed = int(seed, 10)
        except ValueError:
            raise InputError(field, f"expected a whole number, got {seed!r}") from None
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(field, f"expected a whole number >= 0, got {seed!r}")
    return seed


def check_count(count: Any, field: str = "--count") -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InputError(field, f"expected a whole number from 1 to {MAX_COUNT}, got {count!r}")
    return count
