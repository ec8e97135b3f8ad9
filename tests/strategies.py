"""Hypothesis strategies for the property tests (tests/*/test_properties.py):
random instances of a part's network with the nasty corners drawn on
purpose: ties (a ReLU pre-activation exactly 0 in decimals, as 0.1 + 0.2 −
0.3, but not in float64), dead units, zero inputs, equal logits, and
pre-activations of 10⁴ and more; and the settings the tests run with.

The settings are derandomized and keep no example database, so the suite
gives the same verdict on every run; ``HANDOUTS_PROPERTIES=explore`` draws
new examples each run (and keeps the failing ones in ``.hypothesis/``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from derive.problem.assignment import Assignment, Part, PartData, Question
from derive.problem.spec import Layer, Network

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
# no explain phase: it reruns a failing example many times over (minutes here)
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
_COMMON = dict(deadline=None, suppress_health_check=_SLOW, phases=_PHASES,
               report_multiple_bugs=False)
settings.register_profile("properties", database=None, derandomize=True, **_COMMON)
settings.register_profile("properties-explore", **_COMMON)
PROFILE = settings.get_profile("properties-explore"
                               if os.environ.get("HANDOUTS_PROPERTIES") == "explore"
                               else "properties")


def examples(count: int) -> settings:
    """The property tests' settings with ``count`` examples."""
    return settings(PROFILE, max_examples=count)


# numbers a sheet would give: decimals of 2 places, 0 and the classic tie among them
_TIE_PARTS = [Fraction(1, 10), Fraction(2, 10), Fraction(3, 10), Fraction(-3, 10)]


def decimals(scale: int) -> st.SearchStrategy[Fraction]:
    """A decimal of at most 2 places with |v| ≤ ``scale``, often 0 or ±0.1…0.3."""
    return st.one_of(st.just(Fraction(0)), st.sampled_from(_TIE_PARTS),
                     st.integers(-100 * scale, 100 * scale).map(lambda k: Fraction(k, 100)))


def _short(value: Fraction) -> bool:
    """Whether ``value`` is a decimal the sheets accept (≤ 6 places, ≤ 10⁶)."""
    return 10**6 % value.denominator == 0 and abs(value) <= 10**6


@dataclass(frozen=True)
class Instance:
    """A part's data (floats, as the tool takes them) and the same numbers
    exactly, with each layer's exact pre-activation zˡ (None above a layer
    that is not ReLU or identity)."""

    data: PartData
    W: tuple      # per layer, m × n lists of Fractions
    b: tuple
    x: tuple
    z: tuple      # per layer, the exact zˡ, or None

    def __repr__(self) -> str:
        """The data as the sheet gives them (a falsifying example, readable)."""
        parts = [f"W{l}={_text(W)}, b{l}={_text(b)}"
                 for l, (W, b) in enumerate(zip(self.W, self.b), start=1)]
        return (f"Instance({', '.join(parts)}, x={_text(self.x)}, "
                f"y={list(self.data.y)}, lr={self.data.lr})")

    def _repr_pretty_(self, printer, cycle):   # how Hypothesis prints an example
        printer.text(repr(self))


def _text(value) -> str:
    """Exact decimals as the sheet prints them, nested as lists."""
    if isinstance(value, Fraction):
        return format(Decimal(value.numerator) / value.denominator, "f")
    return "[" + ", ".join(map(_text, value)) + "]"


def _floats(rows):
    return tuple(tuple(float(v) for v in r) for r in rows)


