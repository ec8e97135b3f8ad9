"""Which mistakes :func:`part_wrong_answers` lists: only those whose answer is
not the key's own, the key's answer taken with the fˡ′ the key decided
exactly (a ReLU at its kink), a mistake's finite answer where the right
one overflows, and a mistake's answer close to the key's but not the same (a
millionth off, or 2e-10 off a gradient near zero) (mutation survivors of
derive/numerics/kind_mistakes.py)."""

from dataclasses import replace

import numpy as np

from derive.numerics import kind_mistakes as km
from derive.numerics.solve import solve_part
from derive.problem.assignment import PartData
from tests.grading.examples import EXAMPLES

NETWORK = EXAMPLES["reference"]().parts[2]
# z¹₁ = 0.1 + 0.2 − 0.3: 0 for the key (ReLU′ = 0), 5.6e-17 in float64 (ReLU′ = 1);
# δ² of the unnormalised softmax leaves W¹'s gradient as the key has it
KINK = PartData(W=(((0.1, 0, -1, 0), (0.2, 1, 0, -1)),) + NETWORK.given.W[1:],
                b=((-0.3, 0, -1, -1),) + NETWORK.given.b[1:], x=(1.0, 1.0),
                y=NETWORK.given.y, lr=NETWORK.given.lr)


def test_no_mistake_is_listed_with_the_keys_own_answer_at_a_relu_kink():
    solution = solve_part(NETWORK, KINK)
    key_q13 = {"grad": solution.grad("W1"), "new": solution.new["W1"]}
    # float64 alone puts unit 1 on: a W¹ gradient other than the key's
    assert not km._equal(km.part_answers(NETWORK, KINK)["q13"], key_q13)
    wrong = km.part_wrong_answers(NETWORK, KINK, solution.f_prime)
    assert "not-normalised" in wrong["q12"] and "not-normalised" not in wrong["q13"]
    assert wrong["q13"] and not any(km._equal(v, key_q13) for v in wrong["q13"].values())


def test_a_mistake_is_listed_where_the_right_step_overflows():
    # the right step takes W¹₁ = 1.5e308 past the largest float; the ascent's
    # (and the flipped sign's) step stays finite: a different answer, listed
    part = EXAMPLES["logistic"]().parts[0]
    data = PartData(W=(((1.5e308,), (-7.5e307,)),), b=((0.0,),), x=(1.0, 2.0), y=(1,), lr=1e308)
    assert "q9" not in km.part_answers(part, data)
    wrong = km.part_wrong_answers(part, data)["q9"]
    assert set(wrong) == {"sign-flipped", "ascent"}
    assert wrong["ascent"]["new"] == [[1e308], [-1.75e308]]
    assert np.isfinite(wrong["sign-flipped"]["new"]).all()


LOGISTIC = EXAMPLES["logistic"]().parts[0]


def _logistic(**changes) -> PartData:
    return replace(LOGISTIC.given, **changes)


def test_a_mistake_a_millionth_off_the_key_on_answers_near_one_is_listed():
    # lr = 1e-6: the ascent's W¹ and b¹ move 1.6e-6 from the key's (values ~1):
    # a relative difference of ~1e-6 is still another answer
    wrong = km.part_wrong_answers(LOGISTIC, _logistic(lr=1e-6))
    right = km.part_answers(LOGISTIC, _logistic(lr=1e-6))
    for q in ("q9", "q10"):
        ascent = np.asarray(wrong[q]["ascent"]["new"])
        assert 1e-6 < np.max(np.abs(ascent - right[q]["new"])) < 1e-5
    assert {"q9", "q10", "q11", "q12"} <= {q for q, codes in wrong.items() if "ascent" in codes}


def test_a_mistake_on_gradients_near_zero_is_listed():
    # x ~ 1e-10: ∂L/∂W¹ ~ 1e-10; its flipped sign is 2e-10 away, another answer
    data = _logistic(x=(1e-10, 2e-10))
    right = km.part_answers(LOGISTIC, data)["q7"]
    assert 1e-11 < np.max(np.abs(right)) < 1e-9
    wrong = km.part_wrong_answers(LOGISTIC, data)["q7"]
    assert wrong["sign-flipped"] == (-np.asarray(right)).tolist()
