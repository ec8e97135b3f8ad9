"""Numbers as LaTeX: the printers of computed numbers and of given data."""

from derive.documents.numbers import Given


def test_a_factor_of_one_is_not_printed():
    # W − η∇ with η = 1 reads W − ∇, not W − 1 ∇
    g = Given()
    assert g.factor(1) == "" and g.factor(1.0) == ""
    assert g.factor(0.5) == "0.5 " and g.factor(2) == "2 " and g.factor(0.1) == "0.1 "


def test_a_number_is_printed_once_per_decimals_and_the_same_every_time():
    from derive.documents.numbers import Formatter
    import pytest
    f4, f2 = Formatter(4), Formatter(2)
    assert f4.format(1 / 3) == (r"0.3333", False) and f2.format(1 / 3) == ("0.33", False)
    assert f4.format(1 / 3) == (r"0.3333", False)            # served again, unchanged
    assert f4.format(-0.0) == ("0", True) and Given().number(-0.0) == "0"
    assert f4.format(0.00001234) == (r"1.234 \times 10^{-5}", True)
    assert Given().number(0.25) == "0.25" and f2.number(0.25) == "0.25"
    assert Given().number(0.125) == "0.125" and f2.number(0.125) == "0.12"
    for bad in (float("nan"), float("inf")):
        for _ in range(2):   # an error is never kept as an answer
            with pytest.raises(ValueError):
                f4.format(bad)
            with pytest.raises(ValueError):
                Given().format(bad)
