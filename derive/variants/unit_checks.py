"""Richness checks on a part's units, inputs, probabilities and loss
(:mod:`derive.variants.richness` lists them): the reference's constraints
(every input counts, hidden units that differ and learn, no tied class
probabilities, a step that lowers the loss), for any network.

Each check takes the part, its numbers (:class:`derive.numerics.solve.PartSolution`),
its data, the setting and the precision contract's figures; a layer index
``l`` is 0-based (layer ``l + 1`` in the file's names: ``W{l+1}``).
"""

from __future__ import annotations

import numpy as np

from derive.problem import precision

STEPPED = ("step", "gradient-step")


def _nonzero(g) -> np.ndarray:
    """Entries a student could not answer with 0 (the contract's tolerance of 0)."""
    return np.abs(np.asarray(g, float)) > precision.ZERO_TOL


def hidden_layers(part, least: int = 2) -> list[int]:
    """The hidden layers (not the output) with at least ``least`` units."""
    return [l for l, layer in enumerate(part.network.layers[:-1]) if layer.size >= least]


def relu_layers(part, least: int = 1) -> list[int]:
    """The ReLU layers with at least ``least`` units."""
    return [l for l, layer in enumerate(part.network.layers)
            if layer.activation == "relu" and layer.size >= least]


def asked_weights(part) -> set[int]:
    """The layers whose weight gradient the part asks for (or steps with)."""
    return {int(q.get("param")[1:]) - 1 for q in part.questions
            if q.kind in ("gradient", *STEPPED) and str(q.get("param", "")).startswith("W")}


def learning_layers(part) -> list[int]:
    """Hidden layers of two units or more whose weight gradient is asked."""
    return [l for l in hidden_layers(part) if l in asked_weights(part)]


def nonzero_inputs(part, s, data, setting, figures) -> bool:
    return all(v != 0 for v in data.x)


def hidden_mixed(part, s, data, setting, figures) -> bool:
    """Every ReLU layer of two units or more has a unit on and a unit off."""
    return all((s.z[l] > 0).any() and not (s.z[l] > 0).all() for l in relu_layers(part, 2))


def learning_units(part, s, data, setting, figures) -> bool:
    """In every hidden layer whose weight gradient is asked, two units learn
    (a non-zero column of ∂ℓ/∂Wˡ) with different rows of Wˡ⁺¹ (equal rows
    would give proportional columns)."""
    for l in learning_layers(part):
        learns = _nonzero(s.dL_dW[l]).any(axis=0)
        rows = {tuple(data.W[l + 1][j]) for j in np.flatnonzero(learns)}
        if len(rows) < 2:
            return False
    return True


def gradient_spread(part, s, data, setting, figures) -> bool:
    """Every asked weight gradient of a hidden layer has two columns with
    two non-zero entries each (one, with one input)."""
    for l in learning_layers(part):
        g = _nonzero(s.dL_dW[l])
        if (g.sum(axis=0) >= min(2, g.shape[0])).sum() < 2:
            return False
    return True


def distinct_units(part, s, data, setting, figures) -> bool:
    """No two units of a hidden layer alike (the same column of Wˡ and entry of bˡ)."""
    for l in hidden_layers(part):
        W, b = np.asarray(data.W[l], float), np.asarray(data.b[l], float)
        units = {tuple(W[:, j]) + (b[j],) for j in range(len(b))}
        if len(units) < len(b):
            return False
    return True


def untied(p, figures: int) -> bool:
    """No two entries within one unit of the (figures − 1)-th significant
    figure of the larger (a rounded-too-early answer could be either)."""
    p = np.asarray(p, float)
    near = np.abs(p[:, None] - p[None, :]) <= precision.tolerance(
        np.maximum(p[:, None], p[None, :]), figures - 1)
    return not (near & ~np.eye(len(p), dtype=bool)).any()


def no_ties(part, s, data, setting, figures) -> bool:
    """No two class probabilities of a softmax output tie, before or after the step."""
    passes = [s] + ([s.after] if s.after is not None else [])
    return all(untied(p.a[-1], figures) for p in passes)


def loss_decreases(part, s, data, setting, figures) -> bool:
    return s.after is None or s.after.loss < s.loss


def softmax_output(part) -> bool:
    return part.network.layers[-1].activation == "softmax" and part.network.layers[-1].size > 1
