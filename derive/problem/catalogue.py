"""The catalogue of question kinds (docs/ASSIGNMENTS.md): what each asks,
the fields it takes, and the shape of its answer in the key.

Every stage dispatches on a question's kind and its part's network, never on
its id. Parameters are named by layer (``W2``, ``b1``) and forward-pass
quantities by layer or role (``z1``, ``a2``, ``output``, ``loss``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from derive.problem.spec import Network

if TYPE_CHECKING:
    from derive.problem.assignment import Part, Question

Shape = Union[str, tuple[int, ...], dict]


@dataclass(frozen=True)
class Kind:
    """A question kind: ``required`` and ``optional`` are the fields it takes
    besides ``id``, ``kind`` and ``points``."""

    name: str
    asks: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    numeric: bool = False   # asks for numbers: needs the part's given data
    network: bool = False   # about the part's network (output layer, loss, layers)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("activation", "define an activation as a function of z", ("activation",)),
    Kind("activation-derivative", "the derivative of an activation, in terms of itself",
         ("activation",)),
    Kind("softmax-jacobian", "the softmax Jacobian ∂aᵢ/∂zⱼ"),
    Kind("loss", "define a loss (and evaluate it on an example)", ("loss",), ("example",)),
    Kind("output-gradient", "∂ℓ/∂zᴸ for the part's output activation and loss",
         network=True),
    Kind("gradient-formula", "an entry ∂ℓ/∂w_kj of an output-layer weight as a formula",
         ("param",), ("show",), network=True),
    Kind("forward", "a forward-pass quantity for the given data", ("value",),
         numeric=True, network=True),
    Kind("probability", "the output probability of a class, before or after the step",
         ("class",), ("after",), numeric=True, network=True),
    Kind("gradient", "the gradient of the loss with respect to a parameter", ("param",),
         ("show", "hint"), numeric=True, network=True),
    Kind("step", "a parameter after one gradient-descent step", ("param",), ("hint",),
         numeric=True, network=True),
    Kind("gradient-step", "a parameter's gradient and its value after the step",
         ("param",), ("hint",), numeric=True, network=True),
    Kind("after-step", "a forward-pass quantity after the step", ("value",),
         numeric=True, network=True),
)}

# the kinds whose answer is a formula ({"sympy", "latex"} or {"latex"}), and
# those whose answer is numbers
FORMULA_KINDS = tuple(name for name, kind in KINDS.items() if not kind.numeric)
NUMERIC_KINDS = tuple(name for name, kind in KINDS.items() if kind.numeric)
# the kinds that name a parameter the part's step updates
STEP_KINDS = ("step", "gradient-step")

_PARAM = re.compile(r"([Wb])([1-9][0-9]?)")
_VALUE = re.compile(r"([za])([1-9][0-9]?)")


def param_layer(network: Network, name: object) -> tuple[str, int] | None:
    """(``"W"`` or ``"b"``, layer from 1) for a parameter of ``network``
    named like ``W2``; None when there is no such parameter."""
    m = _PARAM.fullmatch(name) if isinstance(name, str) else None
    if m is None or not 1 <= int(m[2]) <= len(network.layers):
        return None
    return m[1], int(m[2])


def param_shape(network: Network, name: str) -> tuple[int, ...]:
    """``W``ˡ is mˡ × nˡ (rows are inputs), ``b``ˡ has nˡ entries."""
    group, l = param_layer(network, name)
    sizes = network.sizes
    return (sizes[l - 1], sizes[l]) if group == "W" else (sizes[l],)


def value_shape(network: Network, value: object) -> tuple[int, ...] | None:
    """The shape of a forward-pass quantity (``z1``…, ``a1``…, ``output``,
    ``loss``); None when ``network`` has no such quantity."""
    if value == "loss":
        return ()
    if value == "output":
        return (network.sizes[-1],)
    m = _VALUE.fullmatch(value) if isinstance(value, str) else None
    if m is None or not 1 <= int(m[2]) <= len(network.layers):
        return None
    return (network.sizes[int(m[2])],)


def value_names(network: Network) -> list[str]:
    """Every forward-pass quantity a question may ask about, in order."""
    layers = range(1, len(network.layers) + 1)
    return [f"z{l}" for l in layers] + [f"a{l}" for l in layers] + ["output", "loss"]


def param_names(network: Network) -> list[str]:
    """Every parameter of ``network``: W1, b1, W2, b2, …"""
    return [f"{g}{l}" for l in range(1, len(network.layers) + 1) for g in "Wb"]


def classes(network: Network) -> int:
    """How many classes a probability question may name: the softmax output's
    units, 1 for a one-unit sigmoid output (a = P(class 1)), else 0."""
    out = network.layers[-1]
    if out.activation == "softmax":
        return out.size
    return 1 if out.activation == "sigmoid" and out.size == 1 else 0


def answer_shape(part: Part, question: Question) -> Shape:
    """The shape of ``question``'s answer in the key: ``"formula"``, ``()``
    for a number, ``(n,)`` for a vector, ``(m, n)`` for a matrix, or
    ``{"grad": shape, "new": shape}`` for a gradient-step."""
    kind = question.kind
    if kind in FORMULA_KINDS:
        return "formula"
    if kind == "probability":
        return ()
    if kind in ("forward", "after-step"):
        return value_shape(part.network, question.get("value"))
    shape = param_shape(part.network, question.get("param"))
    return {"grad": shape, "new": shape} if kind == "gradient-step" else shape
