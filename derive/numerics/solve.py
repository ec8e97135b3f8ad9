"""Every number of a part's instance, for any network of the catalogue.

:func:`solve_parts` evaluates all instances of one part in one call of the
lambdified δ recursion (:func:`derive.numerics.evaluate.evaluate_network`),
makes the decisions float64 cannot (:func:`derive.numerics.exact.network`:
a ReLU pre-activation exactly 0 has mask 0, a Wδ exactly 0 is 0), takes the
part's one gradient-descent step and evaluates the network after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from derive.numerics import exact
from derive.numerics.evaluate import evaluate_network, loss_function, stack
from derive.problem.assignment import Part, PartData
from derive.problem.spec import Network


@dataclass(frozen=True)
class Forward:
    """A forward pass: zˡ and aˡ of every layer (layer 1 first) and the loss."""

    z: tuple[np.ndarray, ...]
    a: tuple[np.ndarray, ...]
    loss: float

    def value(self, name: str):
        """``z2``, ``a1``, ``output`` (aᴸ) or ``loss``."""
        if name == "loss":
            return self.loss
        if name == "output":
            return self.a[-1]
        return (self.z if name[0] == "z" else self.a)[int(name[1:]) - 1]


@dataclass(frozen=True)
class PartSolution(Forward):
    """Every number of one part's instance; arrays are 1-D (a matrix is
    m × n, rows are inputs, as W). ``back`` and ``f_prime`` are the two
    factors of δˡ = (Wˡ⁺¹ δˡ⁺¹) ⊙ fˡ′(zˡ) of each hidden layer; ``new`` has every
    parameter after the part's step (those not in ``Part.step_params``
    unchanged); ``after`` is the forward pass with them (None: no step)."""

    delta: tuple[np.ndarray, ...] = ()
    back: tuple[np.ndarray, ...] = ()
    f_prime: tuple[np.ndarray, ...] = ()
    dL_dW: tuple[np.ndarray, ...] = ()
    dL_db: tuple[np.ndarray, ...] = ()
    new: dict = field(default_factory=dict)
    after: Forward | None = None

    def grad(self, param: str) -> np.ndarray:
        """∂ℓ/∂ of a parameter by its name: ``W2``, ``b1``."""
        layer = int(param[1:]) - 1
        return (self.dL_dW if param[0] == "W" else self.dL_db)[layer]


def solve_part(part: Part, data: PartData | None = None) -> PartSolution:
    """Every number of ``part`` for ``data`` (default: the part's given data)."""
    return solve_parts(part, [data if data is not None else part.given])[0]


def solve_parts(part: Part, datas: Sequence[PartData]) -> list[PartSolution]:
    """Every number of ``part`` for each instance, all in one batch."""
    b = solve_batch(part, datas)
    out = []
    for i in range(len(datas)):
        pick = lambda arrays: tuple(np.asarray(v[..., i]) for v in arrays)  # noqa: E731
        aft = None if b.after is None else Forward(pick(b.after.z), pick(b.after.a),
                                                   float(b.after.loss[i]))
        out.append(PartSolution(
            z=pick(b.z), a=pick(b.a), loss=float(b.loss[i]), delta=pick(b.delta),
            back=pick(b.back), f_prime=pick(b.f_prime), dL_dW=pick(b.dL_dW),
            dL_db=pick(b.delta), new={k: np.asarray(v[..., i]) for k, v in b.new.items()},
            after=aft))
    return out


@dataclass(frozen=True)
class PartBatch(Forward):
    """Every number of a batch of one part's instances: the fields of
    :class:`PartSolution`, each an array with the batch axis last."""

    delta: list = ()
    back: list = ()
    f_prime: list = ()
    dL_dW: list = ()
    new: dict = field(default_factory=dict)
    after: Forward | None = None

    def grad(self, param: str) -> np.ndarray:
        """∂ℓ/∂ of a parameter by its name, for the whole batch."""
        layer = int(param[1:]) - 1
        return (self.dL_dW if param[0] == "W" else self.delta)[layer]


def stacked(net: Network, datas: Sequence[PartData]):
    """(x, y, lr, [W¹…], [b¹…]) of a batch of instances, each an array with
    the batch axis last."""
    x, y, lr = (stack([getattr(d, f) for d in datas]) for f in ("x", "y", "lr"))
    L = len(net.layers)
    return (x, y, lr, [stack([d.W[l] for d in datas]) for l in range(L)],
            [stack([d.b[l] for d in datas]) for l in range(L)])


def solve_batch(part: Part, datas: Sequence[PartData]) -> PartBatch:
    """Every number of ``part`` for every instance, as per-field arrays: the
    numbers alone, no object per instance (:func:`solve_parts` picks them)."""
    net = part.network
    L = len(net.layers)
    x, y, lr, Ws, bs = stacked(net, datas)
    before = decided_pass(net, x, Ws, bs, y)
    new = {}
    for l in range(L):
        new[f"W{l + 1}"], new[f"b{l + 1}"] = Ws[l], bs[l]
    # every update from the same forward pass's gradients (Wˡ⁺¹ before its step)
    for name in part.step_params:
        l = int(name[1:]) - 1
        grad = before["dL_dW"][l] if name[0] == "W" else before["delta"][l]
        new[name] = new[name] - lr * grad + 0.0
    after = None
    if part.step_params:
        p = decided_pass(net, x, [new[f"W{l + 1}"] for l in range(L)],
                         [new[f"b{l + 1}"] for l in range(L)], y)
        after = Forward(p["z"], p["a"], p["loss"])
    return PartBatch(new=new, after=after, **before)


def decided_pass(net: Network, x, Ws, bs, y) -> dict[str, list[np.ndarray]]:
    """One forward and backward pass (batch axis last) with the exact
    decisions applied: zˡ from its exact value, a ReLU's mask and output from
    it, Wˡ⁺¹δˡ⁺¹ exactly 0 where it is; the products (δˡ, ∂ℓ/∂Wˡ = aˡ⁻¹ δˡᵀ)
    are formed from the decided factors. Without short-decimal data float64
    decides."""
    p = evaluate_network(net, x, Ws, bs, y)
    L = len(net.layers)
    z, a, fp, back = list(p.z), list(p.a), list(p.f_prime), list(p.back)
    ex = exact.network(net, x, Ws, bs, y)
    if ex is None:
        return {"z": z, "a": a, "loss": p.loss, "delta": list(p.delta), "back": back,
                "f_prime": fp, "dL_dW": list(p.dL_dW)}
    z_exact, zero_back = ex
    changed = np.zeros(x.shape[-1], bool)   # instances whose float masks were wrong
    for l in range(L):
        if z_exact[l] is None:
            continue
        z[l] = z_exact[l]
        act = net.layers[l].activation
        if act == "relu":
            mask = (z[l] > 0).astype(float)
            a[l] = z[l] * mask + 0.0
            if l < L - 1:
                changed |= np.any(mask != fp[l], axis=0)
                fp[l] = mask
        elif act == "identity":
            a[l] = z[l]
    delta = [None] * L
    delta[-1] = p.delta[-1]
    out = net.layers[-1].activation
    if z_exact[-1] is not None and out in ("relu", "identity"):
        # squared error (the only loss these outputs take) from the decided aᴸ:
        # δᴸ = (aᴸ − y) ⊙ f′(zᴸ), f′ = 1[zᴸ > 0] for a ReLU, 1 for the identity
        delta[-1] = (a[-1] - y) * ((z[-1] > 0) if out == "relu" else 1.0) + 0.0
        changed |= np.any(delta[-1] != p.delta[-1], axis=0)
    for l in range(L - 2, -1, -1):
        # the lambdified Wˡ⁺¹δˡ⁺¹ unless a mask above it was decided otherwise
        recomputed = matvec(Ws[l + 1], delta[l + 1])
        back[l] = np.where(changed, recomputed, back[l])
        if zero_back[l] is not None:
            back[l] = np.where(zero_back[l], 0.0, back[l])
        delta[l] = back[l] * fp[l] + 0.0
    inputs = [x] + a[:-1]
    dL_dW = [np.einsum("mb,nb->mnb", inputs[l], delta[l]) + 0.0 for l in range(L)]
    return {"z": z, "a": a, "loss": p.loss, "delta": delta, "back": back, "f_prime": fp,
            "dL_dW": dL_dW}


def matvec(W: np.ndarray, v: np.ndarray) -> np.ndarray:
    """W v of each instance (W m × n × B, v n × B) by the same BLAS call as
    one instance's ``W @ v``: the same bits in a batch of any size (einsum's
    order of summation depends on the batch's size)."""
    W, v = np.ascontiguousarray(np.moveaxis(W, -1, 0)), np.ascontiguousarray(v.T)
    return np.matmul(W, v[..., None])[..., 0].T


def loss_value(loss: str, a: Sequence[float], y: Sequence[float]) -> float:
    """ℓ(a, y) of a loss of the catalogue, from its definition in
    :mod:`derive.calculus.rules` (a loss question's example)."""
    (value,) = loss_function(loss, len(a))(*np.asarray(a, float), *np.asarray(y, float))
    return float(value)
