"""The exam sheet's answer spaces, shaped like the answers of the key.

A formula answer (the key stores its LaTeX) gets a large free box; a number
gets one box; a vector of n entries a column of n boxes; an m × n matrix an
m × n grid of boxes in brackets. Only the shape of an answer shows:
every box of a grid is as wide as any other, whatever number goes in it.
(:mod:`derive.documents.assignment_context` gives each question its spaces:
one per value of its answer.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.documents.render import Latex

# a free box for a formula answer, and one cell of a grid (cm); a grid's cells
# narrow so that a row of them and its label fit the text width (16.4 cm)
FREE_HEIGHT = 4.0
CELL_WIDTH, CELL_HEIGHT = 2.6, 0.95
ROW_WIDTH = 12.0


def space(value: Any, label: str | None = None) -> dict[str, Any]:
    """The answer space of one value: ``{"kind": "free"}`` for a formula,
    else ``{"kind": "grid", "rows", "cols", "cell_width", "cell_height",
    "brackets"}`` (a column for a vector, no brackets for a single number),
    with its ``label`` (LaTeX; empty for none)."""
    label = Latex(label or "")
    if isinstance(value, dict) and "latex" in value:
        return {"kind": "free", "label": label, "height": f"{FREE_HEIGHT:g}cm"}
    shape = np.shape(value)
    if len(shape) > 2 or not all(shape):
        raise ValueError(f"no answer space for an answer of shape {shape}")
    rows, cols = (shape + (1, 1))[:2] if len(shape) < 2 else shape
    width = min(CELL_WIDTH, ROW_WIDTH / cols)
    return {"kind": "grid", "label": label, "rows": rows, "cols": cols,
            "cell_width": f"{width:.2f}cm", "cell_height": f"{CELL_HEIGHT:g}cm",
            "brackets": rows * cols > 1}
