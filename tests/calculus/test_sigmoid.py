import pytest
import sympy as sp

from derive.calculus import sigmoid as sig
from derive.calculus.rules import sigmoid
from derive.calculus.steps import Derivation, Step, check, equal


@pytest.mark.parametrize("derive", [sig.derive_sigmoid, sig.derive_sigmoid_prime,
                                    sig.derive_nll_gradient])
def test_every_step_equals_the_one_before(derive):
    d = derive()
    assert len(d.steps) >= 2
    assert check(d) == []


def test_sigmoid_prime_is_sigma_times_one_minus_sigma():
    z = sig.z
    exp_form = 1 / (1 + sp.exp(-z))
    assert equal(sp.diff(exp_form, z), (exp_form * (1 - exp_form)))
    assert sig.derive_sigmoid_prime().result.doit() == sigmoid(z) * (1 - sigmoid(z))


def test_nll_gradient_is_a_minus_y_times_x():
    assert sig.derive_nll_gradient().result.doit() == (sig.a - sig.y) * sig.x_k


@pytest.mark.parametrize("m", [1, 2, 4])
def test_nll_gradient_vector_by_direct_differentiation(m):
    _, direct, formula = sig.nll_gradient_vector(m)
    for d, f in zip(direct, formula):
        assert equal(d, f)


def test_check_catches_a_wrong_step():
    d = sig.derive_sigmoid_prime()
    wrong = Derivation(d.name, d.lhs, d.steps[:-1] + (Step("wrong", sigmoid(sig.z) ** 2),),
                       d.definitions, direct=d.direct)
    assert check(wrong) == [len(d.steps) - 1]


def test_check_catches_a_wrong_first_step():
    d = sig.derive_nll_gradient()
    wrong = Derivation(d.name, d.lhs, d.steps, d.definitions,
                       direct=sp.diff(sig.nll(sig.a, sig.y), sig.a))
    assert 0 in check(wrong)
