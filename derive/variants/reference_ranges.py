"""The config's ``[variants.softmax_layer]`` and ``[variants.network]``
tables, mapped onto the reference assignment's grids.

The reference (``derive/assignments/reference.toml``) is built from its
file; what those tables set still applies to it: an integer range
``[lo, hi]`` is the grid of every whole number from lo to hi, ``lr`` the
grid of step sizes. The shapes are the file's: a size that differs from it
is a one-line error naming the field (write an assignment file to change
the shape), as is either table with another assignment (its grids are in
its file).
"""

from __future__ import annotations

from dataclasses import replace

from derive.problem.assignment import Grid
from derive.problem.spec import InputError

# config table -> (the reference's part id, {size field: (layer, what)})
TABLES = {
    "softmax_layer": ("softmax-layer", {"inputs": (0, "inputs"), "classes": (1, "classes")}),
    "network": ("network", {"inputs": (0, "inputs"), "hidden": (1, "hidden units"),
                            "outputs": (2, "outputs")}),
}
REFERENCE = "reference"


def with_ranges(assignment, settings, variants: dict, section: str = "variants"):
    """``assignment`` with the grids the ``[variants]`` tables set (validated
    already in ``settings``, :func:`derive.variants.settings.parse_settings`)."""
    given = [name for name in TABLES if name in variants]
    if not given:
        return assignment
    if assignment.name != REFERENCE:
        raise InputError(f"{section}.{given[0]}", "sets the reference's ranges; the "
                         f"variants of {assignment.name!r} draw from the grids of its "
                         "file's [parts.variants]")
    parts = {p.id: p for p in assignment.parts}
    for name in given:
        part_id, sizes = TABLES[name]
        part = parts[part_id]
        ranges = getattr(settings, name)
        grids = dict(part.variants)
        for field in variants[name]:
            if field in sizes:
                layer, what = sizes[field]
                size = part.network.sizes[layer]
                if getattr(ranges, field) != size:
                    raise InputError(f"{section}.{name}.{field}", f"the shape is the assignment "
                                     f"file's ({size} {what} in reference.toml); to change "
                                     "it, write an assignment file (handouts init FILE "
                                     "--example reference) and pass --assignment FILE")
                continue
            value = getattr(ranges, field)
            grids[field] = Grid(tuple(value) if field == "lr" else
                                tuple(range(value[0], value[1] + 1)))
        parts[part_id] = replace(part, variants=tuple(grids.items()))
    return replace(assignment, parts=tuple(parts[p.id] for p in assignment.parts))
