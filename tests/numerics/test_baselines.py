"""nothing_done_all is nothing_done of each key, bit for bit, whether exact
arithmetic decides a key's data or not."""

import json
from dataclasses import replace

import numpy as np
import pytest

from derive.numerics.baselines import nothing_done_all
from derive.numerics.key import build_assignment_keys, nothing_done
from derive.problem.assignment import load_assignment
from derive.variants.instances import generate_instances
from derive.variants.settings import parse_settings


def _same(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(
        np.asarray(a[k], float).tobytes() == np.asarray(b[k], float).tobytes() for k in a)


@pytest.mark.parametrize("name", ["reference", "tanh-mse", "sigmoid-softmax", "logistic"])
def test_the_baselines_of_many_keys_are_each_keys(name):
    a = load_assignment(name)
    instances = generate_instances(a, 5, 5, parse_settings({}))
    keys = json.loads(json.dumps(build_assignment_keys(a, instances, list("abcde"), 5)))
    got = nothing_done_all(keys)
    assert len(got) == 5 and any(got)
    for key, baseline in zip(keys, got):
        assert _same(baseline, nothing_done(key))


def test_keys_of_more_decimal_places_among_the_others():
    """A key with 6 decimal places among keys of 1 (exact arithmetic at
    another scale for the whole batch): each gets what it gets alone."""
    a = load_assignment("reference")
    part = next(p for p in a.parts if p.given is not None and len(p.network.layers) > 1)
    long = replace(part.given, x=tuple(round(v + 0.333333, 6) for v in part.given.x))
    keys = json.loads(json.dumps(build_assignment_keys(
        a, [{}, {part.id: long}, {}], ["a", "b", "c"])))
    got = nothing_done_all(keys)
    for key, baseline in zip(keys, got):
        assert _same(baseline, nothing_done(key))
    assert got[0] and not _same(got[0], got[1])
