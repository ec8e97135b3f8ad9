"""The mistake library over many instances of one part at once.

:func:`answer_columns` is :func:`derive.numerics.kind_mistakes.part_answers`
for a whole batch: the same computation with the same switches, on arrays
with the batch axis last (one lambdified pass for all instances, as
:func:`derive.numerics.solve.solve_batch`), giving each question's answers as
one array per field instead of one object per instance.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from derive.numerics import kind_mistakes as km
from derive.numerics.evaluate import evaluate_network
from derive.numerics.mistake_kinds import MISSING_DERIVATIVE
from derive.numerics.solve import decided_pass, matvec, stacked
from derive.problem.catalogue import NUMERIC_KINDS

# question id -> (its answers, batch axis last; which instances have one)
Columns = dict[str, tuple[Any, np.ndarray]]


def answer_columns(part, datas: Sequence, codes: Iterable[str] = (),
                   other: int | None = None, f_prime=None) -> Columns | None:
    """Every numeric answer (and loss example) of ``part`` that a student
    making the mistakes ``codes`` gives, for every instance of ``datas``:
    question id -> (value, ok), ``value`` an array with the batch axis last
    (``{"grad", "new"}`` of them for a gradient-step), ``ok`` which
    instances have a finite answer. None when
    the batch cannot be run as one (a pass overflows for some instance, or
    some instance has no data): then :func:`km.part_answers` decides, one
    instance at a time. ``f_prime`` (:func:`decided_f_prime`) overrides
    float64's fˡ′ where the data decide it, as the key does."""
    codes = frozenset(codes)
    if "wrong-class" in codes and other is None:
        other = 0
    count = len(datas)
    with np.errstate(over="ignore", invalid="ignore"):
        run = None
        if part.network is not None and km._asks(part, *NUMERIC_KINDS):
            if any(d is None for d in datas):
                return None
            try:
                run = _run(part, datas, codes, f_prime)
            except FloatingPointError:
                return None
        out: Columns = {}
        for q in part.questions:
            value = _column(part, q, run, codes, other, count)
            if value is not None:
                out[q.id] = value, _finite(value, count)
    return out


def _finite(value, count: int) -> np.ndarray:
    if isinstance(value, dict):
        return np.logical_and.reduce([_finite(v, count) for v in value.values()])
    return np.isfinite(value).reshape(-1, count).all(axis=0)


def decided_f_prime(part, datas: Sequence) -> list[np.ndarray]:
    """Each hidden layer's fˡ′ for every instance (batch axis last) as the
    key decides it: a ReLU's 1[z > 0] from z's exact value where the data
    are short decimals (z¹ = 0.1 + 0.2 − 0.3 is 0, not float64's 5.6e-17)."""
    net = part.network
    x, y, _, Ws, bs = stacked(net, datas)
    with np.errstate(all="ignore"):     # (an overflowing instance: its answers are dropped)
        return decided_pass(net, x, Ws, bs, y)["f_prime"][:len(net.layers) - 1]


def _forward(part, x, y, Ws, bs, codes, f_prime=None):
    """:func:`km._forward` over the batch."""
    net = part.network
    P = evaluate_network(net, x, Ws, bs, y)
    z, a = list(P.z), list(P.a)
    loss, delta = P.loss, P.delta[-1]
    out = net.layers[-1].activation
    if "not-normalised" in codes and out == "softmax":
        with np.errstate(over="ignore"):
            a[-1] = np.exp(z[-1])
        loss = -matvec(y[None], z[-1])[0]   # −Σ y ln e^z
        delta = a[-1] - y
    elif net.loss == "mse" and MISSING_DERIVATIVE.get(out) in codes:
        delta = a[-1] - y
    return z, a, loss, delta, list(P.f_prime if f_prime is None else f_prime)


def _reported(g: np.ndarray, codes: frozenset, used: bool = False) -> np.ndarray:
    """:func:`km.reported` of a batch (a matrix is m × n × B)."""
    if "sign-flipped" in codes:
        g = -g
    if "transposed" in codes and g.ndim == 3 and (not used or g.shape[0] == g.shape[1]):
        g = g.swapaxes(0, 1)
    return g


def _run(part, datas, codes: frozenset, f_prime=None) -> km._Run:
    """:func:`km.run_part` over the batch (the arrays of its _Run batch axis last)."""
    net = part.network
    L = len(net.layers)
    x, y, lr, Ws, bs = stacked(net, datas)
    z, a, loss, delta, fp = _forward(part, x, y, Ws, bs, codes, f_prime)
    step = (-1.0 if "ascent" in codes else 1.0) * lr
    grads: dict = {}
    new: dict = {}
    for l in range(L, 0, -1):
        below = x if l == 1 else a[l - 2]
        grads[f"W{l}"], grads[f"b{l}"] = below[:, None, :] * delta[None, :, :], delta
        for name, given in ((f"W{l}", Ws[l - 1]), (f"b{l}", bs[l - 1])):
            if name in part.step_params:
                new[name] = given - step * _reported(grads[name], codes, used=True)
        if l > 1:
            W_up = Ws[l - 1]
            if "updated-weights-in-backprop" in codes and f"W{l}" in new:
                W_up = new[f"W{l}"]
            back = matvec(W_up, delta)
            act = net.layers[l - 2].activation
            delta = back if MISSING_DERIVATIVE.get(act) in codes else back * fp[l - 2]
    run = km._Run(z, a, loss, grads, new)
    if new:
        Ws2 = [new.get(f"W{l}", W) for l, W in enumerate(Ws, start=1)]
        bs2 = [new.get(f"b{l}", b) for l, b in enumerate(bs, start=1)]
        z2, a2, loss2, _, _ = _forward(part, x, y, Ws2, bs2, codes & {"not-normalised"})
        run.after = km._Run(z2, a2, loss2, {}, {})
    return run


def _column(part, q, run, codes: frozenset, other, count: int):
    """:func:`km._answer` over the batch."""
    if q.kind == "loss":
        value = km.loss_example(q, codes, other) if q.get("example") else None
        return None if value is None else np.full(count, float(value))
    if run is None or q.kind not in NUMERIC_KINDS:
        return None
    if q.kind == "forward":
        return np.asarray(km._value(run, q.get("value")), float) + 0.0
    if q.kind == "after-step":
        return None if run.after is None else \
            np.asarray(km._value(run.after, q.get("value")), float) + 0.0
    if q.kind == "probability":
        source = run.after if q.get("after") else run
        pick = other if "wrong-class" in codes else None
        return None if source is None else _probability(source, q.get("class"), pick)
    name = q.get("param")
    grad = _reported(run.grads[name], codes) + 0.0
    if q.kind == "gradient":
        return grad
    value = run.new[name]
    if "transposed" in codes and value.ndim == 3 and value.shape[0] != value.shape[1]:
        value = value.swapaxes(0, 1)   # km._shown_new
    return value + 0.0 if q.kind == "step" else {"grad": grad, "new": value + 0.0}


def _probability(run, c: int, other: int | None):
    """:func:`km.probability` over the batch."""
    a = run.a[-1]
    if len(a) == 1:
        return a[0] if other is None else 1 - a[0] if other == 0 else None
    if other is None:
        return a[c - 1]
    classes = km.other_classes(c, len(a))
    return a[classes[other] - 1] if other < len(classes) else None


def instance(value, i: int):
    """Instance ``i``'s answer from a column's value (what :func:`km.part_answers`
    gives, as arrays)."""
    if isinstance(value, dict):
        return {k: v[..., i] for k, v in value.items()}
    return value[..., i]
