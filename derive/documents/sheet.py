"""The exam sheet's answer spaces, shaped like the answers of the key.

A formula answer (the key stores its LaTeX) gets a large free box; a number
gets one box; a vector of n entries a column of n boxes; an m × n matrix an
m × n grid of boxes in brackets. An answer of two parts (a gradient and the
updated weights) gets one space per part. Only the shape of an answer shows:
every box of a grid is as wide as any other, whatever number goes in it.
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
# the parts of a two-part answer, in the order the question asks for them
PARTS = ("grad", "W")


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


def answer_spaces(answers: dict[str, Any], labels: dict[str, Any]) -> dict[str, list[dict]]:
    """Every question's answer spaces, from the key's ``answers``: one per
    value, or one per part (:data:`PARTS`) of a two-part answer, and for a
    formula with a worked example (q5) a free box then a box for its value.
    ``labels`` names the numeric answers (LaTeX; a pair for a two-part one)."""
    out = {}
    for q, value in answers.items():
        label = labels.get(q)
        if isinstance(value, dict) and all(part in value for part in PARTS):
            out[q] = [space(value[part], name) for part, name in zip(PARTS, label)]
        elif isinstance(value, dict) and "latex" in value:
            out[q] = [space(value)]
            if "value" in value:
                out[q].append(space(value["value"], label))
        else:
            out[q] = [space(value, label)]
    return out


def marks(points: dict[str, str]) -> list[dict[str, str]]:
    """The marks table of the front page: each question's number and points."""
    return [{"item": q.removeprefix("q"), "points": p} for q, p in points.items()]


def answer_sheet(answers: dict[str, Any], labels: dict[str, Any],
                 points: dict[str, str]) -> dict[str, Any]:
    """The exam sheet's part of the render context: ``spaces`` (per question,
    :func:`answer_spaces`) and ``marks`` (:func:`marks`)."""
    return {"spaces": answer_spaces(answers, labels), "marks": marks(points)}
