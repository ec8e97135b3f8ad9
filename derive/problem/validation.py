"""Checking an assignment file's data (docs/ASSIGNMENTS.md) and building
the model of :mod:`derive.problem.assignment` from it.

Every problem is an :class:`InputError` naming the field by its path in the
file: ``parts[2].questions[3].param``, ``parts[1].network.loss``. Parts,
questions and layers count from 1, as the sheets do; entries of given data
count from 0, as in NumPy and params files.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from derive.problem.assignment import Assignment, Grid, Part, PartData, Question
from derive.problem.catalogue import (KINDS, STEP_KINDS, classes, param_layer, param_names,
                                      value_names, value_shape)
from derive.problem.config import _text
from derive.problem.spec import (ACTIVATIONS, LOSSES, MAX_SIZE, InputError, Layer, Network,
                                 NllmExample, _fields, _matrix, _number, _one_hot, _show,
                                 _step_size, _vector, decimal_text, parse_nllm_example)

MAX_LAYERS = 4
MAX_PARTS = 10
MAX_QUESTIONS = 100
MAX_GRID = 1000         # values a variant grid may hold
MAX_PART_TEXT = 2000
_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def table(data: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = (),
          what: str = "") -> dict:
    """``data`` as a table with these fields: an unknown one (a typo) or a
    missing one raises, naming it and what is expected."""
    if not isinstance(data, dict):
        raise InputError(path or "assignment", f"expected a table, got {_show(data)}")
    known = required + optional
    for key in data:
        if key not in known:
            near = _near(key, known)
            hint = f"did you mean {near!r}? " if near else ""
            raise InputError(_join(path, key), f"unknown field{what}; {hint}expected "
                             + ", ".join(known))
    for key in required:
        if key not in data:
            raise InputError(_join(path, key), "missing")
    return data


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _items(data: Any, path: str, lo: int, hi: int, what: str) -> list:
    if not isinstance(data, list):
        raise InputError(path, f"expected a list of {what}, got {_show(data)}")
    if not lo <= len(data) <= hi:
        raise InputError(path, f"has {len(data)} {what}; give {lo} to {hi}")
    return data


def _near(value: object, choices: tuple[str, ...]) -> str | None:
    """The choice ``value`` is likely a typo of (case aside), if any."""
    near = difflib.get_close_matches(str(value).lower(), [c.lower() for c in choices], n=1)
    return next(c for c in choices if c.lower() == near[0]) if near else None


def _choice(value: Any, path: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        near = _near(value, choices)
        hint = f" (did you mean {near!r}?)" if near else ""
        raise InputError(path, f"unknown {what} {_show(value)}{hint}; choose one of "
                         + ", ".join(choices))
    return value


def _size(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
        raise InputError(path, f"expected a whole number from 1 to {MAX_SIZE}, got {_show(value)}")
    return value


def _positive(value: Any, path: str):
    number = _number(value, path)
    if number <= 0:
        raise InputError(path, f"must be a positive number, got {number}")
    return number


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(path, f"expected true or false, got {_show(value)}")
    return value


def _binary(value: Any, path: str, length: int | None = None) -> tuple[int, ...]:
    """Labels of a sigmoid output under nll: each 0 or 1."""
    y = _vector(value, path, length)
    for i, v in enumerate(y):
        if v not in (0, 1):
            raise InputError(f"{path}[{i}]", f"must be 0 or 1 (a label for nll), got {v}")
    return tuple(int(v) for v in y)


# --------------------------------------------------------------------------
# The network, its given data and their variants


def parse_network(data: Any, path: str) -> Network:
    """The ``[parts.network]`` table: sizes within limits, activations known,
    softmax only as the output, the loss fitting the output activation."""
    d = table(data, path, ("inputs", "layers", "loss"))
    inputs = _size(d["inputs"], f"{path}.inputs")
    layers = []
    rows = _items(d["layers"], f"{path}.layers", 1, MAX_LAYERS, "layers")
    for l, row in enumerate(rows, start=1):
        at = f"{path}.layers[{l}]"
        t = table(row, at, ("units", "activation"))
        units = _size(t["units"], f"{at}.units")
        f = _choice(t["activation"], f"{at}.activation", ACTIVATIONS, "activation")
        if f == "softmax" and l < len(rows):
            raise InputError(f"{at}.activation", "softmax is only supported in the output layer")
        if f == "softmax" and units < 2:
            raise InputError(f"{at}.units", "a softmax layer needs at least 2 units")
        layers.append(Layer(units, f))
    loss = _choice(d["loss"], f"{path}.loss", LOSSES, "loss")
    out = layers[-1].activation
    if loss == "nllm" and out != "softmax":
        raise InputError(f"{path}.loss", "nllm needs a softmax output layer")
    if loss == "nll" and out != "sigmoid":
        raise InputError(f"{path}.loss", "nll needs a sigmoid output layer")
    if loss == "mse" and out == "softmax":
        raise InputError(f"{path}.loss", "a softmax output layer goes with nllm, not mse")
    return Network(inputs, tuple(layers), loss)


def _targets(value: Any, path: str, network: Network) -> tuple:
    n = network.sizes[-1]
    if network.loss == "nllm":
        return _one_hot(value, path, n)
    if network.loss == "nll":
        return _binary(value, path, n)
    return _vector(value, path, n)


def parse_given(data: Any, path: str, network: Network) -> PartData:
    """The ``[parts.given]`` table: every parameter of the network in its
    shape, one training point fitting the loss, the step size."""
    d = table(data, path, tuple(param_names(network)) + ("x", "y", "lr"))
    sizes = network.sizes
    W = tuple(_matrix(d[f"W{l}"], f"{path}.W{l}", sizes[l - 1], sizes[l],
                      f"layer {l} has {sizes[l - 1]} inputs and {sizes[l]} units")
              for l in range(1, len(sizes)))
    b = tuple(_vector(d[f"b{l}"], f"{path}.b{l}", sizes[l]) for l in range(1, len(sizes)))
    return PartData(W=W, b=b, x=_vector(d["x"], f"{path}.x", network.n_inputs),
                    y=_targets(d["y"], f"{path}.y", network),
                    lr=_step_size(d["lr"], f"{path}.lr"))


def parse_grid(data: Any, path: str) -> Grid:
    """``values = [...]``, or ``range = [lo, hi]`` with ``step``: lo, lo + step, …
    up to hi (exact decimals, so 0.1 steps land on 0.3)."""
    d = table(data, path, (), ("values", "range", "step"))
    if "values" in d:
        if "range" in d or "step" in d:
            raise InputError(f"{path}.values", "give values, or range with step, not both")
        values = _items(d["values"], f"{path}.values", 1, MAX_GRID, "values")
        return Grid(tuple(_number(v, f"{path}.values[{i}]") for i, v in enumerate(values)))
    if "range" not in d or "step" not in d:
        raise InputError(f"{path}.{'step' if 'range' in d else 'range'}",
                         "missing; a grid is values = [...] or range = [lo, hi] with step")
    ends = _items(d["range"], f"{path}.range", 2, 2, "numbers")
    lo, hi = (Decimal(decimal_text(_number(v, f"{path}.range[{i}]"))) for i, v in enumerate(ends))
    step = Decimal(decimal_text(_positive(d["step"], f"{path}.step")))
    if hi < lo:
        raise InputError(f"{path}.range", f"must be [lo, hi] with lo <= hi, got {_show(ends)}")
    count = int((hi - lo) / step) + 1
    if count > MAX_GRID:
        raise InputError(f"{path}.step", f"the range holds {count} values; at most {MAX_GRID}")
    return Grid(tuple(_plain(lo + k * step) for k in range(count)))


def _plain(d: Decimal):
    return int(d) if d == d.to_integral_value() else float(d)


def parse_variants(data: Any, path: str, network: Network) -> tuple[tuple[str, Grid], ...]:
    """The ``[parts.variants]`` table: a grid for each of W, b, x, y, lr or
    one layer's W2, b1, …; the grids' values fit the fields they draw."""
    for name in data if isinstance(data, dict) else ():
        if re.fullmatch(r"[Wb][0-9]+", str(name)) and param_layer(network, name) is None:
            raise InputError(f"{path}.{name}", f"no parameter {name} in a "
                             f"{len(network.layers)}-layer network")
    d = table(data, path, (), ("W", "b", "x", "y", "lr") + tuple(param_names(network)),
              what=" (grids for the given data's fields)")
    grids = []
    for name, spec in d.items():
        at = f"{path}.{name}"
        grid = parse_grid(spec, at)
        if name == "lr" and min(grid.values) <= 0:
            raise InputError(at, f"a step size must be > 0, got {min(grid.values)}")
        if name == "y" and network.loss == "nllm":
            raise InputError(at, "for nllm, variants draw y as a one-hot class; leave y out")
        if name == "y" and network.loss == "nll" and not set(grid.values) <= {0, 1}:
            raise InputError(at, "labels for nll are 0 or 1")
        grids.append((name, grid))
    return tuple(grids)


# --------------------------------------------------------------------------
# Questions


def _example(data: Any, path: str, loss: str) -> NllmExample:
    """A loss question's worked example: output a and target y that fit the loss."""
    if loss == "nllm":
        return parse_nllm_example(data, path)
    d = _fields(data, path, ("a", "y"))
    a = _vector(d["a"], f"{path}.a")
    if loss == "nll":
        for i, p in enumerate(a):
            if not 0 < p < 1:
                raise InputError(f"{path}.a[{i}]", f"must be a probability in (0, 1), got {p}")
        return NllmExample(a=a, y=_binary(d["y"], f"{path}.y", len(a)))
    return NllmExample(a=a, y=_vector(d["y"], f"{path}.y", len(a)))


