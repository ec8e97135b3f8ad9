"""The audit's breakdown of unseen mistakes (derive.variants.audit): each
(mistake, question) counts once per variant, as every degeneracy does, so
no rate passes 100 % however many parts show it."""

import tomllib
from pathlib import Path

from derive.problem.assignment import load_assignment
from derive.variants.settings import parse_settings
from derive.variants.stress import stress_assignment

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_mistake_unseen_in_several_parts_counts_once_per_variant():
    # four parts with a step, every constraint off: the saturated tanh part's
    # gradient is 0, so an ascent step shows in no answer of it, and often
    # in no answer of the others either
    settings = parse_settings(tomllib.loads((DATA / "extremes-config.toml").read_text())
                              ["variants"])
    audit = stress_assignment(load_assignment(str(DATA / "extremes.toml")), 3, 6, settings,
                              progress=False).audit
    assert audit.variants == 6
    assert audit.unseen[("ascent", "")] == 6
    assert max(audit.unseen.values()) <= audit.variants
    assert all(rate <= 1 for rate in audit.rates().values())
