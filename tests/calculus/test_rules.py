import numpy as np
import pytest
import sympy as sp

from derive.calculus import rules as R

z = sp.Symbol("z", real=True)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh"])
def test_local_derivative_matches_diff(name):
    act = R.ACTIVATIONS[name]
    a = act.f(z)
    assert sp.simplify(sp.diff(a.rewrite(sp.exp), z) - act.df(z, a).rewrite(sp.exp)) == 0


def test_relu_derivative_is_the_step_with_zero_at_the_kink():
    df = R.ACTIVATIONS["relu"].df(z, R.relu(z))
    for value, expected in [(-2, 0), (0, 0), (sp.Rational(1, 3), 1), (5, 1)]:
        assert df.subs(z, value) == expected
    # away from the kink, it is SymPy's derivative of max(z, 0)
    for value in (-3, -sp.Rational(1, 2), sp.Rational(1, 2), 4):
        assert sp.diff(sp.Max(z, 0), z).subs(z, value) == df.subs(z, value)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu"])
def test_stable_form_equals_textbook_form(name):
    act = R.ACTIVATIONS[name]
    for value in (-3, -sp.Rational(1, 7), sp.Rational(2, 5), 6):
        diff = (act.f(z) - act.f_stable(z)).rewrite(sp.exp).subs(z, value)
        assert abs(sp.N(diff, 30)) < 1e-25


@pytest.mark.parametrize("loss", ["nllm", "nll", "mse"])
def test_loss_gradient_matches_diff(loss):
    a = sp.symbols("a1:4", positive=True)
    y = sp.symbols("y1:4", real=True)
    rule = R.LOSSES[loss]
    L = rule.L(a, y)
    for aj, g in zip(a, rule.dL_da(a, y)):
        assert sp.simplify(sp.diff(L, aj) - g) == 0


@pytest.mark.parametrize("act,loss", sorted(R.FUSED_DELTA))
def test_fused_output_delta_equals_chain_rule(act, loss):
    n = 3
    zs = sp.symbols(f"z1:{n + 1}", real=True)
    y = sp.symbols(f"y1:{n + 1}", real=True)
    a = R.ACTIVATIONS[act].forward(zs)
    L = R.LOSSES[loss].L(a, y)
    one_hot = {y[-1]: 1 - sum(y[:-1])} if loss == "nllm" else {}
    for zj, fused in zip(zs, R.output_delta(act, loss, zs, a, y)):
        direct = sp.diff(L, zj).subs(one_hot)
        assert sp.simplify((direct - fused.subs(one_hot)).rewrite(sp.exp)) == 0


@pytest.mark.parametrize("act,loss", sorted(R.FUSED_DELTA))
def test_stable_loss_equals_loss(act, loss):
    zs = sp.symbols("z1:4", real=True)
    y = (0, 1, 0)
    a = R.ACTIVATIONS[act].forward(zs)
    point = {zs[0]: sp.Rational(1, 3), zs[1]: -2, zs[2]: sp.Rational(7, 4)}
    plain = R.LOSSES[loss].L(a, y).subs(point)
    stable = R.stable_loss(act, loss, zs, a, y).subs(point)
    assert abs(sp.N((plain - stable).rewrite(sp.exp), 30)) < 1e-25


def test_stable_forms_lambdify_without_overflow():
    zs = sp.symbols("z1:3", real=True)
    f = sp.lambdify(zs, [R.stable_loss("softmax", "nllm", zs, None, (1, 0)),
                         R.stable_loss("sigmoid", "nll", zs, None, (1, 0)),
                         R.ACTIVATIONS["sigmoid"].f_stable(zs[0])], "numpy")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = f(np.array([1e4, -1e4, 0.0]), np.array([-1e4, 1e4, 0.0]))
    assert all(np.all(np.isfinite(v)) for v in values)
