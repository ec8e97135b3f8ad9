"""The mistake library by question kind, for any network of an assignment file.

Each mistake is a switch on one stage of a part's computation (the output
softmax, the class read off, the δ recursion, the gradient as reported, the
step); none knows a question by its number. :func:`part_answers` runs a part's whole computation
(forward pass, backprop, its one step, the forward pass after it) with any set
of mistakes switched on, so a mistake's wrong answers are recomputed for the
instance at hand, combinations come for free, and a student who makes a
mistake is modelled as making it consistently (an ascent step changes the
forward pass after the step too). With no mistake switched on it gives the
key's answers. :func:`wrong_answers` is the library's answer per mistake for
one question, in the key's answer shape (:func:`part_wrong_answers` for every
question of a part at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import sympy as sp

from derive.numerics.evaluate import evaluate_network
from derive.numerics.formula_mistakes import formula_mistakes
from derive.numerics.mistake_kinds import MISSING_DERIVATIVE, MISTAKE_KINDS, ORDER
from derive.problem.catalogue import FORMULA_KINDS, NUMERIC_KINDS


# --------------------------------------------------------------------------
# Which mistakes a part can show


def _asks(part, *kinds: str) -> list:
    return [q for q in part.questions if q.kind in kinds]


def applicable(part) -> tuple[str, ...]:
    """The codes of the mistakes that change some answer of ``part`` (in
    library order); rounded-too-early is a diagnosis of its own, not here."""
    net = part.network
    if net is None:
        return ()
    acts = [layer.activation for layer in net.layers]
    grads = _asks(part, "gradient", "step", "gradient-step")
    stepped = bool(part.step_params)
    codes = set()
    if grads:
        codes.add("sign-flipped")
        if any(q.get("param", "").startswith("W") for q in grads):
            codes.add("transposed")
    if stepped:
        codes.add("ascent")
        top = max(int(p[1:]) for p in part.step_params if p.startswith("W")) \
            if any(p.startswith("W") for p in part.step_params) else 0
        lowest = min(int(q.get("param")[1:]) for q in grads) if grads else len(acts) + 1
        # backprop through the updated Wᵗᵒᵖ changes only the gradients below it:
        # one of them must be asked or stepped (an answer after the step then
        # changes with it)
        if top >= 2 and lowest < top:
            codes.add("updated-weights-in-backprop")
    if grads:
        lowest = min(int(q.get("param")[1:]) for q in grads)
        for l, act in enumerate(acts[:-1], start=1):
            if l >= lowest and act in MISSING_DERIVATIVE:
                codes.add(MISSING_DERIVATIVE[act])
        if net.loss == "mse" and acts[-1] in MISSING_DERIVATIVE:
            codes.add(MISSING_DERIVATIVE[acts[-1]])
    if _asks(part, "probability"):
        codes.add("wrong-class")
    if acts[-1] == "softmax" and _asks(part, *NUMERIC_KINDS):
        codes.add("not-normalised")
    for q in _asks(part, "loss"):
        if q.get("example"):
            codes |= {"sign-flipped"} | ({"missing-half"} if q.get("loss") == "mse" else
                                        {"wrong-class"} if q.get("loss") == "nllm" else set())
    return tuple(c for c in ORDER if c in codes)


# --------------------------------------------------------------------------
# The computation, with switches


def _col(v) -> np.ndarray:
    return np.asarray(v, float).reshape(-1, 1)


def _weights(data) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return ([np.asarray(W, float)[..., None] for W in data.W],
            [_col(b) for b in data.b])


def _loss(loss: str, a: np.ndarray, y: np.ndarray) -> float:
    """The loss of an output ``a`` that need not be normalised (a mistake's)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if loss == "mse":
            return float(0.5 * np.sum((a - y) ** 2))
        if loss == "nllm":
            return float(-np.sum(np.where(y != 0, y * np.log(a), 0.0)))
        return float(-np.sum(y * np.log(a) + (1 - y) * np.log1p(-a)))


@dataclass
class _Run:
    """One pass of a part with mistakes switched on: what the student has."""

    z: list
    a: list
    loss: float
    grads: dict        # param name -> gradient as computed (true orientation)
    new: dict          # param name -> value after the step (as the student has it)
    after: "_Run | None" = None


def _forward(part, data, Ws, bs, codes, f_prime=None):
    """Forward pass and backprop with the output switches applied."""
    net = part.network
    y = _col(data.y)
    P = evaluate_network(net, _col(data.x), Ws, bs, y)
    z, a = [v[:, 0] for v in P.z], [v[:, 0] for v in P.a]
    out = net.layers[-1].activation
    loss = float(P.loss[0])
    delta = P.delta[-1][:, 0]
    if "not-normalised" in codes and out == "softmax":
        with np.errstate(over="ignore"):
            a[-1] = np.exp(z[-1])
        loss = float(-np.dot(y[:, 0], z[-1]))   # −Σ y ln e^z
        delta = a[-1] - y[:, 0]
    elif net.loss == "mse" and MISSING_DERIVATIVE.get(out) in codes:
        delta = a[-1] - y[:, 0]               # ∂ℓ/∂a without f′(z)
    fp = [np.asarray(v, float).reshape(-1) for v in f_prime] if f_prime is not None \
        else [v[:, 0] for v in P.f_prime]
    return z, a, loss, delta, fp


def run_part(part, data, codes: Iterable[str] = (), f_prime=None) -> _Run:
    """The part's computation for ``data`` with the mistakes ``codes``;
    ``f_prime`` (one array per hidden layer) overrides float64's fˡ′ where
    the key decided it exactly (ReLU′(0) = 0)."""
    codes = frozenset(codes)
    net = part.network
    L = len(net.layers)
    Ws, bs = _weights(data)
    z, a, loss, delta, fp = _forward(part, data, Ws, bs, codes, f_prime)
    x = np.asarray(data.x, float)
    sign = -1.0 if "ascent" in codes else 1.0
    grads: dict = {}
    new: dict = {}
    for l in range(L, 0, -1):
        below = x if l == 1 else a[l - 2]
        grads[f"W{l}"], grads[f"b{l}"] = np.outer(below, delta), delta
        for name in (f"W{l}", f"b{l}"):
            if name in part.step_params:
                g = reported(grads[name], codes, used=True)
                new[name] = np.asarray(data.param(name), float) - sign * data.lr * g
        if l > 1:
            W_up = Ws[l - 1][..., 0]
            if "updated-weights-in-backprop" in codes and f"W{l}" in new:
                W_up = new[f"W{l}"]
            back = W_up @ delta
            act = net.layers[l - 2].activation
            delta = back if MISSING_DERIVATIVE.get(act) in codes else back * fp[l - 2]
    run = _Run(z, a, loss, grads, new)
    if new:
        Ws2 = [new.get(f"W{l}", W[..., 0])[..., None] for l, W in enumerate(Ws, start=1)]
        bs2 = [_col(new.get(f"b{l}", b[:, 0])) for l, b in enumerate(bs, start=1)]
        try:
            z2, a2, loss2, _, _ = _forward(part, data, Ws2, bs2, codes & {"not-normalised"})
            run.after = _Run(z2, a2, loss2, {}, {})
        except FloatingPointError:   # the mistake's step overflows: nothing after it
            pass
    return run


def forward_with(part, data, params: Mapping[str, Any]) -> _Run:
    """The forward pass (z, a, loss) of ``part`` with some parameters replaced
    (``params``: name -> array, e.g. a student's updated W²)."""
    Ws, bs = _weights(data)
    Ws = [_as(params.get(f"W{l}"), W[..., 0])[..., None] for l, W in enumerate(Ws, start=1)]
    bs = [_col(_as(params.get(f"b{l}"), b[:, 0])) for l, b in enumerate(bs, start=1)]
    z, a, loss, _, _ = _forward(part, data, Ws, bs, frozenset())
    return _Run(z, a, loss, {}, {})


def _as(value, default: np.ndarray) -> np.ndarray:
    return default if value is None else np.asarray(value, float)


def reported(g: np.ndarray, codes: frozenset, used: bool = False) -> np.ndarray:
    """A gradient as the student has it: sign flipped, transposed. ``used``:
    as used in the step, where a transposed gradient of the wrong shape
    cannot be used (the student transposes it back) and a square one is."""
    if "sign-flipped" in codes:
        g = -g
    if "transposed" in codes and g.ndim == 2 and (not used or g.shape[0] == g.shape[1]):
        g = g.T
    return g


def _shown_new(value: np.ndarray, codes: frozenset) -> np.ndarray:
    """A non-square updated matrix of a student who transposes: reported transposed."""
    if "transposed" in codes and value.ndim == 2 and value.shape[0] != value.shape[1]:
        return value.T
    return value


def _value(run: _Run, name: str):
    if name == "loss":
        return run.loss
    if name == "output":
        return run.a[-1]
    layer = int(name[1:]) - 1
    return (run.z if name[0] == "z" else run.a)[layer]


def other_classes(c: int, n: int) -> list[int]:
    """Every class but ``c`` (from 1, of ``n``): the off-by-one readings
    first (a_(c−1), then NumPy's a[c], wrapping around), then the rest."""
    near = [((c - 2) % n) + 1, (c % n) + 1]
    return list(dict.fromkeys(k for k in near + list(range(1, n + 1)) if k != c))


def probability(part, run: _Run, c: int, other: int | None = None) -> float | None:
    """The output probability of class ``c`` (from 1); ``other``: the
    ``other``-th wrong class read instead (None when there is none)."""
    a = run.a[-1]
    if len(a) == 1:   # a sigmoid unit: a is the probability of class 1
        return float(a[0]) if other is None else float(1 - a[0]) if other == 0 else None
    if other is None:
        return float(a[c - 1])
    classes = other_classes(c, len(a))
    k = classes[other] if other < len(classes) else None
    return None if k is None else float(a[k - 1])


def example_of(question) -> tuple[np.ndarray, np.ndarray] | None:
    """A loss question's example (a, y), or None."""
    ex = question.get("example")
    if not ex:
        return None
    a, y = (ex["a"], ex["y"]) if isinstance(ex, Mapping) else (ex.a, ex.y)
    return np.asarray(a, float), np.asarray(y, float)


def loss_example(question, codes: frozenset = frozenset(), other: int | None = None):
    """A loss question's example value, with the mistakes ``codes``."""
    a, y = example_of(question)
    loss = question.get("loss")
    if loss == "nllm" and other is not None:
        classes = other_classes(int(np.argmax(y)) + 1, len(y))
        if other >= len(classes):
            return None
        y = np.eye(len(y))[classes[other] - 1]
    value = _loss(loss, a, y)
    if "missing-half" in codes:
        value *= 2
    return -value if "sign-flipped" in codes else value


def _plain(value) -> Any:
    """JSON-ready: lists and floats, no negative zeros."""
    if value is None:
        return None
    return (np.asarray(value, float) + 0.0).tolist()


def part_answers(part, data, codes: Iterable[str] = (), other: int | None = None,
                 f_prime=None) -> dict[str, Any]:
    """Every numeric answer of ``part`` (and the value of each loss example)
    a student making the mistakes ``codes`` gives, in the key's answer
    shape, by question id; ``other``: with wrong-class, which other class is
    read (0: the most likely). An answer the mistakes cannot produce (an
    overflow) is left out."""
    codes = frozenset(codes)
    if "wrong-class" in codes and other is None:
        other = 0
    out: dict[str, Any] = {}
    with np.errstate(over="ignore", invalid="ignore"):
        run = None
        if part.network is not None and data is not None and _asks(part, *NUMERIC_KINDS):
            try:
                run = run_part(part, data, codes, f_prime)
            except FloatingPointError:
                run = None
        for q in part.questions:
            value = _answer(part, q, run, codes, other)
            if value is not None and np.all(np.isfinite(_numbers(value))):
                out[q.id] = value
    return out


def _numbers(value) -> np.ndarray:
    if isinstance(value, dict):
        return np.concatenate([np.ravel(v) for v in value.values()])
    return np.asarray(value, float)


def _answer(part, q, run: _Run | None, codes: frozenset, other):
    if q.kind == "loss":
        return loss_example(q, codes, other) if q.get("example") else None
    if run is None or q.kind not in NUMERIC_KINDS:
        return None
    if q.kind == "forward":
        return _plain(_value(run, q.get("value")))
    if q.kind == "after-step":
        return None if run.after is None else _plain(_value(run.after, q.get("value")))
    if q.kind == "probability":
        source = run.after if q.get("after") else run
        pick = other if "wrong-class" in codes else None
        return None if source is None else probability(part, source, q.get("class"), pick)
    name = q.get("param")
    grad = _plain(reported(run.grads[name], codes))
    if q.kind == "gradient":
        return grad
    new = _plain(_shown_new(run.new[name], codes))
    return new if q.kind == "step" else {"grad": grad, "new": new}


# --------------------------------------------------------------------------
# The API


def wrong_answers(part, question, solution=None, data=None) -> dict[str, Any]:
    """Mistake code -> what that mistake gives for ``question`` on these
    numbers (``data``: the part's instance, default its given data), in the
    key's answer shape; only mistakes that change the answer. ``solution``
    (a :class:`derive.numerics.solve.PartSolution`) lends its exactly decided
    fˡ′. For a formula kind: {"sympy"} by :func:`formula_mistakes` of the
    catalogue's formula (none for a formula given only as LaTeX)."""
    if question.kind in FORMULA_KINDS and question.kind != "loss":
        return _formula_answers(part, question)
    return part_wrong_answers(part, data, getattr(solution, "f_prime", None)).get(question.id, {})


def part_wrong_answers(part, data=None, f_prime=None) -> dict[str, dict[str, Any]]:
    """Question id -> {mistake code: what it gives} for every numeric answer
    (and loss example) of ``part`` on ``data`` (default its given data), each
    mistake of the library run once; only mistakes that change the answer."""
    data = part.given if data is None else data
    right = part_answers(part, data, (), f_prime=f_prime)
    out: dict[str, dict[str, Any]] = {}
    for code in applicable(part):
        for qid, value in part_answers(part, data, (code,), f_prime=f_prime).items():
            if not _equal(value, right.get(qid)):
                out.setdefault(qid, {})[code] = value
    return out


def _formula_answers(part, question) -> dict[str, dict[str, str]]:
    """A formula question's wrong answers, from the key's own formula (the
    catalogue's SymPy text: our text, not a student's, so sympify reads it)."""
    from derive.calculus.catalogue import symbolic_answer
    text = symbolic_answer(part, question).get("sympy")
    if text is None:
        return {}
    expected = sp.sympify(text)
    return {c: {"sympy": str(e)} for c, e in formula_mistakes(question, expected).items()}


def _equal(a, b) -> bool:
    if b is None:
        return False
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and \
            all(_equal(a[k], b[k]) for k in a)
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=1e-15))


def describe(codes: Iterable[str]) -> str:
    """The sentences of ``codes`` for the student."""
    return " ".join(MISTAKE_KINDS[c].text for c in codes)


def by_part(assignment, data: Mapping[str, Any] | None = None,
            codes: Iterable[str] = ()) -> dict[str, Any]:
    """:func:`part_answers` for every part of ``assignment`` (``data``:
    instances by part id, default the given data), merged by question id."""
    out: dict[str, Any] = {}
    for part in assignment.parts:
        out.update(part_answers(part, (data or {}).get(part.id, part.given), codes))
    return out
