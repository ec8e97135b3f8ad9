"""The symbolic kinds: every derivation proven step by step by SymPy, every
answer parsed back with sympify and compared with sympy.diff of the definition."""

import pytest
import sympy as sp

from derive.calculus import activations as act
from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.calculus.catalogue import (derivations, gradient_formula,
                                       output_gradient, symbolic_answer)
from derive.calculus.steps import check
from derive.problem.assignment import Part, Question, load_assignment
from derive.problem.catalogue import FORMULA_KINDS
from derive.problem.spec import Layer, Network
from tests.numerics.plain_network import HIDDEN, PAIRS

z = sp.Symbol("z", real=True)
ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu"]


# the reference's derivations, reused; tests/calculus/test_sigmoid.py and
# test_softmax.py prove them
REUSED = (sig.derive_sigmoid, sig.derive_sigmoid_prime, sig.derive_nll_gradient,
          sm.derive_softmax, sm.derive_softmax_jacobian, sm.derive_nllm, sm.derive_nllm_dz,
          sm.derive_softmax_layer_gradient)


def _sound(d) -> bool:
    """check(), or softmax's own check for 2 classes when the derivation is
    written with indexed quantities; a reused derivation is proven elsewhere."""
    if any(d is r() for r in REUSED):
        return True
    indexed = any(isinstance(e, sp.Indexed) for s in d.steps for e in sp.preorder_traversal(s.expr))
    return not (sm.check_for(d, 2, 1) if indexed else check(d))


def _q(kind, **options):
    return Question("q", kind, 1, tuple(options.items()))


def _part(net=None):
    return Part("p", "p", (), net)


