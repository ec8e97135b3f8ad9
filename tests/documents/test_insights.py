"""The sentences the numeric worked solutions choose by the numbers
(derive.documents.insights): each alternative, on numbers where it applies."""

import numpy as np
import pytest

from derive.documents import insights
from derive.documents.numbers import Formatter

FMT = Formatter(4)
G = r"\nabla_{W^{1}} \ell"


def test_output_signs_of_a_softmax_output():
    said = insights.output_signs("nllm", [0.2, -0.3, 0.1], 1, True, 1)
    assert said.startswith("Only the target class (class 2) has $a^{1}_{j} - y_{j} < 0$")
    assert "a step against the gradient raises its score and lowers every other" in said
    # deeper: only a step of the output weights is sure to move the scores so
    assert "a step of $W^{3}$ against its gradient raises" in \
        insights.output_signs("nllm", [0.2, -0.3], 1, True, 3)
    # the output layer's input is 0: a step on its weights moves no score
    assert insights.output_signs("nllm", [0.2, -0.3, 0.1], 1, False, 1) == ""
    # an underflowed probability (a_j - y_j = 0) breaks the pattern: nothing said
    assert insights.output_signs("nllm", [0.0, -0.3, 0.3], 1, True, 1) == ""
    assert insights.output_signs("mse", [0.2, -0.3], 1, True, 2) == ""


def test_output_signs_of_a_sigmoid_output():
    assert "$a^{1} - y < 0$" in insights.output_signs("nll", [-0.8], 0, True, 1)
    assert "raises the score" in insights.output_signs("nll", [-0.8], 0, True, 1)
    assert "lowers the score" in insights.output_signs("nll", [0.3], 0, True, 1)
    assert insights.output_signs("nll", [0.0], 0, True, 1) == ""
    # several sigmoid units (0/1 labels each): one sentence about "the score" would be false
    assert insights.output_signs("nll", [-0.8176, 0.8176], 0, True, 1) == ""


def test_first_order_change_of_the_loss():
    one = insights.first_order(FMT, 0.5, {"W^{1}": np.array([[1.0, -1.0]])})
    assert one.startswith("This is a descent step") and r"\approx -1" not in one
    assert r"= - \eta \lVert \nabla_{W^{1}} \ell \rVert^{2} = -1$" in one
    assert "never positive" in one and one.endswith("; ")
    two = insights.first_order(FMT, 0.5, {"W^{1}": np.ones((2, 2)), "w_0^{1}": np.ones(2)})
    assert r"\left(\lVert \nabla_{W^{1}} \ell \rVert^{2} + \lVert \nabla_{w_0^{1}} \ell \rVert^{2}\right)" in two
    assert "= -3$" in two
    zero = insights.first_order(FMT, 0.5, {"W^{1}": np.zeros((2, 2))})
    assert zero.startswith("The gradient is 0") and "descent" not in zero


def test_score_shift():
    assert insights.score_shift([-0.25, 0.5, -0.25], 1) == \
        "the target's score rises and every other score falls"
    assert insights.score_shift([0.0, 0.0], 0) == "no score moves"
    assert insights.score_shift([0.25, 0.5, -0.75], 1) == ""
    assert insights.score_shift([0.5], None) == "the score rises"
    assert insights.score_shift([-0.5], None) == "the score falls"
    assert insights.score_shift([0.0], None) == "the score stays"


def test_probabilities_rise_fall_or_stay():
    names = lambda j: (f"a_{{{j + 1}}}", f"a^{{new}}_{{{j + 1}}}")  # noqa: E731
    said = insights.probabilities(FMT, [0.2, 0.5, 0.3], [0.1, 0.7, 0.2], 1, 2, names)
    assert said == ("The target class's probability rose from $a_{2} = 0.5$ to "
                    "$a^{new}_{2} = 0.7$ and class 3's fell from $a_{3} = 0.3$ to "
                    "$a^{new}_{3} = 0.2$.")
    # the asked class is the target: one clause
    alone = insights.probabilities(FMT, [0.2, 0.5, 0.3], [0.1, 0.7, 0.2], 1, 1, names)
    assert alone.count("probability") == 1 and "class 2's" not in alone
    stayed = insights.probabilities(FMT, [0.5, 0.5], [0.5, 0.5], 0, 1, names)
    assert "stayed at $a^{new}_{1} = 0.5$" in stayed and "stayed at $a^{new}_{2}" in stayed


@pytest.mark.parametrize("a,target,said", [
    ([0.2, 0.7, 0.1], 1, "the most probable class is class 2, the target"),
    ([0.7, 0.2, 0.1], 1, "the most probable class is class 1, not the target class 2"),
    ([0.4, 0.4, 0.2], 1, "classes 1 and 2 tie for the highest probability, the target among them"),
    ([0.4, 0.2, 0.4], 1, "classes 1 and 3 tie for the highest probability, not the target class 2"),
])
def test_favoured_class(a, target, said):
    assert insights.favoured(a, target) == said


