"""Problem specification: network descriptions, problem parameters, validation.

Everything a user can hand the tool (a params file, a config, a command-line
value) is checked here and turned into frozen dataclasses. A bad value raises
:class:`InputError` naming the field, which the command line prints as one line
with exit status 2.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "softmax")
LOSSES = ("nllm", "nll", "mse")


class InputError(ValueError):
    """A bad user-supplied value: ``field`` names it, the message says why."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def printable(text: str, json_text: bool = False) -> str:
    """``text`` with control, bidi and line-separator characters as ``\\uXXXX``:
    safe in a terminal and a log line. ``json_text``: ``text`` is JSON, whose
    strings have their C0 controls escaped already and whose line breaks stay."""
    return (_INVISIBLE if json_text else _UNSAFE).sub(
        lambda m: f"\\u{ord(m.group()):04x}", text)


_INVISIBLE_CHARS = "\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_UNSAFE = re.compile(f"[\x00-\x1f{_INVISIBLE_CHARS}]")


# --------------------------------------------------------------------------
# Network descriptions


@dataclass(frozen=True)
class Layer:
    """One layer: its number of units and its activation ``f``."""

    size: int
    activation: str


@dataclass(frozen=True)
class Network:
    """A feed-forward network as data: input size, layers, loss."""

    n_inputs: int
    layers: tuple[Layer, ...]
    loss: str

    def __post_init__(self):
        if self.n_inputs < 1:
            raise InputError("network.n_inputs", "must be at least 1")
        if not self.layers:
            raise InputError("network.layers", "needs at least one layer")
        for l, layer in enumerate(self.layers, start=1):
            if layer.activation not in ACTIVATIONS:
                raise InputError(f"network.layers[{l}].activation",
                                 f"unknown activation {layer.activation!r}; "
                                 f"choose one of {', '.join(ACTIVATIONS)}")
            if layer.size < 1:
                raise InputError(f"network.layers[{l}].size", "must be at least 1")
            if layer.activation == "softmax" and l < len(self.layers):
                raise InputError(f"network.layers[{l}].activation",
                                 "softmax is only supported in the output layer")
        if self.loss not in LOSSES:
            raise InputError("network.loss", f"unknown loss {self.loss!r}; "
                             f"choose one of {', '.join(LOSSES)}")
        out = self.layers[-1].activation
        if self.loss == "nllm" and out != "softmax":
            raise InputError("network.loss", "nllm needs a softmax output layer")
        if self.loss == "nll" and out != "sigmoid":
            raise InputError("network.loss", "nll needs a sigmoid output layer")

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, the input first: (m¹, n¹, n², …)."""
        return (self.n_inputs,) + tuple(layer.size for layer in self.layers)


# --------------------------------------------------------------------------
# Problem parameters (the ``params`` object of ANSWER_KEY.md)

Number = int | float
Vector = tuple[Number, ...]
Matrix = tuple[Vector, ...]


@dataclass(frozen=True)
class NllmExample:
    """Question 5's worked example: a probability vector and a one-hot target."""

    a: Vector
    y: Vector


@dataclass(frozen=True)
class SoftmaxLayer:
    """Questions 6-9: one softmax layer, one training point, one step."""

    W: Matrix
    b: Vector
    x: Vector
    y: Vector
    lr: Number
    query_class: int

    @property
    def network(self) -> Network:
        return Network(len(self.x), (Layer(len(self.b), "softmax"),), "nllm")


@dataclass(frozen=True)
class NetworkParams:
    """Questions 10-14: the ReLU/softmax network, one training point, one step."""

    W1: Matrix
    b1: Vector
    W2: Matrix
    b2: Vector
    x: Vector
    y: Vector
    lr: Number

    @property
    def network(self) -> Network:
        return Network(len(self.x), (Layer(len(self.b1), "relu"),
                                     Layer(len(self.b2), "softmax")), "nllm")

    @property
    def weights(self) -> tuple[Matrix, ...]:
        return (self.W1, self.W2)

    @property
    def biases(self) -> tuple[Vector, ...]:
        return (self.b1, self.b2)


@dataclass(frozen=True)
class Params:
    """One problem instance: the three parameter groups of the assignment."""

    nllm_example: NllmExample
    softmax_layer: SoftmaxLayer
    network: NetworkParams

    def to_json(self) -> dict[str, Any]:
        """The ``params`` object of the answer key."""
        return {name: _group_to_json(getattr(self, name)) for name in _names(type(self))}

    def given_arrays(self) -> list[tuple]:
        """The vectors and matrices the problem sheet gives for questions
        6-14 (what a student could copy instead of answering)."""
        s, n = self.softmax_layer, self.network
        return [s.W, s.b, s.x, s.y, n.W1, n.b1, n.W2, n.b2, n.x, n.y]