@st.composite
def instances(draw, net: Network, lr=None, scale: int | None = None) -> Instance:
    """Data for any network: each ReLU unit free, tied (zˡⱼ exactly 0) or
    dead (zˡⱼ < 0), sometimes two equal outputs' pre-activations, sometimes
    all-zero inputs; ``scale`` (1, 10 or 100) bounds the inputs and the first
    layer's weights (a third of the instances: all of them ±``scale`` or 0),
    so |z¹| reaches 10⁴ and more; targets one-hot (nllm), 0 or 1
    (nll) or decimals (mse). ``z`` is exact while the layers below are ReLU."""
    scale = draw(st.sampled_from([1, 10, 100])) if scale is None else scale
    # a third of the instances: inputs and first weights all ±scale (or 0)
    huge = st.sampled_from([Fraction(scale), Fraction(-scale), Fraction(0)]) \
        if draw(st.integers(0, 2)) == 0 else None
    sizes = net.sizes
    x = [Fraction(0)] * sizes[0] if draw(st.integers(0, 5)) == 0 else \
        [draw(decimals(scale) if huge is None else huge) for _ in range(sizes[0])]
    a, Ws, bs, zs = x, [], [], []
    for l, layer in enumerate(net.layers):
        s = scale if l == 0 else 1
        entries = huge if l == 0 and huge is not None else decimals(s)
        W = [[draw(entries) for _ in range(layer.size)] for _ in range(sizes[l])]
        b = [draw(decimals(s)) for _ in range(layer.size)]
        relu = layer.activation == "relu" and a is not None
        for j in range(layer.size):
            reach = sum((W[i][j] * a[i] for i in range(len(a))), Fraction(0)) if relu else 0
            mode = draw(st.sampled_from(["free", "free", "tie", "dead"] if relu else
                                        ["free", "same"] if j else ["free"]))
            if mode == "tie" and _short(-reach):
                b[j] = -reach
            elif mode == "dead":
                below = -reach - draw(st.sampled_from([Fraction(1, 100), Fraction(1)]))
                b[j] = below if _short(below) else b[j]
            elif mode == "same":          # a logit equal to the first one
                for i in range(len(W)):
                    W[i][j] = W[i][0]
                b[j] = b[0]
        z = None if a is None else [
            sum((W[i][j] * a[i] for i in range(len(a))), Fraction(0)) + b[j]
            for j in range(layer.size)]
        Ws.append(W), bs.append(b), zs.append(z)
        a = None if z is None or layer.activation not in ("relu", "identity") else \
            [max(v, Fraction(0)) if layer.activation == "relu" else v for v in z]
    y = _targets(draw, net)
    lr = draw(st.sampled_from([0.1, 0.25, 0.5, 1])) if lr is None else lr
    data = PartData(W=tuple(_floats(W) for W in Ws), b=_floats(bs), x=_floats([x])[0],
                    y=tuple(y), lr=lr)
    return Instance(data, tuple(Ws), tuple(bs), tuple(x), tuple(zs))


def _targets(draw, net: Network) -> list:
    n = net.sizes[-1]
    if net.loss == "nllm":
        return _one_hot(n, draw(st.integers(0, n - 1)))
    if net.loss == "nll":
        return [draw(st.integers(0, 1)) for _ in range(n)]
    return [float(draw(decimals(1))) for _ in range(n)]


def _one_hot(n: int, c: int) -> list[int]:
    return [int(j == c) for j in range(n)]


def networks(max_hidden_layers: int = 1, min_hidden_layers: int = 0, max_inputs: int = 3,
             max_units: int = 4) -> st.SearchStrategy[Network]:
    """A network of ReLU hidden layers (possibly none) and a softmax output
    with multiclass NLL, 2-4 classes."""
    return st.builds(
        lambda m, hidden, n: Network(m, tuple(Layer(h, "relu") for h in hidden)
                                     + (Layer(n, "softmax"),), "nllm"),
        st.integers(1, max_inputs),
        st.lists(st.integers(1, max_units), min_size=min_hidden_layers,
                 max_size=max_hidden_layers),
        st.integers(2, 4))


def stepping_assignment(net: Network, data: PartData, params) -> Assignment:
    """A one-part assignment asking the loss, a gradient-step of each of
    ``params`` and the loss after the step (the key then holds all three)."""
    questions = [Question("loss", "forward", 1, (("value", "loss"),))]
    questions += [Question(f"step-{p}", "gradient-step", 1, (("param", p),)) for p in params]
    questions.append(Question("after", "after-step", 1, (("value", "loss"),)))
    part = Part("p", "", tuple(questions), net, data)
    return Assignment("property", (part,), name="property")