def test_zero_rows():
    x = insights.zero_rows([0, 2], 1, [], G)
    assert x.startswith("Input $x_{1}$ is 0, so its row of") and "adds nothing to $z^{1}$" in x
    assert insights.zero_rows([0, 0, 1], 1, [], G).startswith(
        "Inputs $x_{1}$ and $x_{2}$ are 0, so their rows")
    off = insights.zero_rows([3, 10, 0, 0], 2, [2, 3], r"\nabla_{W^{2}} \ell")
    assert off == (r"Units 3 and 4 are off, so their rows of $\nabla_{W^{2}} \ell$ are 0: a unit "
                   "that passes nothing forward gets no gradient on its outgoing weights.")
    # tanh(0) = 0: a unit that is not a ReLU, yet outputs 0
    assert insights.zero_rows([0.5, 0.0], 2, [], G).startswith(
        "Unit 2 of layer 1 outputs 0 ($a^{1}_{k} = 0$), so its row")
    assert insights.zero_rows([1, 2], 1, [], G) == ""


def test_zero_columns():
    masked = insights.zero_columns([2, 2, 0, 0], [2, 2, 2, 2], [2, 3], G)
    assert masked.startswith("Units 3 and 4 are off, so their columns of")
    assert "the mask stops the error there" in masked
    one = insights.zero_columns([0, 1], [1, 1], [0], G)
    assert one.startswith("Unit 1 is off, so its column") and "its incoming weights" in one
    cancelled = insights.zero_columns([1, 0], [1, 0], [], G)
    assert cancelled.startswith("The error reaching unit 2 cancels to 0, so its column")
    assert insights.zero_columns([1, 2], [1, 2], [], G) == ""
    # a slope of 0 without a mask (underflow) is not a cancelled error
    assert insights.zero_columns([1, 0], [1, 3], [], G) == ""


def test_saturated_units():
    said = insights.saturated(FMT, "tanh", [0.0266, 0.79, 0.0707, 0.18], 1, G)
    assert said.startswith("Units 1 and 3 are saturated")
    assert r"f^{1}{}'(z^{1}_{1}) = 0.0266" in said and "no mask sets them to 0" in said
    assert insights.saturated(FMT, "sigmoid", [0.02, 0.2], 2, G).startswith("Unit 1 is saturated")
    assert insights.saturated(FMT, "sigmoid", [0.07, 0.2], 2, G) == ""
    assert insights.saturated(FMT, "relu", [0.0, 1.0], 1, G) == ""


def test_dead_layer():
    out = r"\operatorname{SM}(w_0^{2})"
    said = insights.dead_layer([-3, -1, -5], 1, 2, out)
    assert said == (r"After the step every ReLU of layer 1 is dead for this input: "
                    r"$a^{1}_{\text{new}} = 0$, so the output is $\operatorname{SM}(w_0^{2})$, "
                    r"set by the bias alone: near this input the output does not change with $x$.")
    # a unit at the kink: the output may still move with x
    assert insights.dead_layer([-3, 0], 1, 2, out).endswith("set by the bias alone.")
    assert "every layer above it is set by the biases alone" in insights.dead_layer([-1], 1, 3, out)
    assert insights.dead_layer([-3, 0.5], 1, 2, out) == ""


def test_state_change():
    assert insights.state_change([1, -1], [2, -3], 1) == "No unit of layer 1 changed state in the step."
    assert insights.state_change([1, 2], [-1, 2], 1) == "In the step unit 1 switched off (layer 1)."
    assert insights.state_change([1, -2, -1], [-1, 2, 3], 2) == \
        "In the step unit 1 switched off and units 2 and 3 switched on (layer 2)."


def test_change_verb_is_the_one_rule_of_rose_fell_stayed():
    from derive.documents.captions import _change
    from derive.documents.insights import change_verb, moved
    fmt = Formatter(4)
    assert change_verb(fmt, 0.1, 0.2) == "rose" and change_verb(fmt, 0.2, 0.1) == "fell"
    assert change_verb(fmt, 0.1, 0.2, "present") == "rises"
    assert change_verb(fmt, 0.2, 0.1, "present") == "falls"
    # different numbers that print the same: no direction claimed, in either tense
    assert change_verb(fmt, 0.090031, 0.090029) == "stayed"
    assert change_verb(fmt, 0.090031, 0.090029, "present") == "stays"
    assert moved(fmt, 0.090031, 0.090029, "a", "a'").startswith("stayed at")
    assert _change(fmt, 0.090031, 0.090029).startswith("stays at")


def test_the_largest_slope_is_the_derivative_at_0():
    assert insights.largest_slope("sigmoid") == 0.25 and insights.largest_slope("tanh") == 1.0
