"""Exact decisions take the decimal places of every given array, accept data
of magnitude exactly MAX_MAGNITUDE, and still hand back z¹ when a hidden layer
is not rational (mutation survivors of derive/numerics/exact.py: ``places``,
``network``)."""

import numpy as np

from derive.numerics import exact
from derive.problem.spec import MAX_MAGNITUDE, Layer, Network

col = lambda v: np.array(v, float)[..., None]  # noqa: E731


def test_data_of_magnitude_exactly_max_magnitude_are_short_decimals():
    assert exact.places([float(MAX_MAGNITUDE), -float(MAX_MAGNITUDE)]) == 0
    assert exact.places([MAX_MAGNITUDE + 1.0]) is None


def test_the_weights_places_count_so_a_quarter_weight_is_not_rounded():
    net = Network(1, (Layer(1, "identity"),), "mse")
    (z,), _ = exact.network(net, col([1.0]), [col([[0.25]])], [col([0.0])], col([0.0]))
    assert z.tolist() == [[0.25]]


def test_the_targets_places_count_so_a_target_off_by_0_4_is_not_reached():
    # z² = 1 and y = 1.4: δ² = −0.4, so W²δ² is not 0 (y rounded to 1 would make it 0)
    net = Network(1, (Layer(1, "identity"), Layer(1, "identity")), "mse")
    one, zero = col([[1.0]]), col([0.0])
    (z1, z2), (zero_back,) = exact.network(net, col([1.0]), [one, one], [zero, zero], col([1.4]))
    assert z2.tolist() == [[1.0]] and zero_back.tolist() == [[False]]


def test_a_sigmoid_hidden_layer_still_gives_the_exact_first_z():
    net = Network(1, (Layer(1, "sigmoid"), Layer(1, "identity")), "mse")
    one, zero = col([[1.0]]), col([0.0])
    got = exact.network(net, col([0.5]), [one, one], [col([0.25]), zero], col([1.0]))
    assert got is not None
    (z1, z2), undecided = got
    assert z1.tolist() == [[0.75]] and z2 is None and undecided == [None]
