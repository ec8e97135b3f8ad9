"""``kind_mistakes.forward_with``: the forward pass with only some
parameters replaced (a student's updated W²) keeps the data's others."""

import numpy as np

from derive.numerics import kind_mistakes as km
from tests.grading.examples import EXAMPLES


def test_the_weights_not_replaced_are_the_datas():
    p = EXAMPLES["tanh-mse"]().parts[0]
    g = p.given
    W2 = np.asarray(g.W[1], float) * 2
    only = km.forward_with(p, g, {"W2": W2})
    every = km.forward_with(p, g, {"W1": g.W[0], "W2": W2, "b1": g.b[0], "b2": g.b[1]})
    assert np.allclose(km._value(only, "output"), km._value(every, "output"))
    assert only.loss == every.loss
    assert only.loss != km.forward_with(p, g, {}).loss
