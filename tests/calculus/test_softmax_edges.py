"""NLLM on explicit sequences: −Σⱼ yⱼ ln aⱼ, every class counted once."""

import pytest
import sympy as sp

from derive.calculus import softmax as sm
from derive.calculus.steps import Derivation, Step


def test_nllm_is_minus_the_sum_of_each_target_times_the_log_of_its_output():
    a, y = sp.symbols("a1:4"), sp.symbols("y1:4")
    assert sm.nllm(a, y) == -(y[0] * sp.log(a[0]) + y[1] * sp.log(a[1]) + y[2] * sp.log(a[2]))
    # a one-hot target picks its class's −ln a
    assert sm.nllm([sp.Rational(1, 4), sp.Rational(3, 4)], [0, 1]) == -sp.log(sp.Rational(3, 4))


# check_for on derivations wrong for some indices only: it must try every
# class j, i in 1..n and input k in 1..m the steps use, and no other
b = sp.IndexedBase("b")
L = sp.Symbol("L")   # the left-hand side need not name the indices
WRONG_BUT_FOR_J1 = Derivation("t", L, (Step("", b[sm.j]), Step("wrong", b[1])))
WRONG_BUT_FOR_K1 = Derivation("t", L, (Step("", b[sm.k]), Step("wrong", b[1])))
WRONG_BUT_FOR_K2 = Derivation("t", L, (Step("", b[sm.k]), Step("wrong", b[2])))


def test_check_for_tries_every_class_the_steps_use():
    assert sm.check_for(WRONG_BUT_FOR_J1, 3) == [(2, 1, 1, [1]), (3, 1, 1, [1])]
    # no input index in the steps: m adds nothing
    assert sm.check_for(WRONG_BUT_FOR_J1, 3, 2) == [(2, 1, 1, [1]), (3, 1, 1, [1])]


def test_check_for_tries_every_input_the_steps_use():
    assert sm.check_for(WRONG_BUT_FOR_K1, 2) == []          # one input by default
    assert sm.check_for(WRONG_BUT_FOR_K1, 2, 2) == [(1, 1, 2, [1])]
    assert sm.check_for(WRONG_BUT_FOR_K2, 2, 2) == [(1, 1, 1, [1])]


def test_check_for_compares_the_first_step_with_the_direct_computation():
    d = sm.derive_softmax_jacobian()
    wrong = Derivation(d.name, d.lhs, d.steps, d.definitions, d.assumptions,
                       direct=sp.Derivative(sm.softmax_of(sm.j), sm.z[sm.j]))
    assert sm.check_for(wrong, 2) == [(1, 2, 1, [0]), (2, 1, 1, [0])]


@pytest.mark.parametrize("index, top", [(sm.i, sm.n), (sm.j, sm.n), (sm.c, sm.n), (sm.k, sm.m)])
def test_the_general_form_takes_each_free_index_to_be_in_range(index, top):
    # Σₜ δₜᵢ yₜ over 1..n evaluates to yᵢ only where i ≤ n: a class (or an
    # input, up to m) always is, so the general form is yᵢ, not 0 or a Piecewise
    t = sp.Dummy("t", integer=True, positive=True)
    expr = sp.Sum(sp.KroneckerDelta(t, index) * sm.y[t], (t, 1, top))
    assert isinstance(expr.doit(), sp.Piecewise)
    assert sm._general_form(expr, {}) == sm.y[index]


# check_general on small derivations whose steps are wrong in one known place
FIRST = b[sm.j] * sm.n   # any expression of the free class j and the class count n


def test_check_general_names_each_step_that_does_not_follow_the_one_before():
    right = Step("", FIRST)
    assert sm.check_general(Derivation("t", L, (right, Step("same", sm.n * b[sm.j])))) == []
    assert sm.check_general(Derivation("t", L, (right, Step("wrong", FIRST + 1)))) == [1]
    assert sm.check_general(Derivation("t", L, (right, Step("same", FIRST), Step("wrong", b[sm.j])))) == [2]


def test_check_general_compares_the_first_step_with_the_direct_computation():
    steps = (Step("", FIRST), Step("wrong", FIRST + 1))
    # first step as computed directly, the second wrong: only step 1 is named
    assert sm.check_general(Derivation("t", L, steps, direct=FIRST), symbolic_softmax=True) == [1]
    # a first step that differs from the direct computation is named 0
    assert sm.check_general(Derivation("t", L, steps[:1], direct=FIRST - 1), symbolic_softmax=True) == [0]
    # the direct computation counts only when the softmax is unfolded
    assert sm.check_general(Derivation("t", L, steps[:1], direct=FIRST - 1)) == []
