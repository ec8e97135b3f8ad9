"""The instructor's solution code: printed from the derivations as NumPy, and
(run here without a kernel) reproducing the key of every shipped assignment
and of variants."""

import numpy as np
import pytest
import sympy as sp

from derive.notebooks import format as nbf
from derive.notebooks.checks import setup_source
from derive.notebooks.solution import answer_code, numpy_code, part_code, setup
from derive.problem.assignment import SHIPPED
from tests.notebooks.notebooks import equal_to_key, instance


def test_the_printer_writes_numpy_as_a_person_does():
    z, a, y = sp.symbols("z a y")
    assert numpy_code(1 / (1 + sp.exp(-z))) == "1/(1 + np.exp(-z))"
    assert numpy_code((a - y) * sp.Heaviside(z, 0)) == "(a - y)*(z > 0)"
    assert numpy_code(sp.Max(z, 0)) == "np.maximum(z, 0)"


def test_the_code_comes_from_the_derivations():
    assignment, _ = instance("reference")
    code = part_code(assignment.parts[2])
    assert "    d2 = a2 - y   # δ2 = ∂ℓ/∂z2" in code
    assert '    d1 = (params["W2"] @ d2) * (z1 > 0)' in code   # ReLU's mask: 0 at the kink
    assert '"W1": np.outer(x, d1)' in code and "log_softmax" in code
    assert 'for name in ("W1", "W2"):' in code
    tanh = part_code(instance("tanh-mse")[0].parts[0])
    assert '    d1 = (params["W2"] @ d2) * (1 - a1**2)' in tanh and "a1 = np.tanh(z1)" in tanh
    deep = part_code(instance("sigmoid-softmax")[0].parts[0])
    assert '    d2 = (params["W3"] @ d3) * (a2*(1 - a2))' in deep
    logistic = part_code(instance("logistic")[0].parts[0])
    assert "np.logaddexp(0, -f[\"z1\"])" in logistic and "softmax" not in setup(
        instance("logistic")[0])


def run(assignment, key) -> dict:
    """The instructor's code cells run in order, here; the answers by question."""
    space: dict = {}
    exec(setup_source(3, setup(assignment)), space)
    names = nbf.variables(list(key["questions"]))
    for part in assignment.parts:
        if part.id in key["params"]:
            exec(nbf.data_source(key["params"][part.id]), space)
            exec(part_code(part), space)
        for q in part.questions:
            exec(answer_code(part, q, key["answers"][q.id], names[q.id]), space)
    exec(nbf.PLAIN_SOURCE, space)
    return {q: space["_handouts_plain"](space[v]) for q, v in names.items()}


@pytest.mark.parametrize("name", SHIPPED)
def test_the_solution_code_reproduces_the_keys(name):
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.settings import settings_of
    from derive.problem.config import Config
    assignment, key = instance(name)
    for k in [key] + generate_assignment_keys(assignment, 11, 8, settings_of(Config())):
        got = run(assignment, k)
        assert [q for q, v in k["answers"].items() if not equal_to_key(got[q], v)] == []
