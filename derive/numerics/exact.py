"""Exact arithmetic on the given data, for what float64 cannot decide.

Given data are decimals of at most :data:`~derive.problem.spec.MAX_DECIMALS` places
(:mod:`derive.problem.spec` refuses others), so times a power of ten they are
integers. The pre-activations computed from them alone (the softmax layer's
z, the network's z¹, a¹ = max(z¹, 0) and z²) are then exact integers over a
power of ten (in float64 while that is exact, else Python ints), and so is
every decision that depends on their sign or on their equality: the ReLU
mask at the kink z¹ = 0, and whether W²δ² is exactly 0. Arrays carry the batch on their last axis, as in
:mod:`derive.numerics.evaluate`.
"""

from __future__ import annotations

import numpy as np

from derive.problem.spec import MAX_DECIMALS, MAX_MAGNITUDE

# float64 adds and multiplies integers below 2⁵³ exactly
_FLOAT_EXACT = 2.0 ** 52


def places(*arrays) -> int | None:
    """The fewest decimal places (at most ``MAX_DECIMALS``) that make every
    value an integer, or None when there is none."""
    v = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays])
    if not (np.all(np.isfinite(v)) and np.all(np.abs(v) <= MAX_MAGNITUDE)):
        return None
    for k in range(MAX_DECIMALS + 1):
        # s / 10ᵏ is the float nearest to the decimal s·10⁻ᵏ: it equals v exactly
        # when v is that decimal (|v| ≤ 10⁶ keeps s below 2⁵³, so s is exact)
        if np.all(np.rint(v * 10.0 ** k) / 10.0 ** k == v):
            return k
    return None


def scaled(values, k: int) -> np.ndarray:
    """``values × 10ᵏ``: integers, held exactly in float64 (see :func:`places`)."""
    return np.rint(np.asarray(values, float) * 10.0 ** k)


def _ints(a: np.ndarray) -> np.ndarray:
    """Integer-valued floats (or Python ints) as Python ints: no overflow."""
    return np.array([int(v) for v in np.ravel(a)], dtype=object).reshape(np.shape(a))


def linear(W, x, b, scale: int) -> np.ndarray:
    """Wᵀx + b·scale for integer W, x and b, exactly: in float64 when every
    partial sum stays below 2⁵², else in Python ints (an object array)."""
    if x.dtype != object:
        bound = (np.abs(W) * np.abs(x)[:, None]).sum(axis=0) + np.abs(b) * scale
        if bound.max(initial=0) < _FLOAT_EXACT:
            return (W * x[:, None]).sum(axis=0) + b * scale
    return (_ints(W) * _ints(x)[:, None]).sum(axis=0) + _ints(b) * scale


def to_float(values: np.ndarray, scale: int) -> np.ndarray:
    """Exact integers over ``scale`` as the nearest floats (IEEE division of
    exact floats, and Python's int division, both round correctly)."""
    if values.dtype != object:
        return values / scale + 0.0
    flat = [v / scale + 0.0 for v in np.ravel(values)]
    return np.asarray(flat, float).reshape(np.shape(values))


# --------------------------------------------------------------------------
# Any depth: the decisions of a network given as data


# activations that keep a rational pre-activation rational (ReLU: piecewise)
_RATIONAL = {"identity", "relu"}


def network(net, x, Ws, bs, y) -> tuple[list, list] | None:
    """The exact decisions of any feed-forward network (batch axis last), or
    None when the data are not short decimals.

    Returns ``(z, zero_back)``. ``z[l]`` is zˡ⁺¹ correctly rounded from its
    exact value while every layer before it is identity or ReLU (a rational
    function of the data), else None. ``zero_back[l]`` (hidden layers) says
    where Wˡ⁺² δˡ⁺² is exactly 0, else None (undecided: float64 decides).

    With every hidden layer rational, δ and W δ are decided exactly for an
    identity/ReLU output with squared error (all rational), and for a softmax
    output with nllm: there δᴸⱼ = Σₖ (1[j = k] − yⱼ) e^{zᴸₖ} / Σₖ e^{zᴸₖ}, and
    every Wˡ⁺¹δˡ⁺¹ below is a rational combination of the same e^{zᴸₖ}; by
    Lindemann–Weierstrass it is 0 exactly when, for every distinct value
    among the zᴸₖ, the coefficients of the k sharing it add to 0 .
    """
    k = places(x, *Ws, *bs, y)
    if k is None:
        return None
    acts = [layer.activation for layer in net.layers]
    a, e = scaled(x, k), k           # a over 10^e
    zs, masks = [], []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        if l and acts[l - 1] not in _RATIONAL:
            break
        z = linear(scaled(W, k), a, scaled(b, k), 10 ** e)
        e += k
        zs.append((z, e))
        masks.append(z > 0 if acts[l] == "relu" else np.ones(np.shape(z), bool))
        a = np.where(masks[-1], z, 0 * z)
    floats = [to_float(z, 10 ** e) for z, e in zs] + [None] * (len(Ws) - len(zs))
    undecided = [None] * (len(Ws) - 1)
    if len(zs) < len(Ws):
        return floats, undecided
    coefficients = _output_coefficients(net, zs[-1], masks[-1], scaled(y, k), k)
    if coefficients is None:
        return floats, undecided
    C, same = coefficients            # δᴸ's coefficients (n, K, B); which K share a value
    zero_back = []
    for l in range(len(Ws) - 2, -1, -1):
        W = _ints(scaled(Ws[l + 1], k))
        back = (W[:, :, None, :] * C[None, :, :, :]).sum(axis=1)       # (n_l, K, B)
        groups = (back[:, None, :, :] * same[None]).sum(axis=2)
        zero_back.insert(0, np.all(groups == 0, axis=1))
        C = back * masks[l][:, None, :]
    return floats, zero_back


def _output_coefficients(net, z_e, mask, y, k):
    """δᴸ as exact coefficients ``C`` (n, K, B) of K basis values, with
    ``same`` (K, K, B): which basis values are equal; None when δᴸ is not
    rational in e^{zᴸ} (a sigmoid or tanh output)."""
    out, (z, e) = net.layers[-1].activation, z_e
    n, batch = np.shape(z)
    if (out, net.loss) == ("softmax", "nllm"):
        # one-hot y: δᴸⱼ = Σₖ (1[j = k] − yⱼ) e^{zᴸₖ} / Σₖ e^{zᴸₖ}
        eye = np.broadcast_to(np.eye(n)[:, :, None], (n, n, batch))
        C = _ints(eye - np.rint(y / 10 ** k)[:, None, :])
        return C, z[:, None, :] == z[None, :, :]
    if out in _RATIONAL and net.loss == "mse":
        # δᴸ = (aᴸ − y) ⊙ f′(zᴸ), over 10^e: one basis value, 1
        a = np.where(mask, z, 0 * z)
        d = (_ints(a) - _ints(y) * 10 ** (e - k)) * mask
        return d[:, None, :], np.ones((1, 1, batch), bool)
    return None
