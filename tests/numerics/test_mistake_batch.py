"""answer_columns is part_answers over a batch: the same answers, bit for bit,
for every mistake set of every shipped part, on random instances."""

from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest

from derive.numerics import kind_mistakes as km
from derive.numerics import mistake_batch as mb
from tests.grading.examples import EXAMPLES
from tests.numerics.test_kind_mistakes import numeric_parts, random_data


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    a, b = np.asarray(a, float), np.asarray(b, float)
    # bit for bit, the sign of a zero included
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def _check(part, datas, codes, other=None) -> None:
    columns = mb.answer_columns(part, datas, codes, other)
    assert columns is not None
    for i, data in enumerate(datas):
        one = km.part_answers(part, data, codes, other=other)
        batch = {q: mb.instance(v, i) for q, (v, ok) in columns.items() if ok[i]}
        assert list(batch) == list(one), (codes, other, i)
        for q in one:
            assert _same(batch[q], one[q]), (codes, other, i, q)


def _sets(part):
    codes = km.applicable(part)
    return [()] + [c for r in (1, 2) for c in combinations(codes, r)]


@pytest.mark.parametrize("name,part", numeric_parts(), ids=lambda v: getattr(v, "id", v))
@pytest.mark.parametrize("count", [1, 9])
def test_the_batch_gives_part_answers_of_each_instance(name, part, count):
    rng = np.random.default_rng(count)
    datas = [random_data(part, rng) for _ in range(count)]
    for codes in _sets(part):
        for other in ([0, 1, 2] if "wrong-class" in codes else [None]):
            _check(part, datas, codes, other)


@pytest.mark.parametrize("name,part", numeric_parts(), ids=lambda v: getattr(v, "id", v))
def test_dead_relus_and_ties_on_integer_data(name, part):
    """Integer data from {-1, 0, 1}: pre-activations exactly 0, equal outputs."""
    rng = np.random.default_rng(3)
    datas = []
    for _ in range(12):
        d = random_data(part, rng)
        ints = lambda a: tuple(ints(v) for v in a) if isinstance(a, tuple) else \
            float(np.clip(np.rint(a), -1, 1))  # noqa: E731
        datas.append(replace(d, W=ints(d.W), b=ints(d.b), x=ints(d.x)))
    for codes in _sets(part):
        _check(part, datas, codes)


def test_a_pass_that_overflows_leaves_the_batch_to_part_answers():
    """One instance's step overflows its pass after the step (part_answers
    leaves out only what depends on it): the batch gives up, for the grader
    to ask part_answers instance by instance (tests/grading/test_mistake_table.py)."""
    part = EXAMPLES["reference"]().parts[2]
    big = replace(part.given, x=(400.0, 500.0))
    assert "q10" in km.part_answers(part, big, ("not-normalised",))
    assert mb.answer_columns(part, [part.given, big], ("not-normalised",)) is None
    assert mb.answer_columns(part, [part.given], ("not-normalised",)) is not None
