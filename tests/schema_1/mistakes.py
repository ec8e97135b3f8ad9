"""The bespoke mistake library of the reference (q1-q14), kept to make the schema 1
sheets the grading tests of old keys use: the classic mistakes, as data.

Each :class:`Mistake` is a transformation of the correct computation (a hook
on one stage: the softmax, the class read off, the gradient, the step, the
backward pass, the way a matrix is reported). :func:`recompute` runs the whole
computation of an answer key's instance through :mod:`derive.numerics.evaluate` with
any set of those hooks switched on, so a mistake's wrong answers are always
recomputed for the variant at hand and combinations (transposed and
sign-flipped) come for free. A student who makes a mistake is modelled as
making it consistently: its consequences in later items are part of what it
produces (ascent changes q8 and q9, not only q8).

To add a mistake, add one entry to :data:`MISTAKES` (using the existing hooks,
or a new hook field read in :func:`recompute`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any, Callable, Iterable

import numpy as np
import sympy as sp

from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.numerics.evaluate import evaluate_network, forward_network, stack
from tests.schema_1.solve import evaluate_nllm, group_indices, stack_fields
from derive.problem.spec import Params, parse_params

Answers = dict[str, Any]
Sympy = Callable[[sp.Expr], sp.Expr]


@dataclass(frozen=True)
class Mistake:
    """One mistake: its code, what the student reads, what it can affect, and
    the hooks that apply it to the computation (``None``/``False`` = correct)."""

    code: str
    feedback: str
    items: tuple[str, ...]
    tex: str = ""   # the feedback as LaTeX, for the feedback PDFs
    symbolic: tuple[tuple[str, Sympy], ...] = ()  # item -> expected formula -> wrong one
    probs: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None  # (z, a) -> "a"
    other_class: bool = False      # read off another class's probability
    grad: Callable[[np.ndarray], np.ndarray] | None = None  # gradient -> reported gradient
    step: float = -1.0             # W_new = W + step · lr · gradient
    backprop_through_new_W2: bool = False
    relu_mask: bool = True
    report: Callable[[np.ndarray], np.ndarray] | None = None  # matrix -> as reported

    def recompute(self, key: dict) -> dict[str, Any]:
        """The answers this mistake produces for ``key``'s instance."""
        return recompute(key, (self,))[0]


