"""The [variants.constraints] table: each richness constraint switched on or
off or given a setting; a bad setting names its field. (What the constraints
guarantee of every variant: test_instances.py and test_richness.py.)"""

import pytest

from derive.problem.spec import InputError
from derive.variants.constraints import parse_constraints


@pytest.mark.parametrize("data,field", [
    ({"kink_margin": -1}, "variants.constraints.kink_margin"),
    ({"kink_margin": float("nan")}, "variants.constraints.kink_margin"),
    ({"kink_margin": float("inf")}, "variants.constraints.kink_margin"),
    ({"kink_margin": "wide"}, "variants.constraints.kink_margin"),
    ({"probabilities": [0.9, 0.1]}, "variants.constraints.probabilities"),
    ({"probabilities": 0.5}, "variants.constraints.probabilities"),
    ({"distinct_from_mistakes": 0}, "variants.constraints.distinct_from_mistakes"),
    ({"distinct_from_mistakes": float("nan")}, "variants.constraints.distinct_from_mistakes"),
    ({"no_ties": 3}, "variants.constraints.no_ties"),
    ({"nice": True}, "variants.constraints.nice"),
])
def test_bad_constraint_settings(data, field):
    with pytest.raises(InputError) as e:
        parse_constraints(data)
    assert e.value.field == field


def test_switches():
    c = parse_constraints({"kink_margin": False, "probabilities": [0.05, 0.95],
                           "loss_decreases": True, "no_ties": False})
    assert "kink_margin" not in c and "no_ties" not in c and c["probabilities"] == (0.05, 0.95)
    assert c["loss_decreases"] is True and c["distinct_from_mistakes"] == 10.0