def _option(name: str, value: Any, path: str, kind: str, network: Network | None, options: dict):
    """One option of a question, checked against its kind and the part's network."""
    if name in ("show", "after", "hint"):
        return _flag(value, path)
    if name == "activation":
        f = _choice(value, path, ACTIVATIONS, "activation")
        if kind == "activation-derivative" and f == "softmax":
            raise InputError(path, "softmax has a Jacobian, not a derivative: "
                             "use kind = \"softmax-jacobian\"")
        return f
    if name == "loss":
        return _choice(value, path, LOSSES, "loss")
    if name == "example":
        return _example(value, path, options["loss"])
    layers = len(network.layers)
    if name == "param":
        if param_layer(network, value) is None:
            raise InputError(path, f"no parameter {_show(value)} in a {layers}-layer network; "
                             "choose one of " + ", ".join(param_names(network)))
        if kind == "gradient-formula" and value != f"W{layers}":
            raise InputError(path, "a gradient formula is asked of the output layer's "
                             f"weights, W{layers}")
        return value
    if name == "value":
        if value_shape(network, value) is None:
            raise InputError(path, f"no quantity {_show(value)} in a {layers}-layer network; "
                             "choose one of " + ", ".join(value_names(network)))
        return value
    # class: a softmax output's classes, or class 1 of a one-unit sigmoid
    n = classes(network)
    if n == 0:
        raise InputError(path, "a probability is asked of a softmax output or a "
                         "one-unit sigmoid output")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= n:
        raise InputError(path, f"expected a class from 1 to {n} (classes count from 1), "
                         f"got {_show(value)}")
    return value


