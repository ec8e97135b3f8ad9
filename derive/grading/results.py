"""Grades: of one item and of one submission, as the reports print them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("correct", "carried-forward", "wrong", "missing", "invalid", "manual")


@dataclass
class ItemGrade:
    """The grade of one item, with what the feedback shows."""

    status: str
    points: float
    max: float
    diagnosis: list[str] = field(default_factory=list)
    feedback: str = ""
    given: Any = None       # the student's answer, as they wrote it
    expected: Any = None    # the key's answer (plain lists / formula text)

    def to_json(self) -> dict:
        return {"status": self.status, "points": _round(self.points), "max": self.max,
                "diagnosis": list(self.diagnosis), "feedback": self.feedback}


@dataclass
class StudentGrade:
    """One submission's grade."""

    student: str
    variant: str | None
    items: dict[str, ItemGrade]
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    total: float | None = None   # the points of the assignment (default: its items' maxima)
    identity: dict[str, str] = field(default_factory=dict)  # an LMS report's identity columns

    @property
    def score(self) -> float:
        return _round(sum(g.points for g in self.items.values()))

    @property
    def max(self) -> float:
        return _round(sum(g.max for g in self.items.values()) if self.total is None
                      else self.total)

    def to_json(self) -> dict:
        out = {"student": self.student, "variant": self.variant, "score": self.score,
               "max": self.max, "items": {q: g.to_json() for q, g in self.items.items()}}
        if self.error:
            out["error"] = self.error
        if self.notes:
            out["notes"] = list(self.notes)
        if self.identity:
            out["identity"] = dict(self.identity)
        return out


def _round(x: float) -> float:
    return round(float(x), 4) + 0.0
