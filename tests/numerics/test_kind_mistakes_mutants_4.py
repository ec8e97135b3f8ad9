"""Which mistakes apply to a part, as its questions decide: exactly those
that change one of its answers (a gradient-only or a step-only part, a
step of the biases alone, a step of the top layer with or without a
gradient asked below it); the wrong classes read off four or five
outputs; and ``part_answers`` where there is nothing to compute (no data,
a forward pass that overflows) or the mistakes overflow (silently)
(mutation survivors of derive/numerics/kind_mistakes.py: ``applicable``,
``other_classes``, ``part_answers``)."""

import math
import warnings
from dataclasses import replace

import numpy as np
import pytest

from derive.numerics import kind_mistakes as km
from derive.numerics.mistake_kinds import ORDER
from derive.problem.assignment import Part, PartData, Question
from derive.problem.spec import Layer, Network
from tests.grading.examples import EXAMPLES

# 3 inputs, 4 tanh units, 2 identity outputs, squared error
TANH_MSE = EXAMPLES["tanh-mse"]().parts[0]


def _asking(*questions: tuple[str, str]) -> Part:
    """The tanh network's part with only these (kind, param) questions (an
    after-step question's ``value`` in place of the param)."""
    qs = tuple(Question(f"q{i}", kind, 1, (("value" if kind == "after-step" else "param", param),))
               for i, (kind, param) in enumerate(questions, start=1))
    return replace(TANH_MSE, questions=qs)


def _changing(part) -> tuple[str, ...]:
    """Every mistake of the library that changes some answer of ``part``
    (each one run, whether ``applicable`` lists it or not)."""
    right = km.part_answers(part, part.given)
    return tuple(c for c in ORDER
                 if any(not km._equal(v, right.get(q))
                        for q, v in km.part_answers(part, part.given, (c,)).items()))


SIGN, T, ASCENT = "sign-flipped", "transposed", "ascent"
UPDATED, TANH = "updated-weights-in-backprop", "missing-tanh-derivative"


@pytest.mark.parametrize("questions, codes", [
    # a gradient asked, no step: its sign and orientation, nothing of a step
    ([("gradient", "W2")], (SIGN, T)),
    # W¹'s gradient goes through the tanh units' derivative
    ([("gradient", "W1")], (SIGN, T, TANH)),
    # a step asked, no gradient: the gradient it uses can still be flipped, the
    # (non-square) updated matrix shown transposed
    ([("step", "W2")], (SIGN, T, ASCENT)),
    # the biases alone stepped: no weight stepped
    ([("step", "b1")], (SIGN, ASCENT, TANH)),
    # the top layer alone: neither δ¹ nor the updated W² enters an answer
    ([("gradient-step", "W2")], (SIGN, T, ASCENT)),
    # the top layer stepped and W¹'s gradient asked: δ¹ through the updated W² changes it
    ([("gradient-step", "W2"), ("gradient", "W1")], (SIGN, T, ASCENT, UPDATED, TANH)),
    # the top layer alone and the loss after the step: the updated W² changes
    # only δ¹, which no answer uses (the mistake was listed, never seen)
    ([("gradient-step", "W2"), ("after-step", "loss")], (SIGN, T, ASCENT)),
], ids=["gradient-W2", "gradient-W1", "step-W2", "step-b1", "gradient-step-W2",
        "step-W2-gradient-W1", "step-W2-loss-after"])
def test_the_applicable_mistakes_are_those_that_change_an_answer(questions, codes):
    part = _asking(*questions)
    assert km.applicable(part) == codes
    assert _changing(part) == codes


@pytest.mark.parametrize("c, n, others", [
    (1, 4, [4, 2, 3]),      # a_(c−1) wraps round to class 4
    (2, 4, [1, 3, 4]),
    (3, 4, [2, 4, 1]),
    (3, 5, [2, 4, 1, 5]),
    (2, 3, [1, 3]),
])
def test_the_other_classes_are_the_neighbours_then_the_rest_in_order(c, n, others):
    assert km.other_classes(c, n) == others


def test_the_third_wrong_class_read_off_four_outputs_is_the_last_one_left():
    run = km._Run(z=[], a=[np.array([0.1, 0.2, 0.3, 0.4])], loss=0.0, grads={}, new={})
    # class 2: read as class 1, then class 3, then class 4; no fourth wrong class
    assert [km.probability(None, run, 2, k) for k in range(4)] == [0.1, 0.3, 0.4, None]


LOGISTIC = EXAMPLES["logistic"]().parts[0]
# q2: the loss example, −ln(1 − 0.8)
LOSS_EXAMPLE = {"q2": pytest.approx(-math.log(0.2), rel=1e-12)}


def test_a_part_without_data_answers_only_its_loss_example():
    assert km.part_answers(LOGISTIC, None) == LOSS_EXAMPLE
    assert km.part_answers(LOGISTIC, None, ("sign-flipped",)) == \
        {"q2": pytest.approx(math.log(0.2), rel=1e-12)}


def test_a_forward_pass_that_overflows_leaves_only_the_loss_example():
    # z¹ = 1e308 + 2e308 overflows: no answer a student could hand in but the example's
    data = replace(LOGISTIC.given, W=(((1e308,), (1e308,)),))
    assert km.part_answers(LOGISTIC, data) == LOSS_EXAMPLE
    assert km.part_answers(LOGISTIC, data, ("ascent",)) == LOSS_EXAMPLE


NETWORK = EXAMPLES["reference"]().parts[2]


@pytest.mark.parametrize("part, data, codes", [
    # the right step takes W¹₁ = 1.5e308 past the largest float (an overflow)
    (LOGISTIC, PartData(W=(((1.5e308,), (-7.5e307,)),), b=((0.0,),), x=(1.0, 2.0), y=(1,),
                        lr=1e308), ()),
    # e^z of the unnormalised softmax is inf: δ² = inf − y, and W² δ² is inf − inf (invalid)
    (NETWORK, replace(NETWORK.given, x=(400.0, 500.0)), ("not-normalised",)),
], ids=["overflow", "invalid"])
def test_answers_the_mistakes_cannot_give_are_left_out_silently(part, data, codes):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = km.part_answers(part, data, codes)
    assert got and all(np.all(np.isfinite(km._numbers(v))) for v in got.values())


def test_a_missing_output_derivative_is_the_output_layers_not_the_second_layers():
    # relu → tanh → identity under squared error, only W³'s gradient asked: the
    # identity output has no derivative to leave out, and the tanh below it is
    # not on W³'s path
    part = replace(_asking(("gradient", "W3")), network=Network(
        3, (Layer(4, "relu"), Layer(3, "tanh"), Layer(2, "identity")), "mse"))
    assert km.applicable(part) == (SIGN, T)


def test_a_binary_loss_example_has_no_wrong_class():
    # −[y ln a + (1 − y) ln(1 − a)] of an example: its sign can be flipped, but
    # it has no class to read off wrongly (that is the softmax's nllm example)
    loss_only = replace(LOGISTIC, questions=tuple(q for q in LOGISTIC.questions if q.kind == "loss"))
    assert km.applicable(loss_only) == (SIGN,)
