"""Exact pre-activations whose products pass int64's range (about 9.2e18)
are still exact: the large-integer path computes in Python ints, not int64
(mutation survivors of derive/numerics/exact.py: ``_ints``'s dtype)."""

from fractions import Fraction

import numpy as np

from derive.numerics import exact
from derive.problem.spec import Layer, Network


def test_layer_z_with_products_beyond_int64_is_exact():
    # six decimals near the spec's largest magnitude: scaled by 10⁶ each factor is
    # ~1e11 (fits int64), each product W·x ~1e22 (does not)
    x = np.array([[123456.654321], [-98765.432109]])
    W = np.array([[[654321.123456], [-0.000001]], [[999999.999999], [345678.901234]]])
    b = np.array([[0.000001], [-0.5]])
    net = Network(2, (Layer(2, "softmax"),), "nllm")
    (z,), _ = exact.network(net, x, [W], [b], np.array([[1.0], [0.0]]))
    frac = lambda v: Fraction(repr(float(v)))  # noqa: E731
    for j in range(2):
        want = sum(frac(W[i, j, 0]) * frac(x[i, 0]) for i in range(2)) + frac(b[j, 0])
        assert z[j, 0] == float(want)
