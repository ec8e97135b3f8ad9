"""The reference's constraints generalised to any network
(derive.variants.unit_checks): each rejects a hand-made dull instance and
accepts one where the other alternative applies."""

from dataclasses import replace

from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment
from derive.variants.richness import BY_NAME


def check(name, part, data):
    r = BY_NAME[name]
    return r.check(part, solve_part(part, data), data, r.default, 3)


def relu_data(net, W1=None, b1=None, W2=None, x=None):
    g = net.given
    return replace(g, W=(W1 or g.W[0], W2 or g.W[1]), b=(b1 or g.b[0], g.b[1]), x=x or g.x)


# a rich instance of the reference network: units 1, 2 and 4 active, unit 3
# off, different rows of W², every z¹ well away from 0
RICH = dict(W1=((1, 2, -1, 1), (2, -1, 1, 2)), b1=(-1, 1, -2, 0),
            W2=((1, -1), (-1, 1), (1, 0), (0, 1)), x=(2, 1))


def test_zero_inputs(parts):
    for part in parts.values():
        assert check("nonzero_inputs", part, part.given) == all(v != 0 for v in part.given.x)
    net = parts["relu"]
    assert not check("nonzero_inputs", net, relu_data(net, x=(0, 1)))
    assert check("nonzero_inputs", net, relu_data(net, x=(-1, 1)))


def test_hidden_relu_layer_mixed(parts):
    net = parts["relu"]
    assert check("hidden_mixed", net, relu_data(net, **RICH))
    dead = relu_data(net, **{**RICH, "b1": (-20, -20, -20, -20)})
    alive = relu_data(net, **{**RICH, "b1": (20, 20, 20, 20)})
    assert not check("hidden_mixed", net, dead) and not check("hidden_mixed", net, alive)


def test_two_different_units_learn(parts):
    net = parts["relu"]
    assert check("learning_units", net, relu_data(net, **RICH))
    # the reference handout's data: every row of W² is (1, −1), so every
    # learning unit's column of ∂ℓ/∂W¹ is proportional to the others
    assert not check("learning_units", net, net.given)
    one = relu_data(net, **{**RICH, "b1": (-1, -20, -20, -20)})   # only unit 1 active
    assert not check("learning_units", net, one)
    # no hidden layer: nothing to ask
    assert not BY_NAME["learning_units"].applies(parts["softmax"])
    assert not BY_NAME["learning_units"].applies(parts["logistic"])


def test_gradient_of_hidden_weights_spread(parts):
    net = parts["relu"]
    assert check("gradient_spread", net, relu_data(net, **RICH))
    # only unit 1 active: one non-zero column of ∂ℓ/∂W¹
    assert not check("gradient_spread", net, relu_data(net, **{**RICH, "b1": (-1, -20, -20, -20)}))
    # an input of 0 empties a row: no column has two non-zero entries
    assert not check("gradient_spread", net, relu_data(net, **{**RICH, "x": (0, 1),
                                                                "b1": (1, 1, -2, 1)}))


def test_twin_hidden_units(parts):
    net = parts["relu"]
    assert check("distinct_units", net, relu_data(net, **RICH))
    twins = relu_data(net, **{**RICH, "W1": ((1, 1, -1, 1), (2, 2, 1, 2)), "b1": (-1, -1, -2, 0)})
    assert not check("distinct_units", net, twins)
    tanh = parts["tanh"]
    assert check("distinct_units", tanh, tanh.given)


def test_tied_class_probabilities(parts):
    layer = parts["softmax"]
    g = layer.given
    assert check("no_ties", layer, g)
    # equal columns of W and b: classes 1 and 2 get the same probability
    tied = replace(g, W=(((1, 1, -2), (-1, -1, 1)),))
    assert not check("no_ties", layer, tied)
    assert not BY_NAME["no_ties"].applies(parts["logistic"])   # one sigmoid output: no classes


def test_the_step_lowers_the_loss(parts):
    tanh = parts["tanh"]
    assert check("loss_decreases", tanh, tanh.given)   # η = 0.5: ℓ 1.75 -> 0.55
    # η = 1 overshoots under squared error: ℓ 1.75 -> 4.35
    assert not check("loss_decreases", tanh, replace(tanh.given, lr=1))
    assert not BY_NAME["loss_decreases"].applies(load_assignment("reference").parts[0])
