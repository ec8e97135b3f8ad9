"""``kind_mistakes.run_part`` called directly: the unnormalised softmax's
e^z overflows to inf silently (the mistake's own overflow, not an error),
and the fˡ′ the key decided may be handed over as the key's columns (one
instance, batch axis last) or flat, with the same gradients (mutation
survivors of derive/numerics/kind_mistakes.py: ``_forward``)."""

import math
import warnings

import numpy as np

from derive.numerics import kind_mistakes as km
from derive.numerics.mistake_batch import decided_f_prime
from derive.numerics.solve import solve_part
from derive.problem.assignment import PartData, Question
from derive.problem.spec import Layer, Network
from tests.grading.examples import EXAMPLES, RELU_TIE
from tests.numerics.plain_network import part_with_steps

# one input, two softmax outputs: z = (1000, −1000); the key's softmax is (1, 0)
SOFTMAX = part_with_steps(
    Network(1, (Layer(2, "softmax"),), "nllm"), (),
    PartData(W=(((1, -1),),), b=((0, 0),), x=(1000,), y=(1, 0), lr=0.5),
    extra=(Question("g", "gradient", 1, (("param", "W1"),)),))


def test_the_unnormalised_softmax_overflows_to_inf_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = km.run_part(SOFTMAX, SOFTMAX.given, {"not-normalised"})
    # e^1000 is past the largest float; e^−1000 is 0
    assert run.a[-1].tolist() == [math.inf, 0.0]
    assert run.loss == -1000.0                       # −Σ y ln e^z = −z₁
    assert run.grads["W1"].tolist() == [[math.inf, 0.0]]   # x (e^z − y)ᵀ


# the reference's ReLU network at z¹₁ = 0.1 + 0.2 − 0.3: the key decides unit 1 off
NETWORK = EXAMPLES["reference"]().parts[2]


def test_the_decided_f_prime_gives_the_keys_gradients_as_columns_or_flat():
    key = solve_part(NETWORK, RELU_TIE)
    columns = decided_f_prime(NETWORK, [RELU_TIE])          # (units, 1) each
    assert [c.shape for c in columns] == [(4, 1)]
    flat = [c[..., 0] for c in columns]
    for f_prime in (columns, flat):
        grads = km.run_part(NETWORK, RELU_TIE, (), f_prime).grads
        assert np.array_equal(grads["W1"], key.grad("W1"))
        assert np.array_equal(grads["b1"], key.grad("b1"))
    # float64 alone (z¹₁ = 5.6e-17 > 0) turns unit 1 on: another W¹ gradient
    assert not np.array_equal(km.run_part(NETWORK, RELU_TIE).grads["W1"], key.grad("W1"))
