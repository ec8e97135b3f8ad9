"""Set-level exports of a variant set: keys.csv and manifest.json, and the
numeric items every export reads (the LMS quizzes: :mod:`derive.variants.moodle`).

Each returns text (the same text for the same keys); the build writes it
atomically. keys.csv writes numbers in full precision (``repr`` of the
float64 in the key). The exports read a key's numeric items
(:func:`numeric_items`): every numeric question of a schema 2 key
(:mod:`derive.variants.items`).
"""

from __future__ import annotations

import csv
import io
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Iterator, Sequence

@dataclass(frozen=True)
class Item:
    """One numeric item of a key: its id, points, answer (a number, a
    vector, a matrix, or a dict of those), the part of a dict answer that
    carries the marks (None: every part), what it asks and the data given."""

    id: str
    points: Any
    value: Any
    marked: str | None
    prompt: str
    given: str


def numeric_items(key: dict) -> list[Item]:
    """The numeric items of a schema 2 key, in order (a schema 1 key:
    :func:`derive.numerics.key.from_schema_1` first)."""
    from derive.variants.items import schema2_items
    return schema2_items(key)


def flat_answers(key: dict) -> Iterator[tuple[str, float]]:
    """(column name, value) of every numeric answer: ``q6[1,2]`` is row 1,
    column 2 of q6 and ``q10[3]`` entry 3, counting from 1 as the
    assignment's notation does (w_kj, a¹_i); a gradient-step's parts are
    ``q12.grad`` and ``q12.new``."""
    for item in numeric_items(key):
        parts = item.value.items() if isinstance(item.value, dict) else [("", item.value)]
        for part, v in parts:
            name = f"{item.id}.{part}" if part else item.id
            yield from _entries(name, v)


def _entries(name: str, value) -> Iterator[tuple[str, float]]:
    if not isinstance(value, list):
        yield name, value
    elif value and isinstance(value[0], list):
        for i, row in enumerate(value, 1):
            for j, v in enumerate(row, 1):
                yield f"{name}[{i},{j}]", v
    else:
        for i, v in enumerate(value, 1):
            yield f"{name}[{i}]", v


def keys_csv(keys: Sequence[dict]) -> str:
    """One row per variant: id, seed, then every numeric answer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = None
    for key in keys:
        row = dict(flat_answers(key))
        if header is None:
            header = list(row)
            writer.writerow(["variant", "seed"] + header)
        writer.writerow([key["variant"], key["seed"]] + [repr(float(row[h])) for h in header])
    return out.getvalue()


# --------------------------------------------------------------------------
# manifest.json


def versions() -> dict[str, str]:
    """Versions of what made the numbers (read from the installed packages'
    metadata, so nothing heavy is imported)."""
    from derive import __version__
    return {"python": platform.python_version(), "sympy": metadata.version("sympy"),
            "numpy": metadata.version("numpy"), "handouts": __version__}


def manifest_json(*, seed: int, count: int, config_digest: str, inputs: str,
                  variants: dict[str, str], collection: str, extra: dict[str, Any] | None = None) -> str:
    """The manifest: what was built from what (no timestamps, so the same
    inputs give the same bytes)."""
    data = {"schema": 1, "seed": seed, "count": count,
            "config_digest": config_digest or None, "versions": versions(),
            "inputs": inputs, "collection": collection, "variants": variants,
            **(extra or {})}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
