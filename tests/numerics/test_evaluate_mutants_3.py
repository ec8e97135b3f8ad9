"""``evaluate_network`` raises on an overflow in its pass, and the numbers
come back as float64 arrays even where the derived expression is a constant
or the data are ints (mutation survivors of derive/numerics/evaluate.py:
``evaluate_network``'s ``np.errstate``, ``_take``'s and ``stack``'s
conversions)."""

import numpy as np
import pytest

from derive.numerics.evaluate import evaluate_network
from derive.numerics.solve import solve_parts
from derive.problem.assignment import PartData
from derive.problem.spec import Layer, Network
from tests.numerics.plain_network import part_with_steps


def test_an_overflow_in_the_full_pass_raises():
    # identity output: z = 10³⁰⁰·10¹⁰ overflows to inf, and nothing after it is invalid
    net = Network(1, (Layer(1, "identity"),), "mse")
    with pytest.raises(FloatingPointError, match="overflow"):
        evaluate_network(net, np.array([[1e300]]), [np.full((1, 1, 1), 1e10)],
                         [np.zeros((1, 1))], np.zeros((1, 1)))


def test_the_constant_derivative_of_an_identity_layer_is_a_float_array():
    # f′ of an identity hidden layer is the Python int 1 in the lambdified code
    net = Network(1, (Layer(1, "identity"), Layer(1, "relu")), "mse")
    p = evaluate_network(net, np.array([[1.0, 2.0]]), [np.ones((1, 1, 2))] * 2,
                         [np.zeros((1, 2))] * 2, np.ones((1, 2)))
    (fp,) = p.f_prime
    assert fp.dtype == np.float64 and fp.tolist() == [[1.0, 1.0]]


def test_data_given_as_ints_give_float_parameters_after_the_step():
    # a spec's weights may be YAML ints; b¹ steps, W¹ is handed on as given
    net = Network(1, (Layer(1, "identity"),), "mse")
    data = PartData(W=(((2,),),), b=((1,),), x=(3,), y=(4,), lr=1)
    (s,) = solve_parts(part_with_steps(net, ["b1"]), [data])
    assert s.new["W1"].dtype == np.float64 and s.new["W1"].tolist() == [[2.0]]
    assert s.new["b1"].tolist() == [-2.0]     # b − lr·δ = 1 − (2·3 + 1 − 4)
