"""The precision contract: one unit in the third significant figure."""

import numpy as np
import pytest

from derive.problem import precision as P


@pytest.mark.parametrize("value, figures, expected", [
    (2.302585, 3, 0.01), (0.0684, 3, 0.0001), (-134.0, 3, 1.0), (0.09, 3, 0.0001),
    (9.996, 3, 0.01), (1.0, 3, 0.01), (0.0, 3, 0.0), (2.302585, 2, 0.1), (1e-7, 3, 1e-9)])
def test_unit(value, figures, expected):
    assert P.unit(value, figures) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("given, expected, ok", [
    (2.30, 2.302585, True), (2.303, 2.302585, True), (2.3, 2.302585, True),
    (2.29, 2.302585, False), (2.2, 2.302585, False),
    (0.0684, 0.068436, True), (0.068, 0.068436, False), (0.0685, 0.068436, True),
    (-134, -134.0, True), (-133, -134.0, True), (-132, -134.0, False),
    (0.0, 0.0, True), (1e-10, 0.0, True), (1e-6, 0.0, False), (-0.0, 0.0, True),
    (float("nan"), 1.0, False), (float("inf"), 1.0, False)])
def test_within(given, expected, ok):
    assert bool(P.within(given, expected)) is ok


def test_exactly_on_the_edge_passes_and_just_outside_fails():
    e = 2.5
    assert P.within(e + 0.01, e) and P.within(e - 0.01, e)
    assert not P.within(e + 0.0101, e) and not P.within(e - 0.0101, e)


def test_rounded_too_early_is_the_band_between_two_and_three_figures():
    assert P.rounded_too_early(0.068, 0.068436)        # 2 significant figures
    assert not P.rounded_too_early(0.0684, 0.068436)   # 3: within the contract
    assert not P.rounded_too_early(0.07, 0.068436)     # 1: plain wrong
    assert P.rounded_too_early(0.52, 0.5249) and not P.rounded_too_early(0.51, 0.5249)


def test_entrywise_on_matrices():
    e = np.array([[0.5, -0.25], [0.0, 12.5]])
    g = np.array([[0.501, -0.26], [0.0, 12.6]])
    assert P.within(g, e).tolist() == [[True, False], [True, True]]
    assert P.gap(g, e)[0, 1] == pytest.approx(10.0)


def test_statement_names_the_figures_and_the_log():
    assert "3 significant figures" in P.statement() and "natural logarithm" in P.statement()
    assert "4 significant figures" in P.statement(4)


def test_blank_answers_show_no_work():
    W = np.array([[1.0, -1.0], [2.0, 0.5]])
    assert P.blank(np.zeros((2, 2)), [W]) and P.blank([1e-12, -1e-10], [])
    assert P.blank(W + 0.001, [np.zeros(3), W])          # a copy, within the contract
    assert not P.blank(W + 0.1, [W]) and not P.blank([1e-6, 0.0], [])
    assert not P.blank(W, [W.T.copy()[:1]])              # another shape is no copy


def _edge(e: float, figures: int = 3) -> float:
    """The largest float whose distance from ``e`` (computed exactly) is
    within the tolerance: the answer exactly on the boundary."""
    t = float(P.tolerance(e, figures)) * P.SLACK
    g = e + t
    while abs(g - e) > t:
        g = np.nextafter(g, e)
    while abs(np.nextafter(g, np.inf) - e) <= t:
        g = np.nextafter(g, np.inf)
    return float(g)


@pytest.mark.parametrize("e", [0.0, 2.302585, 1024.0, -134.0, 0.068436, 1.234e-5, 12345.6,
                               -7.5e-8, 1e4])
def test_an_answer_on_the_boundary_passes_and_the_next_float_fails(e):
    g = _edge(e)
    assert P.within(g, e) and not P.within(np.nextafter(g, np.inf), e)
    low = 2 * e - g   # the same distance below (exact: e ± d are both floats here)
    if abs(low - e) == abs(g - e):
        assert P.within(low, e)


def test_exactly_the_tolerance_of_an_exact_zero_passes():
    # |g - 0| is exactly the tolerance: a strict < would refuse it
    t = P.ZERO_TOL * P.SLACK
    assert P.within(t, 0.0) and P.within(-t, 0.0)
    assert not P.within(np.nextafter(t, 1.0), 0.0)


@pytest.mark.parametrize("given, expected, ok", [
    # large values: relative (a unit of the 3rd figure is 100), not an absolute 1e-9
    (12345.6 + 99, 12345.6, True), (12345.6 + 101, 12345.6, False),
    (-9.87e6 + 9.9e3, -9.87e6, True), (-9.87e6 + 1.01e4, -9.87e6, False),
    # small values: a unit of the 3rd figure (1e-7, 1e-10), far below an absolute 1e-3
    (1.234e-5 + 0.9e-7, 1.234e-5, True), (1.234e-5 + 1.1e-7, 1.234e-5, False),
    (-4.56e-8 + 0.9e-10, -4.56e-8, True), (-4.56e-8 + 1.1e-9, -4.56e-8, False),
    # an exact 0: the absolute ZERO_TOL only
    (9e-10, 0.0, True), (1.1e-9, 0.0, False)])
def test_the_tolerance_is_relative_to_the_key_and_absolute_only_at_zero(given, expected, ok):
    assert bool(P.within(given, expected)) is ok
