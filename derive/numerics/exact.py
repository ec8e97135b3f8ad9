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


def layer_z(x, W, b) -> np.ndarray | None:
    """z = Wᵀx + w0 of a softmax layer, correctly rounded from the exact
    value; None when the data are not short decimals."""
    k = places(x, W, b)
    if k is None:
        return None
    z = linear(scaled(W, k), scaled(x, k), scaled(b, k), 10 ** k)
    return to_float(z, 10 ** (2 * k))


def hidden(x, W1, b1, W2, b2, y) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """z¹ and z² (correctly rounded from their exact values) and where W²δ²
    is exactly 0, for the ReLU/softmax network with a one-hot target; None
    when the data are not short decimals.

    With δ² = SM(z²) − y and target class c, (W²δ²)ᵢ = Σⱼ (W²ᵢⱼ − W²ᵢc) e^{z²ⱼ} / Σₖ e^{z²ₖ}.
    By Lindemann–Weierstrass, e^q for distinct rationals q are linearly
    independent over the rationals, so the sum is 0 exactly when, for every
    distinct value among the z²ⱼ, the coefficients of the j sharing it add to 0.
    """
    k = places(x, W1, b1, W2, b2)
    if k is None:
        return None
    W2k = scaled(W2, k)
    z1 = linear(scaled(W1, k), scaled(x, k), scaled(b1, k), 10 ** k)   # over 10^2k
    a1 = np.where(z1 > 0, z1, 0 * z1)
    z2 = linear(W2k, a1, scaled(b2, k), 10 ** (2 * k))                 # over 10^3k
    target = np.argmax(np.asarray(y), axis=0)                          # (B,)
    coefficients = W2k - np.take_along_axis(W2k, target[None, None, :], axis=1)
    same = z2[:, None, :] == z2[None, :, :]                            # (classes, classes, B)
    groups = (coefficients[:, None, :, :] * same[None]).sum(axis=2)    # small: exact
    zero_back = np.all(groups == 0, axis=1)                            # (hidden, B)
    return to_float(z1, 10 ** (2 * k)), to_float(z2, 10 ** (3 * k)), zero_back
