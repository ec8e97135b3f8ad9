"""The blocks of a worked solution, for templates/assignment/blocks.tex.j2:
a sentence (``text``) and the rows of an ``align``."""

from __future__ import annotations

from typing import Any

from derive.documents.render import Latex


def text(s: str) -> dict[str, Any]:
    return {"type": "text", "text": Latex(s)}


def align(*rows: tuple[str, str, str]) -> dict[str, Any]:
    """Rows of an align: (left side, right side, a note in the margin); a right
    side that does not start with its relation gets ``=``."""
    return {"type": "align", "rows": [{"lhs": Latex(l), "rhs": Latex(_related(r)),
                                       "note": Latex(n)} for l, r, n in rows]}


def _related(rhs: str) -> str:
    return rhs if rhs.startswith(("=", r"\approx")) else f"= {rhs}"
