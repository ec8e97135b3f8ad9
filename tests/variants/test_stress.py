"""The stress test's audit of accepted variants: 0 for every degeneracy
with the default constraints, and it sees them when the constraints are off
(so it checks the constraints rather than trusting them)."""

import pytest

from derive.variants.constraints import CONSTRAINTS
from derive.numerics.key import build_key
from derive.problem.spec import parse_params
from derive.variants.stress import DEGENERACIES, Audit, stress
from derive.variants.settings import parse_settings

COUNT = 300


@pytest.fixture(scope="module")
def defaults():
    return stress(4, COUNT, parse_settings({}), progress=False)


@pytest.fixture(scope="module")
def unconstrained():
    s = parse_settings({"constraints": {c.name: False for c in CONSTRAINTS
                                        if c.name != "unique"}})
    return stress(4, COUNT, s, progress=False)


def test_no_degeneracy_with_the_defaults(defaults):
    assert defaults.audit.variants == COUNT == defaults.stats.accepted
    assert set(defaults.audit.found) == set(DEGENERACIES)
    assert defaults.audit.rates() == dict.fromkeys(DEGENERACIES, 0.0)
    assert defaults.audit.unseen == {}


def test_the_audit_sees_every_degeneracy_without_the_constraints(unconstrained):
    rates = unconstrained.audit.rates()
    assert all(rate > 0 for rate in rates.values()), rates
    assert rates["zero_input"] > 0.3 and rates["W1_unchanged"] > 0.1
    assert unconstrained.audit.unseen


def test_the_audit_of_the_reference():
    # the reference: two active units with the same W2 row, so one direction learns;
    # x = (4, 11) and the probabilities have no ties
    audit = Audit()
    audit.add([build_key()])
    found = {name for name, n in audit.found.items() if n}
    assert "one_unit_learns" in found and "zero_input" not in found
    assert "tied_probabilities" not in found and "twin_units" not in found


def test_a_variant_with_a_zero_input_and_a_dead_gradient():
    p = build_key()["params"]
    p["network"]["x"] = [0, 0]   # no input: dL/dW1 = 0, every unit dead or stuck
    audit = Audit()
    audit.add([build_key(parse_params(p))])
    assert audit.found["zero_input"] == audit.found["W1_unchanged"] == 1
    assert audit.found["mistake_unseen"] == 1
    assert ("missing-relu-mask", "q13") in audit.unseen
    # ... and every mistake's q13 gradient is zero: no work shown
    assert audit.found["mistake_blank"] == 1


def test_progress_on_request(capsys):
    stress(2, 3, parse_settings({}), progress=True)
    err = capsys.readouterr().err
    assert "generate" in err and "audit" in err
