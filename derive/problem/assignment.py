"""Assignments as data: a problem set read from a TOML file (docs/ASSIGNMENTS.md).

An :class:`Assignment` has parts; a :class:`Part` has a network, the given
data of its instance, how variants draw that data, and its questions. A
question is an id, a kind from :mod:`derive.problem.catalogue`, points and
the options its kind needs. Every later stage reads these; none knows a
question by its number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from derive.problem.spec import Matrix, Network, Number, Vector


@dataclass(frozen=True)
class Question:
    """One graded item: ``options`` are the fields its kind needs
    (``param``, ``value``, ``class``, ``after``, ``activation``, ``loss``,
    ``show``, ``example``), as given in the file."""

    id: str
    kind: str
    points: Number
    options: tuple[tuple[str, Any], ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        """The option ``name`` (or ``default`` when the file leaves it out)."""
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class PartData:
    """The given data of one part's instance: a weight matrix and a bias per
    layer (``W[0]`` is W¹), one training point, the step size."""

    W: tuple[Matrix, ...]
    b: tuple[Vector, ...]
    x: Vector
    y: Vector
    lr: Number

    def to_json(self) -> dict[str, Any]:
        """The part's entry in the key's ``params``: W1, b1, …, x, y, lr."""
        out: dict[str, Any] = {}
        for l, (W, b) in enumerate(zip(self.W, self.b), start=1):
            out[f"W{l}"] = [list(r) for r in W]
            out[f"b{l}"] = list(b)
        return {**out, "x": list(self.x), "y": list(self.y), "lr": self.lr}

    def param(self, name: str):
        """A parameter by its name in the file: ``W2``, ``b1``."""
        group, layer = name[0], int(name[1:])
        return (self.W if group == "W" else self.b)[layer - 1]


@dataclass(frozen=True)
class Grid:
    """The values a variant draws one given number from, in order."""

    values: tuple[Number, ...]


@dataclass(frozen=True)
class Part:
    """A part of the problem set: its network, data and questions."""

    id: str
    title: str
    questions: tuple[Question, ...]
    network: Network | None = None
    given: PartData | None = None
    # grids by field: "W", "b", "x", "y", "lr", or one layer's "W2", "b1"
    variants: tuple[tuple[str, Grid], ...] = ()
    text: str = ""

    @property
    def step_params(self) -> tuple[str, ...]:
        """The parameters the part's one gradient-descent step updates: those
        named by its ``step`` and ``gradient-step`` questions, in layer order."""
        named = {q.get("param") for q in self.questions if q.kind in ("step", "gradient-step")}
        return tuple(sorted(named, key=lambda p: (int(p[1:]), p[0] != "W")))

    def grid(self, name: str) -> Grid | None:
        """The grid for ``name`` (``W2`` falls back to ``W``), or None: keep given."""
        grids = dict(self.variants)
        return grids.get(name) or grids.get(name.rstrip("0123456789"))


@dataclass(frozen=True)
class Assignment:
    """A problem set: title, parts, and where it was read from."""

    title: str
    parts: tuple[Part, ...]
    points: Number | None = None
    name: str = ""        # the file's stem: "reference", "tanh-mse"
    digest: str = field(default="", compare=False)   # sha256 of the file's bytes

    def questions(self) -> list[tuple[Part, Question]]:
        """Every question with its part, in the order of the file."""
        return [(p, q) for p in self.parts for q in p.questions]

    def question(self, id: str) -> tuple[Part, Question]:
        for p, q in self.questions():
            if q.id == id:
                return p, q
        raise KeyError(id)

    @property
    def total_points(self) -> Number:
        return sum(q.points for _, q in self.questions())

    def with_given(self, data: Mapping[str, PartData]) -> Assignment:
        """The same assignment with other given data (a variant's instance),
        by part id; parts not named keep theirs."""
        return replace(self, parts=tuple(replace(p, given=data.get(p.id, p.given))
                                         for p in self.parts))