def _answer(kind, net=None, **options):
    return symbolic_answer(_part(net), _q(kind, **options))


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_activation_definitions(name):
    (d,) = derivations(_part(), _q("activation", activation=name))
    assert _sound(d) and len(d.steps) >= 1
    ans = _answer("activation", activation=name)
    assert ans["latex"]
    if name == "softmax":
        assert set(ans) == {"latex"} and ans["latex"].startswith("a_{j} = ")
        return
    value = sp.sympify(ans["sympy"], locals={"z": z})
    for v in (-3.5, -0.25, 0.0, 0.75, 4.0):
        assert float(value.subs(z, v)) == pytest.approx(float(act.FUNCTION[name].subs(z, v)),
                                                        rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivatives_in_terms_of_themselves_equal_sympy_s_diff(name):
    (d,) = derivations(_part(), _q("activation-derivative", activation=name))
    assert _sound(d) and d.direct is not None
    ans = _answer("activation-derivative", activation=name)
    value = sp.sympify(ans["sympy"], locals={"z": z})
    # ReLU′ differs from SymPy's Heaviside(z) (½ at 0) only at the kink, where it is 0
    diff = sp.diff(act.FUNCTION[name], z)
    for v in (-3.5, -0.25, 0.75, 4.0):
        assert float(value.subs(z, v)) == pytest.approx(float(diff.subs(z, v)), rel=1e-13)
    if name == "relu":
        assert value.subs(z, 0) == 0
    # in terms of itself: the last step is f′ written with f
    expected = {"identity": "1", "sigmoid": r"\sigma(z) (1 - \sigma(z))",
                "tanh": r"1 - \tanh(z)^{2}", "relu": r"\mathbf{1}[z > 0]"}[name]
    assert ans["latex"] == expected


def test_tanh_derivative_shows_its_steps():
    d = act.derivative("tanh")
    assert len(d.steps) == 3 and d.result == 1 - sp.tanh(z) ** 2
    # a wrong step is caught
    broken = type(d)(d.name, d.lhs, d.steps[:2] + (type(d.steps[0])("wrong", 1 + sp.tanh(z) ** 2),),
                     d.definitions, d.assumptions, d.direct)
    assert check(broken) == [2]


def test_softmax_jacobian():
    (d,) = derivations(_part(), _q("softmax-jacobian"))
    assert _sound(d)
    assert _answer("softmax-jacobian") == {
        "latex": r"\frac{\partial a_i}{\partial z_j} = a_{i} (\delta_{ij} - a_{j})"}


@pytest.mark.parametrize("loss,units", [("nllm", 3), ("nll", 1), ("nll", 2), ("mse", 1), ("mse", 3)])
def test_loss_definitions(loss, units):
    out = {"nllm": "softmax", "nll": "sigmoid", "mse": "identity"}[loss]
    net = Network(2, (Layer(units, out),), loss)
    (d,) = derivations(_part(net), _q("loss", loss=loss))
    assert _sound(d)
    ans = _answer("loss", net, loss=loss)
    assert set(ans) == {"latex"} and " = " in ans["latex"]
    # the printed definition, evaluated, is the loss of derive.calculus.rules
    from derive.calculus.rules import LOSSES
    a_vals, y_vals = [0.2, 0.7, 0.1][:units], [0, 1, 0][:units]
    expr = d.steps[0].expr
    n_ = sp.Symbol("n", integer=True, positive=True)
    sub = {sm.a[q + 1]: a_vals[q] for q in range(units)}
    sub.update({sm.y[q + 1]: y_vals[q] for q in range(units)})
    if units == 1 and loss == "nll":
        value = expr.subs({sp.Symbol("a", real=True): a_vals[0], sp.Symbol("y", real=True): y_vals[0]})
    else:
        value = expr.subs(n_, units).doit().subs(sub)
    assert float(value) == pytest.approx(float(LOSSES[loss].L(a_vals, y_vals)), rel=1e-14)


@pytest.mark.parametrize("out,loss,units", [(o, l, u) for o, l in PAIRS for u in (1, 3)
                                             if (o, u) != ("softmax", 1)])
def test_output_gradient_equals_the_derivative_of_the_loss(out, loss, units):
    net = Network(2, (Layer(4, "tanh"), Layer(units, out)), loss)
    (d,) = derivations(_part(net), _q("output-gradient"))
    assert d is output_gradient(out, loss, units == 1) and _sound(d)
    ans = _answer("output-gradient", net)
    j = "" if units == 1 else "_j"
    a, y, zj = (sp.Symbol(f"{s}{j}", real=True) for s in "ayz")
    value = sp.sympify(ans["sympy"], locals={s.name: s for s in (a, y, zj)})
    expected = {("softmax", "nllm"): a - y, ("sigmoid", "nll"): a - y, ("identity", "mse"): a - y,
                ("sigmoid", "mse"): (a - y) * a * (1 - a), ("tanh", "mse"): (a - y) * (1 - a ** 2),
                ("relu", "mse"): (a - y) * sp.Heaviside(zj, 0)}[(out, loss)]
    assert sp.simplify(value - expected) == 0
    if out == "softmax":
        return
    # with a = f(z), it is sympy.diff of the loss term in z (away from ReLU's kink)
    f = act.FUNCTION[out].subs(z, zj)
    term = {"mse": (f - y) ** 2 / 2, "nll": -(y * sp.log(f) + (1 - y) * sp.log(1 - f))}[loss]
    diff = sp.diff(term, zj)
    for zv, yv in ((-1.5, 0), (0.3, 1), (2.0, 0.25)):
        if loss == "nll" and yv not in (0, 1):
            continue
        at = {zj: zv, y: yv}
        assert float(value.subs(a, f).subs(at)) == pytest.approx(float(diff.subs(at)), rel=1e-12)


NETS = [Network(2, (Layer(1, "sigmoid"),), "nll"), Network(2, (Layer(3, "softmax"),), "nllm"),
        *[Network(3, (Layer(4, h), Layer(2, o)), l) for h, (o, l) in zip(HIDDEN * 2, PAIRS)],
        Network(2, (Layer(3, "relu"), Layer(3, "tanh"), Layer(1, "sigmoid")), "nll"),
        Network(2, (Layer(3, "relu"), Layer(2, "relu"), Layer(2, "sigmoid"), Layer(1, "tanh")), "mse")]


@pytest.mark.parametrize("net", NETS, ids=lambda n: "-".join(f"{l.size}{l.activation}" for l in n.layers) + n.loss)
def test_gradient_formula_of_the_output_weights(net):
    L = len(net.layers)
    ds = gradient_formula(net, f"W{L}")
    assert all(_sound(d) for d in ds)
    ans = _answer("gradient-formula", net, param=f"W{L}")
    one = net.layers[-1].size == 1
    j = "" if one else "_j"
    a, y, zj = (sp.Symbol(f"{s}{j}", real=True) for s in "ayz")
    h = sp.Symbol("x_k" if L == 1 else f"a{L - 1}_k", real=True)
    value = sp.sympify(ans["sympy"], locals={s.name: s for s in (a, y, zj, h)})
    delta = sp.sympify(_answer("output-gradient", net)["sympy"],
                       locals={s.name: s for s in (a, y, zj)})
    assert sp.simplify(value - h * delta) == 0    # ∂ℓ/∂w_kj = aᴸ⁻¹ₖ δⱼ
    if L > 1:
        assert f"a^{{{L - 1}}}_{{k}}" in ans["latex"]


def test_numeric_kinds_have_no_derivation():
    assert derivations(_part(NETS[0]), _q("gradient", param="W1")) == []


def test_symbolic_answers_of_the_shipped_assignments_parse():
    for name in ("reference", "tanh-mse", "sigmoid-softmax", "logistic"):
        for p, q in load_assignment(name).questions():
            if q.kind in FORMULA_KINDS:
                ans = symbolic_answer(p, q)
                assert ans["latex"]
                if "sympy" in ans:
                    assert isinstance(sp.sympify(ans["sympy"]), sp.Basic)
                assert all(_sound(d) for d in derivations(p, q))


def test_answers_are_cached_per_network_not_per_instance():
    net = Network(2, (Layer(3, "relu"), Layer(2, "identity")), "mse")
    from derive.calculus import catalogue
    catalogue._answer.cache_clear()
    a1 = _answer("gradient-formula", net, param="W2")
    a2 = symbolic_answer(Part("other", "t", (), net), _q("gradient-formula", param="W2"))
    # the second part, another instance of the same network, is answered from the cache
    assert a1 == a2 and catalogue._answer.cache_info().hits == 1
