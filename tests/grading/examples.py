"""The four example assignments shipped in derive/assignments/, by name."""

from __future__ import annotations

from functools import partial

from derive.problem.assignment import load_assignment

NAMES = ("reference", "tanh-mse", "sigmoid-softmax", "logistic")
EXAMPLES = {name: partial(load_assignment, name) for name in NAMES}
