"""A step's placeholder ∂num/∂den as the handouts print it, alone and raised
to a power."""

import sympy as sp

from derive.calculus.latex import latex
from derive.calculus.steps import partial

j = sp.Symbol("j")


def test_a_partial_prints_as_a_fraction_and_its_power_bracketed():
    d = partial("L", "z_j", j)
    assert latex(d) == r"\frac{\partial L}{\partial z_j}"
    assert latex(d ** 2) == r"\left(\frac{\partial L}{\partial z_j}\right)^{2}"
    assert latex(partial("L", "W")) == r"\frac{\partial L}{\partial W}"
