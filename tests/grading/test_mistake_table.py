"""prepare_kind's mistake sheets from the batched table are the sheets made
variant by variant (km.part_answers of each), in order, bit for bit."""

import json
from dataclasses import replace

import numpy as np
import pytest

from derive.grading import mistake_table
from derive.grading.by_kind import prepare_kind
from derive.grading.rules import Rules
from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment
from derive.variants.instances import generate_instances
from derive.variants.settings import parse_settings, variant_id


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if not isinstance(a, np.ndarray):
        return a == b   # a formula's wrong answer: the same SymPy expression
    return isinstance(b, np.ndarray) and a.shape == b.shape and a.tobytes() == b.tobytes()


def _sheets(keys, monkeypatch=None):
    return [(v.sheets, v.affects) for v in prepare_kind(keys, Rules())]


def _one_by_one(keys, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(mistake_table.mb, "answer_columns", lambda *a, **k: None)
        return _sheets(keys)


def _check(batched, single):
    assert len(batched) == len(single)
    for (sheets, affects), (sheets_1, affects_1) in zip(batched, single):
        assert affects == affects_1
        assert [m for m, _ in sheets] == [m for m, _ in sheets_1]
        for (_, sheet), (_, sheet_1) in zip(sheets, sheets_1):
            assert list(sheet) == list(sheet_1)
            assert all(_same(sheet[q], sheet_1[q]) for q in sheet)


def _keys(name: str, count: int, seed: int = 3):
    a = load_assignment(name)
    instances = generate_instances(a, seed, count, parse_settings({}))
    return json.loads(json.dumps(build_assignment_keys(
        a, instances, [variant_id(seed, k, count) for k in range(count)], seed)))


@pytest.mark.parametrize("name", ["reference", "tanh-mse", "sigmoid-softmax", "logistic"])
def test_batched_sheets_are_the_sheets_of_each_variant(name, monkeypatch):
    keys = _keys(name, 6)
    _check(_sheets(keys), _one_by_one(keys, monkeypatch))


def test_one_variant_and_an_overflowing_one(monkeypatch):
    """A variant whose step overflows makes its group's batch give up: every
    member is then made one by one, the same sheets."""
    a = load_assignment("reference")
    part = a.parts[2]
    big = replace(part.given, x=(400.0, 500.0))
    keys = json.loads(json.dumps(build_assignment_keys(a, [{}, {part.id: big}], ["a", "b"])))
    _check(_sheets(keys), _one_by_one(keys, monkeypatch))
    _check(_sheets(keys[:1]), _one_by_one(keys[:1], monkeypatch))


def test_differ_is_differs_for_each_instance():
    rng = np.random.default_rng(0)
    value = rng.normal(size=(3, 2, 5))
    expected = [value[..., i].copy() for i in range(5)]
    expected[1] = expected[1] * (1 + 1e-14)    # float noise: no difference
    expected[2] = expected[2] + 1e-3           # a difference
    expected[4] = expected[4].T                # another shape
    got = mistake_table._differ(value, expected, 5)
    want = [mistake_table.differs(value[..., i], e) for i, e in enumerate(expected)]
    assert got.tolist() == want == [False, False, True, False, True]
