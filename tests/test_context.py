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


@pytest.mark.parametrize("value, decimals, expected, exact", [
    (3.0, 4, "3", True), (-1.0, 4, "-1", True), (0.5, 4, "0.5", True), (0.25, 4, "0.25", True),
    (-0.0, 4, "0", True), (-0.0, 0, "0", True),
    (0.09003057317038045, 4, "0.0900", False), (2.3025850929940455, 4, "2.3026", False),
    (2.3025850929940455, 2, "2.30", False), (0.06835955418126012, 4, "0.0684", False),
    (0.0684, 4, "0.0684", True),
    (3.775134544136581e-11, 4, r"3.775 \times 10^{-11}", False),
    (0.9999999999622486, 4, "1.0000", False), (0.1 + 0.2, 4, "0.3000", False),
    # exact at the printed precision, or rounded (never a claim of exactness)
    (0.25, 1, "0.2", False), (0.25, 2, "0.25", True), (2.5, 0, "2", False),
    # rounding to 0 (or to -0) is never printed: a power of ten instead
    (-5.551115123125783e-17, 4, r"-5.551 \times 10^{-17}", False),
    (-0.4, 0, r"-4 \times 10^{-1}", True), (-0.5, 0, r"-5 \times 10^{-1}", True),
    (4.5e-5, 1, r"4.5 \times 10^{-5}", True), (1.39e-11, 12, "0.000000000014", False),
    # float noise beyond 15 significant digits is never printed, nor called exact
    (22.000000000000004, 12, "22.000000000000", False),
    (123456.78901234567, 12, "123456.789012346", False),
])
def test_numbers(value, decimals, expected, exact):
    assert Formatter(decimals).format(value) == (expected, exact)


def _read(text: str) -> float:
    """A printed number back as a float."""
    mantissa, _, exponent = text.partition(r" \times 10^")
    return float(mantissa + (f"e{exponent.strip('{}')}" if exponent else ""))


@pytest.mark.parametrize("decimals", range(13))
def test_equals_only_where_the_digits_are_the_value(decimals):
    rng = np.random.default_rng(decimals)
    values = np.concatenate([rng.normal(0, 3, 200), rng.normal(0, 3, 50).round(2),
                             10.0 ** rng.uniform(-20, 6, 100), rng.integers(-9, 9, 30),
                             [0.0, -0.0, 0.1 + 0.2, 1 - 1e-16, 5e-324]])
    f = Formatter(decimals)
    for v in values:
        text, exact = f.format(v)
        assert (_read(text) == v) == exact, (v, text)
        assert (f.relation([v]) == "=") == exact
        assert not text.startswith("-0") or "." in text and _read(text) != 0, (v, text)
        assert (_read(text) == 0) == (v == 0), (v, text)  # 0 only for an exact 0


@pytest.mark.parametrize("decimals", range(13))
def test_given_data_print_exactly_at_every_setting(decimals):
    from dataclasses import replace
    from derive.spec import REFERENCE
    p = replace(REFERENCE,
                nllm_example=replace(REFERENCE.nllm_example, a=(0.125, 0.375, 0.5)),
                softmax_layer=replace(REFERENCE.softmax_layer, lr=0.25,
                                      W=((1.5, -1, -2), (-1, 2, 0.000001))),
                network=replace(REFERENCE.network, lr=0.125, x=(4, -0.3)))
    c = build_context(build_key(p), Config(course=Course(decimals=decimals)))
    g = c["given"]
    assert g["lr"]["value"] == "0.25" and g["lr_net"]["value"] == "0.125"
    assert g["nllm_a"]["row"] == r"\left[0.125, 0.375, 0.5\right]"
    assert g["W"]["value"] == r"\begin{bmatrix*}[r] 1.5 & -1 & -2 \\ -1 & 2 & 0.000001 \end{bmatrix*}"
    assert g["x_net"]["row"] == r"\left[4, -0.3\right]" and c["nllm_a_c"] == "0.125"
    assert all(q["rel"] == "=" for q in g.values())


def test_exact_entries_are_not_padded():
    # an exact entry beside rounded ones keeps its short form: 0, not 0.0000
    f = Formatter(4)
    assert f.entries([1 / 3, 0.5, -0.0]) == ["0.3333", "0.5", "0"]
    assert f.relation([1 / 3, 0.5]) == r"\approx" and f.relation([0.5, 3]) == "="


def test_matrix_and_dimensions():
    q = Formatter(4).quantity([[1, -1, -2], [-1, 2, 1]])
    assert q["value"] == r"\begin{bmatrix*}[r] 1 & -1 & -2 \\ -1 & 2 & 1 \end{bmatrix*}"
    assert q["dims"] == r"2 \times 3"


@pytest.mark.parametrize("values, expected", [
    ([3.0, 0.5, 0.0], ["3", "0.5", "0"]),
    ([2.9999999998, -10.0, 0.0], ["3.0000", "-10", "0"]),
    ([0.9999999999622486, 3.775134544136581e-11], ["1.0000", r"3.775 \times 10^{-11}"]),
])
def test_matrix_entries(values, expected):
    f = Formatter(4)
    assert f.entries(values) == expected
    assert f.row(values) == r"\left[" + ", ".join(expected) + r"\right]"
    assert " & ".join(expected) in f.matrix([values])


def test_the_handout_shows_exact_entries_exactly(ctx):
    # z¹_new = [-134.0000…, -127.0000…, -5, -12]: the exact -5 is not padded to -5.0000
    shown = ctx["network"]["z1_new"]
    assert r"-134.0000 \\ -127.0000 \\ -5 \\ -12" in shown["value"]
    assert shown["rel"] == r"\approx"


def test_the_relu_kink_prints_consistently():
    # z¹₁ = 0.1 + 0.2 − 0.3 is 0: printed 0, its mask 0, its column of ∂L/∂W¹ 0
    from dataclasses import replace
    from derive.spec import REFERENCE
    net = replace(REFERENCE.network, W1=((0.1, 1, -1, 0), (0.2, 0, 1, 1)),
                  b1=(-0.3, 0.5, 0.1, -0.2), x=(1, 1))
    c = build_context(build_key(replace(REFERENCE, network=net)), Config())
    N = c["network"]
    first = lambda q: N[q]["value"].split("]", 1)[1].split()[0]  # noqa: E731
    assert [first(q) for q in ("z1", "mask", "a1", "delta1", "dL_dW1")] == ["0"] * 5
    assert N["mask"]["value"] == r"\begin{bmatrix*}[r] 0 \\ 1 \\ 1 \\ 1 \end{bmatrix*}"
    assert N["z1"]["rel"] == "=" and r"\times" not in N["z1"]["value"]


def test_the_precision_contract_is_in_the_context(ctx):
    from derive.precision import statement
    assert ctx["precision"] == statement(3)
    c = build_context(build_key(), Config(course=Course(figures=4)))
    assert "at least 4 significant figures" in c["precision"]


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