@lru_cache(maxsize=None)
def _names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _group_to_json(group) -> dict[str, Any]:
    out = {}
    for name in _names(type(group)):
        v = getattr(group, name)
        if isinstance(v, tuple):  # a vector, or a matrix as a tuple of rows
            v = [list(r) for r in v] if v and isinstance(v[0], tuple) else list(v)
        out[name] = v
    return out


REFERENCE = Params(
    nllm_example=NllmExample(a=(0.1, 0.4, 0.5), y=(1, 0, 0)),
    softmax_layer=SoftmaxLayer(
        W=((1, -1, -2), (-1, 2, 1)), b=(0, 0, 0), x=(1, 1), y=(0, 1, 0),
        lr=0.5, query_class=2),
    network=NetworkParams(
        W1=((1, 0, -1, 0), (0, 1, 0, -1)), b1=(-1, -1, -1, -1),
        W2=((1, -1), (1, -1), (1, -1), (1, -1)), b2=(0, 2),
        x=(4, 11), y=(0, 1), lr=0.5),
)


# --------------------------------------------------------------------------
# Validation of untrusted parameter data

# Units per layer (entries of a vector): the widest matrix amsmath sets is 10
# columns, and larger layers are not a handout any more (`handouts key` itself
# takes seconds up to 16 x 16 x 16)
MAX_SIZE = 10
MAX_MAGNITUDE = 10**6
# Given data are printed exactly, so each is a decimal of at most this many places
MAX_DECIMALS = 6


def decimal_text(value: Number) -> str:
    """The shortest decimal that reads back as ``value``, in fixed point, no
    trailing zeros, never ``-0``: ``0.25``, ``3``, ``0.00001``."""
    d = Decimal(repr(float(value) + 0.0)).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "0") else text


def decimal_places(value: Number) -> int:
    """How many decimal places :func:`decimal_text` prints for ``value``."""
    text = decimal_text(value)
    return len(text) - text.index(".") - 1 if "." in text else 0


def _number(value, field: str) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(field, f"expected a number, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(field, f"must be finite, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise InputError(field, f"{value} is too large (at most 10^6 in magnitude)")
    return check_decimals(value, field)


def check_decimals(value: Number, field: str) -> Number:
    """A number given to students is printed exactly: at most MAX_DECIMALS places."""
    if decimal_places(value) > MAX_DECIMALS:
        raise InputError(field, f"{decimal_text(value)} has {decimal_places(value)} decimal "
                         f"places; given data are printed exactly, so at most {MAX_DECIMALS}")
    return value


def _vector(value, field: str, length: int | None = None) -> Vector:
    if not isinstance(value, (list, tuple)):
        raise InputError(field, f"expected a list of numbers, got {_show(value)}")
    if not value:
        raise InputError(field, "must not be empty")
    if len(value) > MAX_SIZE:
        raise InputError(field, f"{len(value)} entries is larger than the limit of "
                         f"{MAX_SIZE} units per layer")
    if length is not None and len(value) != length:
        raise InputError(field, f"expected {length} entries, got {len(value)}")
    return tuple(_number(v, f"{field}[{i}]") for i, v in enumerate(value))


def _matrix(value, field: str, rows: int, cols: int, why: str) -> Matrix:
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(r, (list, tuple)) for r in value):
        raise InputError(field, f"expected a list of rows, got {_show(value)}")
    shape = (len(value), len(value[0]) if value else 0)
    if any(len(r) != shape[1] for r in value):
        raise InputError(field, "rows have different lengths")
    if shape != (rows, cols):
        raise InputError(field, f"expected a {rows} × {cols} matrix ({why}), "
                         f"got {shape[0]} × {shape[1]}")
    return tuple(_vector(r, f"{field}[{i}]", cols) for i, r in enumerate(value))


def _one_hot(value, field: str, length: int | None = None) -> Vector:
    y = _vector(value, field, length)
    if sorted(y) != [0] * (len(y) - 1) + [1]:
        raise InputError(field, f"must be one-hot (one 1, the rest 0), got {list(y)}")
    return tuple(int(v) for v in y)


def _step_size(value, field: str) -> Number:
    lr = _number(value, field)
    if lr <= 0:
        raise InputError(field, f"must be > 0, got {lr}")
    return lr


