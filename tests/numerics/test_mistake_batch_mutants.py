"""answer_columns on what the shipped examples do not ask: a sigmoid output
with squared error (its missing derivative), three layers, z values, the loss
of an unnormalised softmax (and its −0), a step of some biases and one weight
matrix, a loss question without an example, an overflowing step, a part with
a network but no data (mutation survivors of derive/numerics/mistake_batch.py)."""

import warnings
from dataclasses import replace

import numpy as np

from derive.numerics import kind_mistakes as km
from derive.numerics import mistake_batch as mb
from derive.problem.assignment import Part, Question
from derive.problem.spec import Layer, Network, NllmExample
from tests.grading.examples import EXAMPLES
from tests.numerics import plain_network as plain
from tests.numerics.test_mistake_batch import _check


EXAMPLE = NllmExample(a=(0.25, 0.5, 0.25), y=(0.0, 1.0, 0.0))


def _q(qid, kind, **options) -> Question:
    return Question(qid, kind, 1, tuple(options.items()))


# sigmoid output, squared error, three layers of different sizes; the step
# updates b¹, W² and b³ only (W¹ and W³ kept)
SIGMOID_MSE = Part("p", "p", (
    _q("z1", "forward", value="z1"), _q("a2", "forward", value="a2"),
    _q("out", "forward", value="output"), _q("loss", "forward", value="loss"),
    _q("gW3", "gradient", param="W3"), _q("gb2", "gradient", param="b2"),
    _q("sb1", "gradient-step", param="b1"), _q("sW2", "gradient-step", param="W2"),
    _q("sb3", "step", param="b3"),
    _q("z3after", "after-step", value="z3"), _q("after", "after-step", value="loss")),
    Network(2, (Layer(3, "tanh"), Layer(4, "relu"), Layer(2, "sigmoid")), "mse"))

# softmax output: the loss of the unnormalised softmax, before and after the step
SOFTMAX = Part("p", "p", (
    _q("loss", "forward", value="loss"), _q("z2", "forward", value="z2"),
    _q("sW1", "gradient-step", param="W1"), _q("after", "after-step", value="loss")),
    Network(2, (Layer(3, "tanh"), Layer(3, "softmax")), "nllm"))


def _datas(part, seed, count=4):
    rng = np.random.default_rng(seed)
    return plain.to_datas(*plain.random_instances(part.network, rng, count))


def _each_mistake(part, datas):
    for codes in [()] + [(c,) for c in km.applicable(part)]:
        _check(part, datas, codes)


def test_each_mistake_of_a_sigmoid_output_with_squared_error_as_part_answers():
    # the output's missing derivative, δ³ → δ¹ through three layers, z¹ and
    # z³ after the step, a step that keeps W¹ and W³
    assert "missing-sigmoid-derivative" in km.applicable(SIGMOID_MSE)
    _each_mistake(SIGMOID_MSE, _datas(SIGMOID_MSE, 1))


def test_the_loss_of_an_unnormalised_softmax_before_and_after_the_step_as_part_answers():
    assert "not-normalised" in km.applicable(SOFTMAX)
    _each_mistake(SOFTMAX, _datas(SOFTMAX, 2))


def test_the_unnormalised_softmax_loss_at_a_true_class_z_of_0_is_0_not_minus_0():
    # −Σ y zᴸ with zᴸ = 0 (x = 0, b = 0) is −0.0 before the key's "+ 0.0"
    data = _datas(SOFTMAX, 3, 1)[0]
    zero = replace(data, x=(0.0, 0.0), b=((0.0,) * 3, (0.0,) * 3), y=(0.0, 1.0, 0.0))
    loss, ok = mb.answer_columns(SOFTMAX, [data, zero], ("not-normalised",))["loss"]
    assert ok.all() and loss[1] == 0 and not np.signbit(loss[1])
    _check(SOFTMAX, [data, zero], ("not-normalised",))


def test_a_loss_question_without_an_example_has_no_column():
    part = replace(SOFTMAX, questions=SOFTMAX.questions + (
        _q("ex", "loss", loss="nllm", example=EXAMPLE), _q("l", "loss", loss="nllm")))
    columns = mb.answer_columns(part, _datas(part, 4, 2))
    assert "ex" in columns and "l" not in columns


def test_a_part_with_a_network_but_no_data_nor_numeric_question_has_no_columns():
    # (the reference's sigmoid unit: formulas only; the batch need not give up)
    unit = EXAMPLES["reference"]().parts[0]
    assert unit.network is not None and unit.given is None
    assert mb.answer_columns(unit, [None, None]) == {}


def test_a_pass_that_overflows_gives_up_without_a_numpy_warning():
    # the unnormalised softmax: e^{z²} = e^708 is finite but a¹ e^{z²} overflows
    # (x = (300, 410)); e^898 is inf and 0 · inf is NaN (x = (400, 500)); the
    # step's pass after it overflows: the batch gives up quietly (NumPy's
    # default error state warns of both)
    part = EXAMPLES["reference"]().parts[2]
    big = [replace(part.given, x=x) for x in ((300.0, 410.0), (400.0, 500.0))]
    with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mb.answer_columns(part, [part.given, *big], ("not-normalised",)) is None
