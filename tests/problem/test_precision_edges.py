"""The precision contract at its edges: other figures than 3, the edge of an exact 0,
infinite and huge answers, the ordinals and the sentence a sheet prints."""

import warnings

import numpy as np
import pytest

from derive.problem import precision as P

KEY = 2.302585   # one unit of its 4th figure is 0.001, of its 3rd 0.01


@pytest.mark.parametrize("given, early", [
    (2.300, True),     # off by 0.0026: right to 3 figures, not to 4
    (2.295, True),     # off by 0.0076
    (2.3030, False),   # off by 0.0004: right to 4 figures
    (2.290, False),    # off by 0.0126: not even right to 3
])
def test_rounded_too_early_at_four_figures_is_the_band_between_three_and_four(given, early):
    off = abs(given - KEY)
    assert (0.001 < off <= 0.01) is early   # the band, by hand
    assert bool(P.rounded_too_early(given, KEY, figures=4)) is early


@pytest.mark.parametrize("n, word", [
    (1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (5, "fifth"), (6, "sixth"),
    (7, "seventh"), (8, "eighth"), (9, "ninth"), (10, "tenth"),
    (11, "11th"), (12, "12th"), (13, "13th"), (20, "20th"), (21, "21st"), (22, "22nd"),
    (23, "23rd"), (24, "24th"), (101, "101st"), (111, "111th"), (112, "112th"), (121, "121st"),
    (122, "122nd")])
def test_ordinal_in_words_to_ten_then_in_digits(n, word):
    assert P.ordinal(n) == word


@pytest.mark.parametrize("figures, nth", [(2, "second"), (3, "third"), (8, "eighth")])
def test_the_statement_a_sheet_prints(figures, nth):
    contract = (f"Give every number exactly or to at least {figures} significant figures "
                f"(answers within one unit of the {nth} significant figure are accepted)")
    assert P.statement(figures) == contract + "; ln is the natural logarithm."
    assert P.statement(figures, natural_log=False) == contract + "."
    if figures == P.FIGURES:   # the default: 3 figures, ln said
        assert P.statement() == contract + "; ln is the natural logarithm."


# --- blank: "no work" means within the contract of an exact 0 or of a copy

EDGE0 = P.ZERO_TOL * P.SLACK   # the largest distance from an exact 0 within() accepts


def test_blank_takes_the_contract_of_an_exact_zero_to_its_edge():
    above = np.nextafter(EDGE0, 1.0)
    assert P.within(EDGE0, 0.0) and not P.within(above, 0.0)   # the contract's edge
    assert P.blank([EDGE0, -EDGE0], [])                       # all zeros, to the contract
    assert not P.blank([EDGE0, above], [])
    # a copy of the given data whose exact 0 is answered on the edge is a copy
    W = [[2.0, 0.0], [-0.5, 1.25]]
    assert P.blank([[2.0, EDGE0], [-0.5, 1.25]], [W]) and P.blank(W, [W])
    assert not P.blank([[2.0, above], [-0.5, 1.25]], [W])


def test_blank_copies_of_large_data_to_one_unit_of_the_third_figure():
    d = [100.0, -250.0]                                   # one unit of the 3rd figure: 1
    assert P.blank([100.9, -250.0], [d]) and P.blank([100.0, -251.0], [d])
    assert not P.blank([101.5, -250.0], [d])


@pytest.mark.parametrize("figures, copy", [(2, True), (3, True), (4, False)])
def test_blank_copies_at_the_sheets_figures(figures, copy):
    # off by 0.005 from 2: within a unit of the 3rd figure (0.01), not of the 4th (0.001)
    assert P.blank([2.005, -1.0], [[2.0, -1.0]], figures) is copy
    # off by 0.05: within a unit of the 2nd figure (0.1) only
    assert P.blank([2.05, -1.0], [[2.0, -1.0]], figures) is (figures == 2)


# --- gap and within: the figures and the tolerance they are given

def test_gap_counts_tolerances_of_the_figures_asked():
    # 2.005 is 0.005 from 2: half a unit of the 3rd figure, five of the 4th, 0.05 of the 2nd
    for figures, tolerances in [(2, 0.05), (3, 0.5), (4, 5.0)]:
        assert P.gap(2.005, 2.0, figures) == pytest.approx(tolerances, rel=1e-9)


def test_within_uses_the_tolerance_it_is_given():
    assert not P.within(2.5, 2.0) and P.within(2.5, 2.0, tol=0.5)
    assert not P.within(2.5, 2.0, tol=0.4) and P.within(2.0, 2.0, tol=0.0)


def test_infinite_and_huge_answers_fail_without_a_warning():
    """inf − inf, and a difference beyond the largest float: no RuntimeWarning
    (it would be printed beside the grades), and never a pass."""
    given, expected = [np.inf, 1e308, np.nan, -np.inf], [np.inf, -1e308, 1.0, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        passed = P.within(given, expected)
        gaps = P.gap(given, expected)
        units = P.unit([0.0, np.nan, -0.0, 1e308])
    assert not passed.any()
    assert np.isnan(gaps[0]) and np.isinf(gaps[1]) and np.isnan(gaps[2]) and np.isinf(gaps[3])
    assert units.tolist() == [0.0, 0.0, 0.0, 1e306]