def _show(value) -> str:
    text = json.dumps(value) if not isinstance(value, tuple) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields(data, section: str, names: tuple[str, ...]) -> dict:
    if not isinstance(data, dict):
        raise InputError(section, f"expected a table of fields, got {_show(data)}")
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise InputError(f"{section}.{unknown[0]}", "unknown field; expected "
                         + ", ".join(names))
    missing = [n for n in names if n not in data]
    if missing:
        raise InputError(f"{section}.{missing[0]}", "missing")
    return data


def parse_nllm_example(data, section="params.nllm_example") -> NllmExample:
    d = _fields(data, section, ("a", "y"))
    a = _vector(d["a"], f"{section}.a")
    for i, p in enumerate(a):
        if not 0 < p <= 1:
            raise InputError(f"{section}.a[{i}]", f"must be a probability in (0, 1], got {p}")
    if abs(math.fsum(a) - 1) > 1e-6:
        raise InputError(f"{section}.a", f"must sum to 1, sums to {math.fsum(a):.6g}")
    return NllmExample(a=a, y=_one_hot(d["y"], f"{section}.y", len(a)))


def parse_softmax_layer(data, section="params.softmax_layer") -> SoftmaxLayer:
    d = _fields(data, section, ("W", "b", "x", "y", "lr", "query_class"))
    x = _vector(d["x"], f"{section}.x")
    y = _one_hot(d["y"], f"{section}.y")
    n = len(y)
    if n < 2:
        raise InputError(f"{section}.y", "needs at least 2 classes")
    W = _matrix(d["W"], f"{section}.W", len(x), n,
                f"x has {len(x)} entries, y has {n}")
    b = _vector(d["b"], f"{section}.b", n)
    q = d["query_class"]
    if isinstance(q, bool) or not isinstance(q, int):
        raise InputError(f"{section}.query_class", f"expected a class number, got {_show(q)}")
    if not 0 <= q < n:
        raise InputError(f"{section}.query_class",
                         f"must be a class from 0 to {n - 1}, got {q}")
    return SoftmaxLayer(W=W, b=b, x=x, y=y, lr=_step_size(d["lr"], f"{section}.lr"),
                        query_class=q)


def parse_network(data, section="params.network") -> NetworkParams:
    d = _fields(data, section, ("W1", "b1", "W2", "b2", "x", "y", "lr"))
    x = _vector(d["x"], f"{section}.x")
    y = _one_hot(d["y"], f"{section}.y")
    if len(y) < 2:
        raise InputError(f"{section}.y", "needs at least 2 classes")
    b1 = _vector(d["b1"], f"{section}.b1")
    h = len(b1)
    W1 = _matrix(d["W1"], f"{section}.W1", len(x), h,
                 f"x has {len(x)} entries, b1 has {h}")
    W2 = _matrix(d["W2"], f"{section}.W2", h, len(y),
                 f"b1 has {h} entries, y has {len(y)}")
    b2 = _vector(d["b2"], f"{section}.b2", len(y))
    return NetworkParams(W1=W1, b1=b1, W2=W2, b2=b2, x=x, y=y,
                         lr=_step_size(d["lr"], f"{section}.lr"))


_PARSERS = {"nllm_example": parse_nllm_example,
            "softmax_layer": parse_softmax_layer,
            "network": parse_network}


def parse_params(data, section="params", base: Params = REFERENCE) -> Params:
    """Validate a ``params`` mapping; a group left out keeps ``base``'s values."""
    if not isinstance(data, dict):
        raise InputError(section, f"expected a table with {', '.join(_PARSERS)}")
    unknown = sorted(set(data) - set(_PARSERS))
    if unknown:
        raise InputError(f"{section}.{unknown[0]}",
                         "unknown group; expected " + ", ".join(_PARSERS))
    groups = {name: parse(data[name], f"{section}.{name}") if name in data
              else getattr(base, name) for name, parse in _PARSERS.items()}
    return Params(**groups)


def read_data_file(path: str | Path, what: str = "file") -> Any:
    """Read a TOML or JSON file (by its suffix; JSON when unknown)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(what, f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(what, f"{path}: cannot read ({e.__class__.__name__})") from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        return json.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(what, f"{path}: not valid TOML ({e})") from None
    except RecursionError:
        raise InputError(what, f"{path}: nested too deeply") from None
    except json.JSONDecodeError as e:
        raise InputError(what, f"{path}: not valid JSON ({e.msg} at line {e.lineno}, "
                         f"column {e.colno})") from None


def load_params(path: str | Path) -> Params:
    """Read and validate a params file (TOML or JSON with the fields of ``params``)."""
    data = read_data_file(path, "--params")
    if isinstance(data, dict) and set(data) >= {"schema", "params"}:
        data = data["params"]  # an answer key file is accepted as well
    return parse_params(data)
