"""The render context: strings and numbers only, every number from the key."""

import numpy as np
import pytest
import sympy as sp

from derive.config import Config, Course
from derive.context import Formatter, build_context
from derive.key import POINTS
from derive.key import build_key
from derive.render import Latex
from derive.spec import InputError


@pytest.fixture(scope="module")
def ctx():
    return build_context(build_key(), Config())


@pytest.mark.parametrize("value, decimals, expected", [
    (3.0, 4, "3"), (-1.0, 4, "-1"), (0.5, 4, "0.5"), (0.25, 4, "0.25"), (-0.0, 4, "0"),
    (0.09003057317038045, 4, "0.0900"), (2.3025850929940455, 4, "2.3026"),
    (2.3025850929940455, 2, "2.30"), (0.06835955418126012, 4, "0.0684"),
    (3.775134544136581e-11, 4, r"3.775 \times 10^{-11}"), (0.9999999999622486, 4, "1.0000"),
])
def test_numbers(value, decimals, expected):
    assert Formatter(decimals).number(value) == expected


def test_relation_marks_rounded_values():
    f = Formatter(4)
    assert f.relation([1, 0.5]) == "=" and f.relation([1, 1 / 3]) == r"\approx"


def test_matrix_and_dimensions():
    q = Formatter(4).quantity([[1, -1, -2], [-1, 2, 1]])
    assert q["value"] == r"\begin{bmatrix*}[r] 1 & -1 & -2 \\ -1 & 2 & 1 \end{bmatrix*}"
    assert q["dims"] == r"2 \times 3"


@pytest.mark.parametrize("values, expected", [
    # all exact: each entry exact, no trailing zeros
    ([3.0, 0.5, 0.0], ["3", "0.5", "0"]),
    # one rounded entry: every entry with the same decimals, so the columns align
    ([2.9999999998, -10.0, 0.0], ["3.0000", "-10.0000", "0.0000"]),
    ([1 / 3, 0.5, -0.0], ["0.3333", "0.5000", "0.0000"]),
    # a non-zero entry that would round to 0 keeps its power of ten
    ([0.9999999999622486, 3.775134544136581e-11], ["1.0000", r"3.775 \times 10^{-11}"]),
])
def test_one_format_per_matrix(values, expected):
    f = Formatter(4)
    assert f.entries(values) == expected
    assert f.row(values) == r"\left[" + ", ".join(expected) + r"\right]"
    assert " & ".join(expected) in f.matrix([values])


def test_the_handout_matrices_have_one_format_each(ctx):
    # z¹_new = [-134.0000…, …, -5, -12]: exact -5 beside rounded -134 prints as -5.0000
    shown = ctx["network"]["z1_new"]["value"]
    assert "-5.0000" in shown and "-12.0000" in shown


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_only_strings_and_numbers(ctx):
    for leaf in _leaves(ctx):
        assert isinstance(leaf, (str, int, float, bool)) and not isinstance(leaf, sp.Basic)


def test_numbers_come_from_the_key(ctx):
    key = build_key()
    assert ctx["layer"]["a_c"]["value"] == Formatter(4).number(key["answers"]["q7"])
    assert ctx["network"]["W1_new"]["value"] == Formatter(4).matrix(key["answers"]["q13"]["W"])
    assert sum(POINTS.values()) == 100 and ctx["total"] == "100"


def test_printed_backprop_formula_agrees_with_the_numbers(ctx):
    # δ¹ = (W² δ²) ⊙ 1[z¹ > 0], evaluated from the printed factors' numbers
    from derive.numeric import solve
    from derive.spec import REFERENCE
    net = solve([REFERENCE])[0].network
    W2 = np.array(REFERENCE.network.W2, float)
    assert np.allclose(W2 @ net.delta2 * net.mask, net.delta1)
    assert r"\circ" in ctx["formulas"]["delta1"] and r"\mathbf{1}" in ctx["formulas"]["delta1"]


def test_course_text_is_escaped():
    c = build_context(build_key(), Config(course=Course(title=r"\input{x} 100%")))
    assert c["course"]["title"] == r"\textbackslash{}input\{x\} 100\%"


def test_unsettable_course_text_is_an_input_error():
    with pytest.raises(InputError, match="course.title"):
        build_context(build_key(), Config(course=Course(title="神经网络")))


def test_formula_answers_are_trusted_latex(ctx):
    assert isinstance(ctx["answers"]["q1"], Latex)


def test_prose_formulas_are_printed_by_sympy(ctx):
    n = ctx["notation"]
    assert n["z"] == "z = W^{T} x + w_{0}" and n["W_l_dims"] == r"m^{l} \times n^{l}"
    assert n["layer"] == r"{z}_{j} = \sum_{k=1}^{m} {w}_{k,j} {x}_{k} + {w_{0}}_{j}"
    assert n["relu_prime"].endswith(r"= \mathbf{1}\left[z^{1} > 0\right]")
    assert all(isinstance(v, Latex) for v in n.values())
