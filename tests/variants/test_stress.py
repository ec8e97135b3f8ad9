"""The stress test's audit of accepted variants (derive.variants.audit): 0
for every degeneracy with the default constraints, and it sees each when the
constraints are off (so it checks the constraints rather than trusting them)."""

from dataclasses import replace

import pytest

from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment
from derive.variants.audit import DEGENERACIES, Audit
from derive.variants.richness import RICHNESS
from derive.variants.settings import parse_settings
from derive.variants.stress import stress_assignment

COUNT = 60


@pytest.fixture(scope="module")
def reference():
    return load_assignment("reference")


@pytest.fixture(scope="module")
def defaults(reference):
    return stress_assignment(reference, 4, COUNT, parse_settings({}), progress=False)


@pytest.fixture(scope="module")
def unconstrained(reference):
    s = parse_settings({"constraints": {r.name: False for r in RICHNESS}})
    return stress_assignment(reference, 4, COUNT, s, progress=False)


def test_no_degeneracy_with_the_defaults(defaults):
    assert defaults.audit.variants == COUNT == defaults.stats.accepted / 2   # two parts drawn
    assert set(defaults.audit.found) == set(DEGENERACIES)
    assert defaults.audit.rates() == dict.fromkeys(DEGENERACIES, 0.0)
    assert defaults.audit.unseen == {}


@pytest.mark.parametrize("name", ["tanh-mse", "sigmoid-softmax", "logistic"])
def test_no_degeneracy_in_the_other_shipped_assignments(name):
    r = stress_assignment(load_assignment(name), 2, 20, parse_settings({}), progress=False)
    assert r.audit.rates() == dict.fromkeys(DEGENERACIES, 0.0) and r.audit.unseen == {}


def test_the_audit_sees_every_degeneracy_without_the_constraints(unconstrained):
    rates = unconstrained.audit.rates()
    assert all(rate > 0 for rate in rates.values()), rates
    assert rates["zero_input"] > 0.3
    assert ("missing-relu-mask", "") in unconstrained.audit.unseen


def _key(reference, data):
    return build_assignment_keys(reference, [{"network": data}], ["t-0"], None)[0]


def test_the_audit_of_the_reference(reference):
    # the reference handout's data: every row of W² is (1, −1), so the units
    # that learn learn one direction; x = (4, 11), no ties, no kink
    audit = Audit()
    audit.add(reference, [_key(reference, reference.parts[2].given)])
    assert {name for name, n in audit.found.items() if n} == {"one_unit_learns"}


def test_a_variant_with_a_zero_input_and_a_dead_gradient(reference):
    net = reference.parts[2]
    audit = Audit()
    audit.add(reference, [_key(reference, replace(net.given, x=(0, 0)))])
    # no input: every hidden unit is off (z¹ = w₀¹ = −1), ∂ℓ/∂W¹ = 0
    for name in ("zero_input", "zero_gradient", "dead_or_live_layer", "mistake_unseen"):
        assert audit.found[name] == 1, name
    assert ("missing-relu-mask", "") in audit.unseen


def test_progress_on_request(reference, capsys):
    stress_assignment(reference, 2, 3, parse_settings({}), progress=True)
    err = capsys.readouterr().err
    assert "generate" in err and "audit" in err
