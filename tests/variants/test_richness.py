"""The richness constraints one by one: each rejects a hand-made dull
instance and accepts a rich one; which constraints concern which part; the
config's switches."""

from dataclasses import replace

from derive.numerics.solve import solve_part
from derive.variants.constraints import parse_constraints
from derive.variants.richness import BY_NAME, active, unseen_mistakes


def check(name, part, data, setting=None):
    r = BY_NAME[name]
    return r.check(part, solve_part(part, data), data, r.default if setting is None else setting, 3)


def test_which_constraints_concern_which_part(parts):
    names = {k: [r.name for r, _ in active(p, parse_constraints({}))] for k, p in parts.items()}
    assert names["relu"] == ["kink_margin", "active_units", "hidden_mixed", "nonzero_inputs",
                             "distinct_units", "learning_units", "gradient_spread", "no_ties",
                             "loss_decreases", "nonzero_gradients", "probabilities",
                             "step_changes", "distinct_from_mistakes"]
    assert names["softmax"] == ["nonzero_inputs", "no_ties", "loss_decreases",
                                "nonzero_gradients", "probabilities", "step_changes",
                                "distinct_from_mistakes"]
    assert names["tanh"] == ["nonzero_inputs", "distinct_units", "learning_units",
                             "gradient_spread", "loss_decreases", "unsaturated",
                             "nonzero_gradients", "step_changes", "distinct_from_mistakes"]
    assert "kink_margin" not in names["softmax"] and "unsaturated" not in names["softmax"]
    # a sigmoid output under nll: its slope does not enter the gradient (a − y)
    assert "unsaturated" not in names["logistic"] and "probabilities" in names["logistic"]


def test_the_configs_switches_and_settings_apply(parts):
    off = {r.name for r, _ in active(parts["relu"], parse_constraints(
        {"kink_margin": False, "distinct_from_mistakes": False}))}
    assert "kink_margin" not in off and "distinct_from_mistakes" not in off
    assert "active_units" in off   # no reference constraint of that name: always on
    settings = dict((r.name, v) for r, v in active(parts["relu"], parse_constraints(
        {"kink_margin": 0.25, "probabilities": [0.05, 0.95]})))
    assert settings["kink_margin"] == 0.25 and settings["probabilities"] == (0.05, 0.95)


def test_relu_kinks_and_dead_layers(parts):
    net = parts["relu"]
    assert check("kink_margin", net, net.given) and check("active_units", net, net.given)
    near = replace(net.given, b=((-3.75, -1, -1, -1), net.given.b[1]))   # z1 = 0.25 for unit 1
    assert not check("kink_margin", net, near) and check("kink_margin", net, near, 0.2)
    dead = replace(net.given, b=((-20, -20, -20, -20), net.given.b[1]))
    assert not check("active_units", net, dead)


def test_saturated_units(parts):
    # the tanh-mse handout's data: two nearly saturated hidden units, on purpose
    # (z = 2.5 and −2: tanh′ = 0.027 and 0.071)
    tanh = parts["tanh"]
    assert not check("unsaturated", tanh, tanh.given, 0.05)
    assert check("unsaturated", tanh, tanh.given, 0.02) and check("unsaturated", tanh, tanh.given)


def test_zero_gradients_and_steps_that_change_nothing(parts):
    tanh = parts["tanh"]
    assert check("nonzero_gradients", tanh, tanh.given) and check("step_changes", tanh, tanh.given)
    zero_w2 = replace(tanh.given, W=(tanh.given.W[0], ((0, 0),) * 4))   # δ¹ = W²δ² ⊙ f′ = 0
    assert not check("nonzero_gradients", tanh, zero_w2)
    # a step of 1e-6 changes W by less than rounding, and the loss after it too
    assert not check("step_changes", tanh, replace(tanh.given, lr=0.000001))


def test_probabilities_away_from_0_and_1(parts):
    logistic = parts["logistic"]
    assert check("probabilities", logistic, logistic.given)
    sure = replace(logistic.given, W=(((2,), (-2,)),), x=(2, -2))   # z = 7.5: a = 0.99945
    assert not check("probabilities", logistic, sure)
    assert not check("probabilities", logistic, sure, (0.0, 1.0))   # 1 would pass for it


def test_mistakes_that_go_unseen(parts):
    net = parts["relu"]
    # every hidden ReLU active: a missing mask changes no answer, so it goes unseen
    live = replace(net.given, b=((20, 20, 20, 20), net.given.b[1]))
    assert check("active_units", net, live)
    assert ("missing-relu-mask", "") in unseen_mistakes(net, solve_part(net, live), live)
    assert not check("distinct_from_mistakes", net, live)
    # the reference handout's data: backpropagating through the updated W² gives
    # q14 = (0, 1), the target y itself: an answer that shows no work; a step
    # the wrong way leaves the saturated output (1, 4e-11) as it was before the
    # step: what doing nothing gives
    assert unseen_mistakes(net, solve_part(net), net.given) == [
        ("sign-flipped", "q14"), ("ascent", "q14"), ("updated-weights-in-backprop", "q14")]
    tanh = parts["tanh"]
    assert unseen_mistakes(tanh, solve_part(tanh), tanh.given) == []


def test_a_mistake_that_gives_what_doing_nothing_gives_goes_unseen(parts):
    # an unnormalised softmax steps W so that class 3's probability after the
    # step comes out as the right one before it: a student's q9 would look
    # like no step at all (graded as no work, not as the mistake)
    layer = parts["softmax"]
    data = replace(layer.given, W=(((1, -2, 0), (-1, -1, -1)),), x=(-1, 2), lr=0.25)
    assert unseen_mistakes(layer, solve_part(layer, data), data) == [("not-normalised", "q9")]
    assert not check("distinct_from_mistakes", layer, data)
    assert check("distinct_from_mistakes", layer, layer.given)
