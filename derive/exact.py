"""Exact arithmetic on the given data, for what float64 cannot decide.

Given data are decimals of at most :data:`~derive.spec.MAX_DECIMALS` places
(:mod:`derive.spec` refuses others), so times ``10**MAX_DECIMALS`` they are
integers. The pre-activations computed from them alone (the softmax layer's z,
the network's z¹, a¹ = max(z¹, 0) and z²) are then exact integers over a power
of ten (Python ints: no overflow), and so is every decision that depends on
their sign or on their equality: the ReLU mask at the kink z¹ = 0, and whether
W²δ² is exactly 0. Arrays carry the batch on their last axis, as in
:mod:`derive.numeric`.
"""

from __future__ import annotations

import numpy as np

from derive.spec import MAX_DECIMALS, MAX_MAGNITUDE

SCALE = 10 ** MAX_DECIMALS


def scaled(values) -> np.ndarray | None:
    """``values × SCALE`` as exact Python ints (an object array), or None when
    some value is not a decimal of at most ``MAX_DECIMALS`` places."""
    v = np.asarray(values, float)
    s = np.rint(v * SCALE)
    # s / SCALE is the float nearest to the decimal s·10⁻⁶: equal to v exactly
    # when v is that decimal (|v| ≤ 10⁶ keeps s below 2⁵³, so s is exact)
    if not (np.all(np.abs(v) <= MAX_MAGNITUDE) and np.all(s / SCALE == v)):
        return None
    return s.astype(np.int64).astype(object)


def linear(W, x, b, scale: int = SCALE) -> np.ndarray:
    """Wᵀx + w0 for exact ints (W and b scaled by SCALE, x by ``scale``):
    the result is scaled by ``SCALE · scale``."""
    return (W * x[:, None]).sum(axis=0) + b * scale


def to_float(values: np.ndarray, scale: int) -> np.ndarray:
    """Exact ints over ``scale`` as the nearest floats (Python's int division
    rounds correctly)."""
    flat = [v / scale + 0.0 for v in np.ravel(values)]
    return np.asarray(flat, float).reshape(np.shape(values))


def layer_z(x, W, b) -> np.ndarray | None:
    """z = Wᵀx + w0 of a softmax layer, correctly rounded from the exact
    value; None when the data are not short decimals."""
    xi, Wi, bi = scaled(x), scaled(W), scaled(b)
    if xi is None or Wi is None or bi is None:
        return None
    return to_float(linear(Wi, xi, bi), SCALE ** 2)


def hidden(x, W1, b1, W2, b2, y) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """z¹ and z² (correctly rounded from their exact values) and where W²δ²
    is exactly 0, for the ReLU/softmax network with a one-hot target; None
    when the data are not short decimals.

    With δ² = SM(z²) − y and target class c, (W²δ²)ᵢ = Σⱼ (W²ᵢⱼ − W²ᵢc) e^{z²ⱼ} / Σₖ e^{z²ₖ}.
    By Lindemann–Weierstrass, e^q for distinct rationals q are linearly
    independent over the rationals, so the sum is 0 exactly when, for every
    distinct value among the z²ⱼ, the coefficients of the j sharing it add to 0.
    """
    xi, W1i, b1i, W2i, b2i = (scaled(v) for v in (x, W1, b1, W2, b2))
    if any(v is None for v in (xi, W1i, b1i, W2i, b2i)):
        return None
    z1 = linear(W1i, xi, b1i)                            # scaled by SCALE²
    a1 = np.where(z1 > 0, z1, 0)
    z2 = linear(W2i, a1, b2i, SCALE ** 2)                # scaled by SCALE³
    target = np.argmax(np.asarray(y), axis=0)            # (B,)
    W2c = np.take_along_axis(W2i, target[None, None, :], axis=1)
    coefficients = W2i - W2c                             # (hidden, classes, B)
    same = z2[:, None, :] == z2[None, :, :]              # (classes, classes, B)
    groups = (coefficients[:, None, :, :] * same[None]).sum(axis=2)
    zero_back = np.all(groups == 0, axis=1)              # (hidden, B)
    return to_float(z1, SCALE ** 2), to_float(z2, SCALE ** 3), zero_back