def parse_question(data: Any, path: str, part: Part) -> Question:
    """One ``[[parts.questions]]`` table, checked against its kind and its part
    (``part`` has the network and given data, not yet the questions)."""
    if not isinstance(data, dict):
        raise InputError(path, f"expected a table, got {_show(data)}")
    if "kind" not in data:
        raise InputError(f"{path}.kind", "missing; choose one of " + ", ".join(KINDS))
    kind = KINDS[_choice(data["kind"], f"{path}.kind", tuple(KINDS), "kind")]
    table(data, path, ("id", "kind", "points") + kind.required, kind.optional,
          what=f" for kind {kind.name}")
    qid = _id(data["id"], f"{path}.id")
    points = _positive(data["points"], f"{path}.points")
    if kind.network and part.network is None:
        raise InputError(f"{path}.kind", f"kind {kind.name} needs the part's network "
                         "([parts.network])")
    if kind.numeric and part.given is None:
        raise InputError(f"{path}.kind", f"kind {kind.name} asks for numbers: it needs "
                         "the part's given data ([parts.given])")
    options: dict[str, Any] = {}
    for name in (k for k in kind.fields if k in data):  # the loss before its example
        options[name] = _option(name, data[name], f"{path}.{name}", kind.name, part.network,
                                options)
    return Question(qid, kind.name, points, tuple((k, options[k]) for k in data if k in options))


