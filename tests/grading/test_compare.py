"""compare's tolerances, cached by content: the contract's, never another array's."""

import numpy as np

from derive.grading import compare
from derive.grading.rules import Rules
from derive.problem import precision


def test_cached_tolerances_are_the_contracts():
    a = np.array([2.302585, -0.0004, 0.0, 1e6])
    for figures in (2, 3, 5):
        assert np.array_equal(compare._tolerance(a, figures), precision.tolerance(a, figures))
    # the same bytes in another shape, or another number: their own
    assert compare._tolerance(a.reshape(2, 2), 3).shape == (2, 2)
    assert compare._tolerance(np.asarray(2.302585), 3) == 0.01
    assert compare._tolerance(np.asarray(230.2585), 3) == 1.0


def test_close_is_within_and_the_cache_stays_bounded(monkeypatch):
    rng = np.random.default_rng(0)
    monkeypatch.setattr(compare, "_TOLERANCES", {})
    for _ in range(200):
        e = rng.normal(size=3) * 10.0 ** rng.integers(-5, 5)
        g = e * (1 + rng.normal(size=3) * 1e-3)
        assert np.array_equal(compare._close(g, e, Rules()), precision.within(g, e, 3))
    assert len(compare._TOLERANCES) == 200
    monkeypatch.setattr(compare, "_TOLERANCES", {i: None for i in range(1 << 16)})
    compare._tolerance(np.ones(2), 3)
    assert len(compare._TOLERANCES) == 1
