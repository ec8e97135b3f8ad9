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
