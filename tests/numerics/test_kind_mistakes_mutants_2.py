"""``forward_with``'s pass keeps z (an after-step question may ask for z²
with the student's own weights), and ``describe`` puts the sentences of
several mistakes one space apart (mutation survivors of
derive/numerics/kind_mistakes.py)."""

import numpy as np

from derive.numerics import kind_mistakes as km
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from tests.grading.examples import EXAMPLES


def test_the_forward_pass_with_replaced_weights_has_their_z():
    p = EXAMPLES["tanh-mse"]().parts[0]
    g = p.given
    W2 = np.asarray(g.W[1], float) * 2
    run = km.forward_with(p, g, {"W2": W2})
    z1 = np.asarray(g.W[0], float).T @ np.asarray(g.x, float) + g.b[0]
    a1 = np.tanh(z1)
    np.testing.assert_allclose(km._value(run, "z1"), z1)
    np.testing.assert_allclose(km._value(run, "z2"), W2.T @ a1 + g.b[1])
    np.testing.assert_allclose(km._value(run, "output"), W2.T @ a1 + g.b[1])


def test_the_sentences_of_several_mistakes_are_one_space_apart():
    codes = ["sign-flipped", "transposed"]
    sentences = [MISTAKE_KINDS[c].text for c in codes]
    assert km.describe(codes) == f"{sentences[0]} {sentences[1]}"
    assert km.describe(codes[:1]) == sentences[0]