def _naive_softmax(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(z)


def _transpose(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, 0, 1)


def _negate(g: np.ndarray) -> np.ndarray:
    return -g


MISTAKES: tuple[Mistake, ...] = (
    Mistake("sign-flipped",
            "The sign is flipped: the gradient of the loss points the other way "
            "(check ∂ℓ/∂z = a − y, not y − a, and the sign in e^(−z)).",
            ("q1", "q2", "q3", "q5", "q6", "q8", "q9", "q12", "q13", "q14"),
            r"The sign is flipped: the gradient of the loss points the other way "
            r"(check $\partial \ell/\partial z = a - y$, not $y - a$, and the sign in $e^{-z}$).",
            symbolic=(("q1", lambda e: e.subs(sig.z, -sig.z)),
                      ("q2", lambda e: -e), ("q3", lambda e: -e)),
            grad=_negate),
    Mistake("transposed",
            "The matrix is transposed: ∂ℓ/∂W has the shape of W (rows = inputs, "
            "columns = units), so ∂ℓ/∂W = x (a − y)ᵀ, not (a − y) xᵀ.",
            ("q6", "q8", "q12", "q13"),
            r"The matrix is transposed: $\partial \ell/\partial W$ has the shape of $W$ "
            r"(rows = inputs, columns = units), so $\partial \ell/\partial W = x\,(a - y)^T$, "
            r"not $(a - y)\,x^T$.",
            report=_transpose),
    Mistake("ascent",
            "The step went up the gradient: gradient descent subtracts it, "
            "W_new = W − η ∂ℓ/∂W.",
            ("q8", "q9", "q12", "q13", "q14"),
            r"The step went up the gradient: gradient descent subtracts it, "
            r"$W_{\text{new}} = W - \eta\, \partial \ell/\partial W$.",
            step=+1.0),
    Mistake("updated-weights-in-backprop",
            "δ¹ was computed through the already-updated W²: backpropagate with "
            "the weights of the forward pass, δ¹ = (W² δ²) ⊙ 1[z¹ > 0] with the old W².",
            ("q13", "q14"),
            r"$\delta^1$ was computed through the already-updated $W^2$: backpropagate "
            r"with the weights of the forward pass, $\delta^1 = (W^2 \delta^2) \odot "
            r"1[z^1 > 0]$ with the old $W^2$.",
            backprop_through_new_W2=True),
    Mistake("missing-relu-mask",
            "The ReLU derivative is missing: multiply W² δ² by 1[z¹ > 0], so units "
            "with z¹ ≤ 0 get no gradient.",
            ("q13", "q14"),
            r"The ReLU derivative is missing: multiply $W^2 \delta^2$ by $1[z^1 > 0]$, so "
            r"units with $z^1 \le 0$ get no gradient.",
            relu_mask=False),
    Mistake("wrong-class",
            "This is another class's probability: classes are numbered from 1 "
            "(\"class 3\" is a_3, the third entry).",
            ("q5", "q7", "q9"),
            r"This is another class's probability: classes are numbered from 1 "
            r"(``class 3'' is $a_3$, the third entry).",
            other_class=True),
    Mistake("not-normalised",
            "The softmax is not normalised: divide e^(z_j) by Σ_k e^(z_k) "
            "(and subtract max z first so nothing overflows).",
            ("q4", "q6", "q7", "q8", "q9", "q11", "q12", "q13", "q14"),
            r"The softmax is not normalised: divide $e^{z_j}$ by $\sum_k e^{z_k}$ "
            r"(and subtract $\max_k z_k$ first so nothing overflows).",
            symbolic=(("q4", lambda e: sp.numer(e)),),
            probs=_naive_softmax),
)

BY_CODE: dict[str, Mistake] = {m.code: m for m in MISTAKES}


@lru_cache(maxsize=None)
def expected_formulas() -> dict[str, sp.Expr]:
    """q1-q4 as derived (the same for every instance); q4 is a_j with a
    symbolic sum over k = 1..n."""
    return {"q1": sig.derive_sigmoid().steps[0].expr,
            "q2": sp.sympify(_q2_text()),
            "q3": sig.derive_nll_gradient().result.doit(),
            "q4": sm.derive_softmax().steps[0].expr}


def _q2_text() -> str:
    from tests.schema_1.keys import symbolic_answers  # our own text, not a student's
    return symbolic_answers()["q2"]["sympy"]


# --------------------------------------------------------------------------
# The computation, with hooks


def _other_classes(c: int, n: int) -> tuple[int, ...]:
    """Every class but c, the off-by-one readings first (1-based "class 2")."""
    near = [k % n for k in (c - 1, c + 1)]
    return tuple(dict.fromkeys(k for k in near + list(range(n)) if k != c))


def _classes(true: list[int], n: int, h: "_Hooks", pick: int) -> np.ndarray:
    """The class each instance's student reads off."""
    return np.array([_other_classes(c, n)[pick] if h.other_class else c for c in true])


class _Hooks:
    """The hooks of several mistakes, merged."""

    def __init__(self, mistakes: Iterable[Mistake]):
        ms = tuple(mistakes)
        self.codes = tuple(m.code for m in ms)
        self.probs = next((m.probs for m in ms if m.probs), None)
        self.other_class = any(m.other_class for m in ms)
        self.grads = [m.grad for m in ms if m.grad]
        self.step = -1.0 if sum(m.step > 0 for m in ms) % 2 == 0 else 1.0
        self.new_W2 = any(m.backprop_through_new_W2 for m in ms)
        self.mask = all(m.relu_mask for m in ms)
        self.reports = [m.report for m in ms if m.report]
        self.symbolic = [(item, f) for m in ms for item, f in m.symbolic]

    def a(self, z, a):
        return self.probs(z, a) if self.probs else a

    def g(self, g):
        for f in self.grads:
            g = f(g)
        return g

    def shown(self, matrix):
        for f in self.reports:
            matrix = f(matrix)
        return matrix


def _pick(a: np.ndarray, classes: np.ndarray) -> np.ndarray:
    return a[classes, np.arange(a.shape[-1])]


def _softmax_layer(ps: list[Params], h: _Hooks, picks: int) -> list[dict]:
    """q6-q9 of a batch of instances of one shape, one dict per pick."""
    s = [p.softmax_layer for p in ps]
    net = s[0].network
    x, W, b, y, lr = stack_fields(s, ("x", "W", "b", "y", "lr"))
    before = evaluate_network(net, x, [W], [b], y)
    a = h.a(before.z[0], before.a[0])
    # ∂ℓ/∂W = x (a − y)ᵀ; with the correct a this is numeric's dL_dW itself
    g = before.dL_dW[0] if h.probs is None else np.einsum("mb,nb->mnb", x, a - y)
    g = h.g(g)
    W_new = W + h.step * lr * g
    (z_new,), (a_new,) = forward_network(net, x, [W_new], [b])
    a_new = h.a(z_new, a_new)
    common = {"q6": h.shown(g), "q8": h.shown(W_new)}
    out = []
    for pick in range(picks):
        c = _classes([q.query_class for q in s], len(s[0].y), h, pick)
        out.append({**common, "q7": _pick(a, c), "q9": _pick(a_new, c)})
    return out


def _network(ps: list[Params], h: _Hooks) -> dict:
    """q10-q14 of a batch of instances of one shape."""
    q = [p.network for p in ps]
    net = q[0].network
    x, y, W1, W2, b1, b2, lr = stack_fields(q, ("x", "y", "W1", "W2", "b1", "b2", "lr"))
    P = evaluate_network(net, x, [W1, W2], [b1, b2], y)
    a1, a2 = P.a[0], h.a(P.z[1], P.a[1])
    delta2 = P.delta[1] if h.probs is None else a2 - y
    g2 = P.dL_dW[1] if h.probs is None else np.einsum("mb,nb->mnb", a1, delta2)
    g2 = h.g(g2)
    W2_new = W2 + h.step * lr * g2
    if h.probs is None and not h.new_W2 and h.mask:
        g1 = P.dL_dW[0]
    else:
        back = P.back[0] if h.probs is None and not h.new_W2 else \
            np.einsum("hnb,nb->hb", W2_new if h.new_W2 else W2, delta2)
        delta1 = back * P.f_prime[0] if h.mask else back
        g1 = np.einsum("mb,hb->mhb", x, delta1)
    g1 = h.g(g1)
    W1_new = W1 + h.step * lr * g1
    (_, z2_new), (_, a2_new) = forward_network(net, x, [W1_new, W2_new], [b1, b2])
    return {"q10": a1, "q11": a2,
            "q12": {"grad": h.shown(g2), "W": h.shown(W2_new)},
            "q13": {"grad": h.shown(g1), "W": h.shown(W1_new)},
            "q14": h.a(z2_new, a2_new)}


def _nllm_values(ps: list[Params], h: _Hooks, picks: int) -> list[np.ndarray]:
    a = stack([p.nllm_example.a for p in ps])
    n = a.shape[0]
    out = []
    for pick in range(picks):
        c = _classes([int(np.argmax(p.nllm_example.y)) for p in ps], n, h, pick)
        value = evaluate_nllm(a, np.eye(n)[c].T)
        out.append(-value if h.grads else value)  # a flipped sign: Σ y log a
    return out


def _unbatch(value, k: int):
    """Instance k of a batch-last result, as plain JSON-ready lists."""
    if isinstance(value, dict):
        return {name: _unbatch(v, k) for name, v in value.items()}
    return (np.asarray(value[..., k], float) + 0.0).tolist()  # + 0.0: no negative zeros


def alternatives(p: Params, mistakes: Iterable[Mistake]) -> int:
    """How many answer sheets ``mistakes`` produce for ``p`` (one per other
    class for wrong-class, else one)."""
    if not any(m.other_class for m in mistakes):
        return 1
    return min(len(p.softmax_layer.y), len(p.nllm_example.y)) - 1


def recompute_many(keys: list[dict], mistakes: Iterable[Mistake]) -> list[list[dict]]:
    """For each key, every answer sheet a student making all of ``mistakes``
    produces for its instance (items those mistakes can affect only); the
    first sheet is the most likely one (wrong-class: the off-by-one class).
    Instances of one shape are evaluated in one batch."""
    return recompute_params([parse_params(k["params"]) for k in keys], mistakes)


def recompute_params(ps: list[Params], mistakes: Iterable[Mistake]) -> list[list[dict]]:
    """:func:`recompute_many` for parsed params (``parse_params(key["params"])``).
    A wrong answer may overflow to inf (e^z unnormalised); the network's own
    evaluation still raises ``FloatingPointError`` where it cannot go on."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _recompute_params(ps, tuple(mistakes))


def _recompute_params(ps: list[Params], mistakes: tuple[Mistake, ...]) -> list[list[dict]]:
    h = _Hooks(mistakes)
    items = sorted({i for m in mistakes for i in m.items}, key=lambda s: int(s[1:]))
    picks = min((alternatives(p, mistakes) for p in ps), default=1)
    sheets: list[list[dict]] = [[{} for _ in range(picks)] for _ in ps]
    for idx in group_indices(ps, lambda p: (len(p.softmax_layer.x), len(p.softmax_layer.y))).values():
        batch = _softmax_layer([ps[i] for i in idx], h, picks)
        for pick, values in enumerate(batch):
            for k, i in enumerate(idx):
                sheets[i][pick].update({q: _unbatch(v, k) for q, v in values.items()})
    for idx in group_indices(ps, lambda p: (len(p.network.x), len(p.network.b1), len(p.network.y))).values():
        values = _network([ps[i] for i in idx], h)
        for k, i in enumerate(idx):
            for sheet in sheets[i]:
                sheet.update({q: _unbatch(v, k) for q, v in values.items()})
    for idx in group_indices(ps, lambda p: len(p.nllm_example.y)).values():
        for pick, values in enumerate(_nllm_values([ps[i] for i in idx], h, picks)):
            for k, i in enumerate(idx):
                sheets[i][pick]["q5"] = {"value": float(values[k])}
    symbolic = _symbolic(tuple(h.symbolic))
    return [[{i: {**sheet, **symbolic}[i] for i in items} for sheet in per_key]
            for per_key in sheets]


@lru_cache(maxsize=None)
def _symbolic(changes: tuple) -> dict[str, dict[str, str]]:
    """The formula items' wrong answers (the same for every instance)."""
    formulas = expected_formulas()
    return {item: {"sympy": str(f(formulas[item]))} for item, f in changes}


def recompute(key: dict, mistakes: Iterable[Mistake]) -> list[dict[str, Any]]:
    """Every answer sheet a student making all of ``mistakes`` produces for
    ``key``'s instance (see :func:`recompute_many`)."""
    return recompute_many([key], mistakes)[0]


def mistaken_answers(key: dict) -> dict[str, dict[str, object]]:
    """Mistake code -> {item -> the answer that mistake produces for ``key``},
    shaped like the key's answers (q12/q13 as {"grad", "W"}, q1-q5 as
    {"sympy"} / {"value"})."""
    return {m.code: m.recompute(key) for m in MISTAKES}


def mistake_sets(size: int = 2) -> list[tuple[Mistake, ...]]:
    """The single mistakes, then every combination of up to ``size``."""
    return [c for r in range(1, size + 1) for c in combinations(MISTAKES, r)]
