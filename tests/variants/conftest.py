"""Fixtures the variant tests share."""

import pytest

from derive.problem.assignment import load_assignment


@pytest.fixture(scope="module")
def parts():
    """One part of each kind of network: the reference's softmax layer and
    ReLU network, tanh-mse's tanh network, logistic's sigmoid unit."""
    ref = load_assignment("reference")
    return {"softmax": ref.parts[1], "relu": ref.parts[2],
            "tanh": load_assignment("tanh-mse").parts[0],
            "logistic": load_assignment("logistic").parts[0]}
