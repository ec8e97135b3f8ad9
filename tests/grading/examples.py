"""The four example assignments shipped in derive/assignments/, by name, and
data for the reference network part at a ReLU tie."""

from __future__ import annotations

from functools import partial

from derive.problem.assignment import PartData, load_assignment

NAMES = ("reference", "tanh-mse", "sigmoid-softmax", "logistic")
EXAMPLES = {name: partial(load_assignment, name) for name in NAMES}

# the reference's network part with z¹₁ = 0.1 + 0.2 − 0.3: 0 in decimals (the key
# decides the unit off), 5.6e-17 in float64
RELU_TIE = PartData(W=(((0.1, 1, -1, 0.5), (0.2, -1, 0.5, 1)),
                       ((1, -1), (0.5, -1), (1, 0.5), (-1, 1))),
                    b=((-0.3, 0.5, 0, 0.25), (0, 0.5)), x=(1, 1), y=(0, 1), lr=0.5)
