"""answer_columns where a student's class is not the asked one only with the
wrong-class mistake, and on a part that asks after a step it does not take
(validation refuses such a part; the batch still answers as part_answers:
nothing after the step) — mutation survivors of _column in
derive/numerics/mistake_batch.py."""

import numpy as np

from derive.numerics import mistake_batch as mb
from derive.problem.assignment import Part
from derive.problem.spec import Layer, Network
from tests.grading.examples import EXAMPLES
from tests.numerics.test_mistake_batch import _check
from tests.numerics.test_mistake_batch_mutants import _datas, _q


def test_another_class_is_read_only_with_the_wrong_class_mistake():
    # the reference's softmax layer: q7 asks P(class 3), q9 the same after the step
    part = EXAMPLES["reference"]().parts[1]
    true = mb.answer_columns(part, [part.given])["q7"][0]
    asked = mb.answer_columns(part, [part.given], (), other=1)["q7"][0]
    wrong = mb.answer_columns(part, [part.given], ("wrong-class",), other=1)["q7"][0]
    assert np.array_equal(asked, true) and not np.array_equal(wrong, true)
    _check(part, [part.given], (), other=1)


def test_a_part_asking_after_a_step_it_does_not_take_has_nothing_after_it():
    part = Part("p", "p", (
        _q("out", "forward", value="output"), _q("after", "after-step", value="output"),
        _q("p1", "probability", **{"class": 1, "after": True})),
        Network(2, (Layer(3, "softmax"),), "nllm"))
    assert part.step_params == ()
    datas = _datas(part, 5, 2)
    assert list(mb.answer_columns(part, datas)) == ["out"]
    _check(part, datas, ())
