"""Assignments as data: a problem set read from a TOML file (docs/ASSIGNMENTS.md).

An :class:`Assignment` has parts; a :class:`Part` has a network, the given
data of its instance, how variants draw that data, and its questions. A
question is an id, a kind from :mod:`derive.problem.catalogue`, points and
the options its kind needs. Every later stage reads these; none knows a
question by its number.

:func:`load_assignment` reads a file (or a shipped example by name) and
:func:`parse_assignment` checks its data (:mod:`derive.problem.validation`):
a bad file is an :class:`~derive.problem.spec.InputError` naming the field,
``parts[2].questions[3].param``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from derive.files import sha256_file
from derive.problem.spec import (InputError, Matrix, Network, NllmExample, Number, Vector,
                                 read_data_file)

# the examples shipped in derive/assignments/, by name (the file's stem)
SHIPPED = ("reference", "tanh-mse", "sigmoid-softmax", "logistic")
ASSIGNMENTS = Path(__file__).resolve().parent.parent / "assignments"
MAX_FILE_BYTES = 1_000_000


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

    def to_json(self) -> dict[str, Any]:
        """``kind``, ``points`` and the options as in the file (the key's
        entry for the question, without its part)."""
        options = {k: ({"a": list(v.a), "y": list(v.y)} if isinstance(v, NllmExample) else v)
                   for k, v in self.options}
        return {"kind": self.kind, "points": self.points, **options}


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

    def to_data(self) -> dict[str, Any]:
        """The part as the file's table (grids as their ``values``)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.text:
            out["text"] = self.text
        if self.network is not None:
            out["network"] = network_to_json(self.network)
        if self.given is not None:
            out["given"] = self.given.to_json()
        if self.variants:
            out["variants"] = {k: {"values": list(g.values)} for k, g in self.variants}
        out["questions"] = [{"id": q.id, **q.to_json()} for q in self.questions]
        return out


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
        """The question with this id, with its part (KeyError when none has it)."""
        for p, q in self.questions():
            if q.id == id:
                return p, q
        raise KeyError(id)

    @property
    def total_points(self) -> Number:
        """The questions' points added up."""
        return sum(q.points for _, q in self.questions())

    def with_given(self, data: Mapping[str, PartData]) -> Assignment:
        """The same assignment with other given data (a variant's instance),
        by part id; parts not named keep theirs."""
        return replace(self, parts=tuple(replace(p, given=data.get(p.id, p.given))
                                         for p in self.parts))

    def to_data(self) -> dict[str, Any]:
        """The assignment as the file's data: ``parse_assignment(a.to_data())``
        gives ``a`` back."""
        out: dict[str, Any] = {"title": self.title}
        if self.points is not None:
            out["points"] = self.points
        return {**out, "parts": [p.to_data() for p in self.parts]}


def network_to_json(network: Network) -> dict[str, Any]:
    """A network as the file's ``[parts.network]`` table (the key's ``networks`` entry)."""
    return {"inputs": network.n_inputs,
            "layers": [{"units": l.size, "activation": l.activation} for l in network.layers],
            "loss": network.loss}


def parse_assignment(data: Any, name: str = "") -> Assignment:
    """Check an assignment's data (as read from TOML) and build it; a bad
    field raises InputError naming it (docs/ASSIGNMENTS.md)."""
    from derive.problem.validation import parse  # it builds this module's model
    return parse(data, name)


def shipped(name: str) -> Path:
    """The file of a shipped example assignment (one of :data:`SHIPPED`)."""
    if name not in SHIPPED:
        raise InputError("--assignment", f"no shipped assignment {name!r}; choose one of "
                         f"{', '.join(SHIPPED)}, or give a path to a .toml file")
    return ASSIGNMENTS / f"{name}.toml"


def load_assignment(path_or_name: str | Path, what: str = "--assignment") -> Assignment:
    """Read and check an assignment file: a path (``my.toml``), or the name of
    a shipped example (``tanh-mse``: a word without a folder or suffix)."""
    text = str(path_or_name)
    path = Path(path_or_name)
    if isinstance(path_or_name, str) and path.name == text and not path.suffix:
        path = shipped(text)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_data_file says what is wrong
    if size > MAX_FILE_BYTES:
        raise InputError(what, f"{path}: {size} bytes is larger than the limit of "
                         f"{MAX_FILE_BYTES} for an assignment file")
    assignment = parse_assignment(read_data_file(path, what), name=path.stem)
    return replace(assignment, digest=sha256_file(path) or "")
