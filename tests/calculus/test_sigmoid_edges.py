"""The explicit-weights NLL gradient the tests differentiate: one entry per
weight, every weight and input a symbol of its own."""

import pytest
import sympy as sp

from derive.calculus import sigmoid as sig


@pytest.mark.parametrize("m", [None, 2])
def test_the_gradient_vector_has_one_entry_per_weight(m):
    L, direct, formula = sig.nll_gradient_vector() if m is None else sig.nll_gradient_vector(m)
    m = 3 if m is None else m
    assert len(direct) == len(formula) == m
    names = sorted(map(str, L.free_symbols))
    assert names == sorted([f"w_{k}" for k in range(m + 1)] + [f"x_{k}" for k in range(1, m + 1)]
                           + ["y"])
    assert all(s.is_real for s in L.free_symbols if str(s) != "y")


def test_each_entry_is_sigma_of_the_weighted_sum_minus_y_times_its_input():
    L, _, formula = sig.nll_gradient_vector(2)
    s = {str(v): v for v in L.free_symbols}
    z = s["w_1"] * s["x_1"] + s["w_2"] * s["x_2"] + s["w_0"]
    assert formula == [(1 / (1 + sp.exp(-z)) - s["y"]) * s[f"x_{k}"] for k in (1, 2)]
