import pytest
import sympy as sp

from derive.calculus import softmax as sm
from derive.calculus.rules import Softmax
from derive.calculus.steps import Derivation, Step
from derive.calculus.steps import equal

DERIVATIONS = [sm.derive_softmax, sm.derive_softmax_jacobian, sm.derive_nllm,
               sm.derive_nllm_dz, sm.derive_softmax_layer_gradient]


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("derive", DERIVATIONS[:4])
def test_steps_hold_for_every_class_count(derive, n):
    assert sm.check_for(derive(), n) == []


@pytest.mark.parametrize("n,m", [(2, 1), (3, 2), (4, 3)])
def test_layer_gradient_holds_for_inputs_and_classes(n, m):
    assert sm.check_for(sm.derive_softmax_layer_gradient(), n, m) == []


def test_check_for_catches_a_wrong_result():
    d = sm.derive_nllm_dz()
    wrong = Derivation(d.name, d.lhs, d.steps[:-1] + (Step("wrong", sm.a[sm.j] + sm.y[sm.j]),),
                       d.definitions, d.assumptions, d.direct)
    assert sm.check_for(wrong, 3)


def test_jacobian_rule_matches_diff():
    z = sp.symbols("z1:5")
    a = Softmax().forward(z)
    J = Softmax.jacobian(a)
    for i in range(4):
        for j in range(4):
            assert equal(sp.diff(a[i], z[j]), J[i, j])


def test_stable_softmax_equals_textbook_softmax():
    z = sp.symbols("z1:4", real=True)
    plain, shifted = Softmax().forward(z), Softmax().forward(z, stable=True)
    point = {z[0]: sp.Rational(3, 7), z[1]: -2, z[2]: sp.Rational(5, 2)}
    for p, s in zip(plain, shifted):
        assert abs(sp.N(p.subs(point) - s.subs(point), 30)) < 1e-25
    log_sm = Softmax.log_forward(z)
    for p, s in zip(plain, log_sm):
        assert abs(sp.N(sp.log(p.subs(point)) - s.subs(point), 30)) < 1e-25


@pytest.mark.parametrize("derive,unfold", [
    (sm.derive_softmax, True),
    (sm.derive_softmax_jacobian, True),   # from e^(z_i) / Σ e^(z_k), against diff
    (sm.derive_nllm, True),
    (sm.derive_nllm_dz, False),           # from the Jacobian proved just above
    (sm.derive_softmax_layer_gradient, False),
])
def test_steps_hold_for_a_symbolic_number_of_classes(derive, unfold):
    assert sm.check_general(derive(), symbolic_softmax=unfold) == []


def test_general_check_catches_a_wrong_result():
    d = sm.derive_nllm_dz()
    wrong = Derivation(d.name, d.lhs, d.steps[:-1] + (Step("wrong", sm.a[sm.j] - 2 * sm.y[sm.j]),),
                       d.definitions, d.assumptions, d.direct)
    assert sm.check_general(wrong) == [len(d.steps) - 1]
