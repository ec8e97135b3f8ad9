"""``forward_network`` never hands back an inf or a nan made in the forward
pass: an overflow, or an invalid operation (∞ − ∞), raises
``FloatingPointError``, which the grader catches to mark an answer it cannot
carry forward as ungradable (mutation survivors of
derive/numerics/evaluate.py: the arguments of its ``np.errstate``)."""

import numpy as np
import pytest

from derive.numerics.evaluate import forward_network
from derive.problem.spec import Layer, Network

# identity output: an inf z is passed on as it is (a softmax would turn it into
# ∞ − ∞, an invalid operation, whatever the overflow setting)
IDENTITY = Network(2, (Layer(1, "identity"),), "mse")
ONES, ZERO = [np.ones((2, 1, 1))], [np.zeros((1, 1))]


def test_an_overflow_in_the_forward_pass_raises():
    x = np.array([[1e300], [1.0]])
    with pytest.raises(FloatingPointError, match="overflow"):
        forward_network(IDENTITY, x, [np.full((2, 1, 1), 1e10)], ZERO)


def test_an_invalid_operation_in_the_forward_pass_raises():
    x = np.array([[np.inf], [-np.inf]])   # z = ∞ − ∞: no overflow, a nan
    with pytest.raises(FloatingPointError, match="invalid"):
        forward_network(IDENTITY, x, ONES, ZERO)


def test_finite_inputs_give_the_plain_forward_pass():
    (z,), (a,) = forward_network(IDENTITY, np.array([[1e300, 2.0], [-1e300, 3.0]]), ONES, ZERO)
    assert z.tolist() == a.tolist() == [[0.0, 5.0]]
