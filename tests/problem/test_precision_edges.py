"""The precision contract at other than 3 significant figures."""

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
