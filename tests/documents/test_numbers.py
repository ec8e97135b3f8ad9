"""Numbers as LaTeX: the printers of computed numbers and of given data."""

from derive.documents.numbers import Given


def test_a_factor_of_one_is_not_printed():
    # W − η∇ with η = 1 reads W − ∇, not W − 1 ∇
    g = Given()
    assert g.factor(1) == "" and g.factor(1.0) == ""
    assert g.factor(0.5) == "0.5 " and g.factor(2) == "2 " and g.factor(0.1) == "0.1 "
