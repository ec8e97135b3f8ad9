"""The exports' distractors (derive.variants.items.mistaken_answers) are the
mistakes' answers with a ReLU's derivative decided as the key decides it."""

import numpy as np

from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_keys
from derive.numerics.solve import solve_part
from derive.variants.items import mistaken_answers
from tests.grading.examples import EXAMPLES, RELU_TIE as TIE



def test_a_distractor_at_a_relu_tie_is_the_mistake_with_the_unit_off():
    assignment = EXAMPLES["reference"]()
    net = assignment.parts[2]
    [key] = build_assignment_keys(assignment, [{net.id: TIE}], ["t"])
    part = assignment.with_given({net.id: TIE}).parts[2]
    decided = km.part_answers(part, TIE, ("transposed",), f_prime=solve_part(part).f_prime)
    floats = km.part_answers(part, TIE, ("transposed",))
    # q13, a gradient step: the tie decides the gradient shown
    assert not np.allclose(decided["q13"]["grad"], floats["q13"]["grad"])
    shown = dict(mistaken_answers(assignment, key)["q13"])["transposed"]
    assert {k: np.asarray(v).tolist() for k, v in shown.items()} == \
        {k: np.asarray(v).tolist() for k, v in decided["q13"].items()}
