"""Drawing a part's given data from its variant grids (docs/ASSIGNMENTS.md).

Every given number of a part with variants is drawn uniformly from its
grid (``W2`` before ``W``, as :meth:`Part.grid` resolves it); a number
without a grid keeps its given value. Labels are the class: one-hot with
the class drawn uniformly for ``nllm``, each entry 0 or 1 for ``nll``,
from the ``y`` grid for ``mse`` (or given). Draws come from one stream in a
fixed order (W1, b1, W2, b2, …, x, y, lr; one generator call per field for
the whole batch), so a stream and a batch size always give the same
candidates. The numbers are the grid's own (int or float, as the file wrote
them), so every drawn instance prints exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.problem.assignment import Part, PartData


def varies(part: Part) -> bool:
    """Whether variants draw the part's data (it has given data and grids)."""
    return part.given is not None and bool(part.variants)


def _fields(part: Part) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every given number group, in drawing order."""
    net = part.network
    sizes = net.sizes
    out = []
    for l in range(1, len(net.layers) + 1):
        out += [(f"W{l}", (sizes[l - 1], sizes[l])), (f"b{l}", (sizes[l],))]
    return out + [("x", (net.n_inputs,)), ("y", (sizes[-1],)), ("lr", ())]


def _given(data: PartData, name: str) -> Any:
    if name in ("x", "y", "lr"):
        return getattr(data, name)
    return data.param(name)


def _labels(rng: np.random.Generator, part: Part, count: int) -> np.ndarray | None:
    """Drawn targets (count, n) by the loss, or None to keep the given ones."""
    net = part.network
    n = net.layers[-1].size
    if net.loss == "nllm":
        return np.eye(n, dtype=np.int64)[rng.integers(0, n, size=count)]
    if net.loss == "nll":
        return rng.integers(0, 2, size=(count, n))
    grid = part.grid("y")
    if grid is None:
        return None
    return np.array(grid.values, dtype=object)[rng.integers(0, len(grid.values), (count, n))]


def draw_part(rng: np.random.Generator, part: Part, count: int,
              nonzero_x: bool = False) -> list[PartData]:
    """``count`` candidate instances of ``part`` from the stream ``rng``;
    ``nonzero_x``: the inputs from the grid's non-zero values (the same
    distribution as rejecting a zero input, when the grid has one)."""
    drawn: dict[str, np.ndarray] = {}
    for name, shape in _fields(part):
        if name == "y":
            labels = _labels(rng, part, count)
            if labels is not None:
                drawn[name] = labels
            continue
        grid = part.grid(name)
        if grid is not None:
            values = np.array(grid.values, dtype=object)
            if name == "x" and nonzero_x and any(v != 0 for v in grid.values):
                values = np.array([v for v in grid.values if v != 0], dtype=object)
            drawn[name] = values[rng.integers(0, len(values), size=(count, *shape))]
    return [_instance(part, {k: v[i].tolist() if isinstance(v[i], np.ndarray) else v[i]
                             for k, v in drawn.items()}) for i in range(count)]


def _instance(part: Part, values: dict[str, Any]) -> PartData:
    """The part's given data with the drawn ``values`` in place."""
    given = part.given
    L = len(given.W)

    def get(name):
        return values[name] if name in values else _given(given, name)

    def vector(v):
        return tuple(_number(e) for e in v)

    return PartData(W=tuple(tuple(vector(row) for row in get(f"W{l}")) for l in range(1, L + 1)),
                    b=tuple(vector(get(f"b{l}")) for l in range(1, L + 1)),
                    x=vector(get("x")), y=vector(get("y")), lr=_number(get("lr")))


def _number(v):
    """A plain Python number (NumPy scalars from the draw become int/float)."""
    return v.item() if hasattr(v, "item") else v