def _id(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InputError(path, "expected an id of 1 to 40 letters, digits, '-' or '_', "
                         f"got {_show(value)}")
    return value


def _after_without_step(part: Part, path: str) -> None:
    """After-step questions need a step: a step or gradient-step question in the part."""
    if any(q.kind in STEP_KINDS for q in part.questions):
        return
    for i, q in enumerate(part.questions, start=1):
        if q.kind == "after-step" or (q.kind == "probability" and q.get("after")):
            field = "kind" if q.kind == "after-step" else "after"
            raise InputError(f"{path}.questions[{i}].{field}", "asks after the step, but the "
                             "part has no step: no step or gradient-step question names a "
                             "parameter to update")


# --------------------------------------------------------------------------
# Parts and the whole file


def parse_part(data: Any, path: str) -> Part:
    """One ``[[parts]]`` table: network, given data, variants, questions."""
    d = table(data, path, ("id", "title", "questions"), ("text", "network", "given", "variants"))
    text = d.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_PART_TEXT:
        raise InputError(f"{path}.text", f"expected text of at most {MAX_PART_TEXT} characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise InputError(f"{path}.text", "must be lines of text without control characters")
    network = parse_network(d["network"], f"{path}.network") if "network" in d else None
    for name in ("given", "variants"):
        if name in d and network is None:
            raise InputError(f"{path}.{name}", "needs the part's network ([parts.network])")
    if "variants" in d and "given" not in d:
        raise InputError(f"{path}.variants", "variants draw the given data: give "
                         "[parts.given] first")
    part = Part(id=_id(d["id"], f"{path}.id"), title=_text(d["title"], f"{path}.title"),
                questions=(), network=network, text=text,
                given=parse_given(d["given"], f"{path}.given", network) if "given" in d else None,
                variants=parse_variants(d["variants"], f"{path}.variants", network)
                if "variants" in d else ())
    rows = _items(d["questions"], f"{path}.questions", 1, MAX_QUESTIONS, "questions")
    questions = tuple(parse_question(q, f"{path}.questions[{i}]", part)
                      for i, q in enumerate(rows, start=1))
    part = replace(part, questions=questions)
    _after_without_step(part, path)
    return part


def _unique(ids: list[tuple[str, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for value, path in ids:
        if value in seen:
            raise InputError(path, f"{what} id {value!r} is taken by {seen[value]}")
        seen[value] = path


def parse(data: Any, name: str = "") -> Assignment:
    """A whole assignment file's data: see :func:`derive.problem.assignment.parse_assignment`."""
    d = table(data, "", ("title", "parts"), ("points",))
    rows = _items(d["parts"], "parts", 1, MAX_PARTS, "parts")
    parts = tuple(parse_part(p, f"parts[{i}]") for i, p in enumerate(rows, start=1))
    _unique([(p.id, f"parts[{i}].id") for i, p in enumerate(parts, start=1)], "part")
    _unique([(q.id, f"parts[{i}].questions[{j}].id") for i, p in enumerate(parts, start=1)
             for j, q in enumerate(p.questions, start=1)], "question")
    count = sum(len(p.questions) for p in parts)
    if count > MAX_QUESTIONS:
        raise InputError("parts", f"{count} questions; at most {MAX_QUESTIONS} in a file")
    assignment = Assignment(title=_text(d["title"], "title"), parts=parts, name=name,
                            points=_positive(d["points"], "points") if "points" in d else None)
    total = assignment.total_points
    if assignment.points is not None and not math.isclose(total, assignment.points,
                                                          rel_tol=1e-9):
        raise InputError("points", f"the questions' points add up to {decimal_text(total)}, "
                         f"not {decimal_text(assignment.points)}")
    return assignment
