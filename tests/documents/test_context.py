"""The render context: strings and numbers only, every number from the key."""

import numpy as np
import pytest
import sympy as sp

from derive.problem.config import Config, Course
from derive.documents.context import build_context
from derive.documents.numbers import Formatter
from derive.numerics.key import POINTS
from derive.numerics.key import build_key
from derive.documents.render import Latex
from derive.problem.spec import InputError


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
    from derive.problem.spec import REFERENCE
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
    from derive.problem.spec import REFERENCE
    net = replace(REFERENCE.network, W1=((0.1, 1, -1, 0), (0.2, 0, 1, 1)),
                  b1=(-0.3, 0.5, 0.1, -0.2), x=(1, 1))
    c = build_context(build_key(replace(REFERENCE, network=net)), Config())
    N = c["network"]
    first = lambda q: N[q]["value"].split("]", 1)[1].split()[0]  # noqa: E731
    assert [first(q) for q in ("z1", "mask", "a1", "delta1", "dL_dW1")] == ["0"] * 5
    assert N["mask"]["value"] == r"\begin{bmatrix*}[r] 0 \\ 1 \\ 1 \\ 1 \end{bmatrix*}"
    assert N["z1"]["rel"] == "=" and r"\times" not in N["z1"]["value"]


def test_the_precision_contract_is_in_the_context(ctx):
    from derive.problem.precision import statement
    # the notation section says what ln is, so the contract need not
    assert ctx["precision"] == statement(3, natural_log=False)
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
    from derive.numerics.evaluate import solve
    from derive.problem.spec import REFERENCE
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
    assert n["layer"] == r"z_{j} = \sum_{k=1}^{m} w_{kj} x_{k} + w_{0j}"
    assert (n["relu"], n["relu_prime"]) == (r"\max(z^{1}, 0)", r"\mathbf{1}[z^{1} > 0]")
    assert all(isinstance(v, Latex) for v in n.values())


# --------------------------------------------------------------------------
# One notation: ℓ for the loss, ln, w_{kj}, classes and units from 1


def test_the_loss_is_ell_everywhere_in_the_context(ctx):
    n, f = ctx["notation"], ctx["formulas"]
    assert n["loss"] == r"\ell(a^{L}, y)" and n["loss_net"] == r"\ell = \operatorname{NLLM}(a^{2}, y)"
    assert n["dloss_dz2"] == r"\partial \ell / \partial z^{2} = a^{2} - y"
    assert f["W2_new"] == r"W^{2} - \eta \frac{\partial \ell}{\partial W^{2}}"
    labels = [a for row in ctx["summary"] for a in row["answer"]]
    assert any(a.startswith(r"\frac{\partial \ell}{\partial W^{1}}") for a in labels)
    for leaf in _leaves(ctx):
        if isinstance(leaf, str):
            assert r"\partial L}" not in leaf and "Loss" not in leaf and r"\log" not in leaf, leaf


def test_weights_are_w_kj_and_the_bias_index_is_0(ctx):
    n = ctx["notation"]
    assert n["w_kj"] == "w^{l}_{kj}" and n["w_0j"] == "w^{l}_{0j}" and n["x_0"] == "x_{0} = 1"
    assert n["layer_gradient"] == \
        r"\partial \mathrm{NLLM} / \partial w_{kj} = x_{k} (a_{j} - y_{j})"
    assert ctx["derivations"]["softmax_layer_gradient"]["lhs"] == \
        r"\frac{\partial \operatorname{NLLM}}{\partial w_{kj}}"


def test_hints_are_printed_by_sympy(ctx):
    n, f = ctx["notation"], ctx["formulas"]
    assert n["dloss_dW2"] == r"\partial \ell / \partial W^{2} = a^{1} (\partial \ell / \partial z^{2})^{T}"
    assert (f["a1_dims"], f["d2_row_dims"], f["W2_dims"]) == \
        (r"4 \times 1", r"1 \times 2", r"4 \times 2")
    assert n["dz2_da1"] == r"\partial z^{2} / \partial a^{1} = W^{2}"
    assert n["dz1_dW1"] == r"\partial z^{1} / \partial W^{1} = x"
    assert (f["hidden_first"], f["hidden_last"]) == ("f^{1}(z^{1}_{1})", "f^{1}(z^{1}_{4})")


@pytest.mark.parametrize("query_class, number, a, ordinal", [
    (0, 1, "a_{1}", "first"), (2, 3, "a_{3}", "third"), (9, 10, "a_{10}", "tenth"),
    (10, 11, "a_{11}", "11th"), (11, 12, "a_{12}", "12th"), (20, 21, "a_{21}", "21st"),
])
def test_class_names_count_from_1(query_class, number, a, ordinal):
    from derive.documents.context import class_notation
    c = class_notation(query_class)
    assert (c["number"], c["a"], c["ordinal"]) == (number, a, ordinal)
    assert c["a_new"] == rf"a^{{\text{{new}}}}_{{{number}}}" and c["numpy"] == f"a[{query_class}]"


def test_summary_labels_name_the_query_class(ctx):
    # the reference asks for the third class: a_3, never the c of question 5
    rows = {row["item"]: row["answer"] for row in ctx["summary"]}
    assert rows["7"][0].startswith("a_{3} ") and rows["9"][0].startswith(r"a^{\text{new}}_{3} ")
    assert ctx["query_class"] == 3 and ctx["classes"]["a"] == "a_{3}"
    assert ctx["nllm_class"] == 1 and ctx["nllm_example"] == r"\operatorname{NLLM} = - \ln(0.1)"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def variant_sources():
    """The rendered sheets of 20 variants with 4 classes (query classes 0-3)."""
    from derive.documents.build import render_documents
    from derive.documents.figures import figure_names, figure_path
    from derive.variants.generate import generate_keys
    from derive.variants.settings import parse_settings
    keys = generate_keys(20261128, 20, parse_settings({"softmax_layer": {"classes": 4}}))
    return [(k, {name: _flat(src) for name, src in render_documents(
                k, Config(), figures={f: figure_path(f) for f in figure_names(k)}).items()})
            for k in keys]


def test_variants_print_class_query_class_plus_1_in_one_notation(variant_sources):
    seen = set()
    for key, sources in variant_sources:
        q = key["params"]["softmax_layer"]["query_class"]
        seen.add(q)
        for name, tex in sources.items():
            for when in ("before any update", "after that step"):
                assert f"assigns to class {q + 1} {when}" in tex, (key["variant"], name)
                assert f"assigns to class {q} {when}" not in tex, (key["variant"], name)
            assert f"Give the probability $a_{{{q + 1}}}$ that" in tex
            assert f"class {q + 1} is $a_{{{q + 1}}}$" in tex and f"\\texttt{{a[{q}]}}" in tex
        handout = sources["handout.tex"]
        assert f"It is entry {q + 1} of $a$ above (index {q} in NumPy)." in handout
        assert f"& a_{{{q + 1}}} \\approx" in handout  # the summary table
        assert f"a^{{\\text{{new}}}}_{{{q + 1}}}" in handout
        c = int(np.argmax(key["params"]["nllm_example"]["y"]))
        assert f"so $c = {c + 1}$ and" in handout
    assert seen == {0, 1, 2, 3}
    # (one test, so that the 20 variants are rendered once per worker)
    for key, sources in variant_sources:
        for name, tex in sources.items():
            assert r"\log" not in tex and "Loss" not in tex and r"\partial L" not in tex, name
            assert tex.count("natural logarithm") == 1, name
            assert "counting from 0" not in tex and "numbered from 0" not in tex, name
            assert r"\left(z" not in tex and r"\sigma\left(" not in tex, name
            # one spelling of weight indices, no braced bases from SymPy's Indexed
            assert "_{k,j}" not in tex and "{w}_" not in tex and "{a}_" not in tex, name
            assert r"\ln(a_{j})" in tex or name == "problems.tex", name



# --------------------------------------------------------------------------
# The notation in print: pdftotext of the handout and the problem sheet


def _pdf_text(pdf) -> str:
    import subprocess
    import unicodedata
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.replace("\u2212", "-"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """{variant: (key, {"handout": text, "problems": text})} for the reference
    and a variant that asks for class 1 (query_class 0)."""
    from dataclasses import replace
    from derive.documents.build import build_documents
    from derive.problem.spec import REFERENCE
    first = replace(REFERENCE, softmax_layer=replace(REFERENCE.softmax_layer, query_class=0))
    out = {}
    for key in (build_key(), build_key(first, "first-class")):
        folder = tmp_path_factory.mktemp("notation")
        build_documents(key, Config(), folder)
        out[key["variant"]] = (key, {name: _pdf_text(folder / f"{name}.pdf")
                                     for name in ("handout", "problems")})
    return out


def _squashed(text: str) -> str:
    return "".join(text.split())


def test_the_printed_sheets_use_one_notation(printed):
    import re
    for variant, (key, texts) in printed.items():
        for name, text in texts.items():
            where = (variant, name)
            assert "ℓ" in text and not re.search(r"\bLoss\b", text), where
            # ln only: "log" survives in log-likelihood and logarithm alone
            assert not re.search(r"\blog\b(?!-)", text), where
            assert " ".join(text.split()).count("natural logarithm") == 1, where
            assert "Inputs, units and classes are numbered from 1" in " ".join(text.split()), where
            assert "counting from 0" not in text and "numbered from 0" not in text, where


def test_the_printed_class_is_a_of_query_class_plus_1(printed):
    import re
    for variant, (key, texts) in printed.items():
        q = key["params"]["softmax_layer"]["query_class"] + 1
        for name, text in texts.items():
            flat = _squashed(text)
            assert f"Givetheprobabilitya{q}thatthelayerassignstoclass{q}beforeanyupdate." in flat
            assert f"class{q}isa{q},the" in flat, (variant, name)
        answers = re.findall(r"Answer\.a(\d+)(?:≈|=)", _squashed(texts["handout"]))
        assert answers == [str(q)], variant


def test_no_class_0_anywhere_in_print(printed):
    import re
    for variant, (key, texts) in printed.items():
        for name, text in texts.items():
            assert not re.search(r"(?<![-\w])class 0\b", " ".join(text.split())), (variant, name)


def test_the_hints_are_in_words(printed):
    # a hint that loses its words (or its formula) fails here
    q12 = ("Hint:thegradientisanouterproduct,∂ℓ/∂W2=a1(∂ℓ/∂z2)T,where∂ℓ/∂z2=a2-y"
           "forasoftmaxoutputwiththisloss.Thedimensionsmustmatch:a1isa4×1column")
    q13 = ["Hint:applythechainruleonelayeratatime,backwardsfrom∂ℓ/∂z2.",
           "dependsona1through∂z2/∂a1=W2(theweightsoftheforwardpass,beforetheirupdate)",
           "thederivativeofmax(z1,0)is1[z1>0],1wherez1ispositiveand0elsewhere,"
           "whichgives∂ℓ/∂z1.",
           "dependsonW1through∂z1/∂W1=x,so∂ℓ/∂W1isagainanouterproduct"]
    for variant, (key, texts) in printed.items():
        for name, text in texts.items():
            flat = _squashed(text)
            assert q12 in flat, (variant, name)
            for part in q13:
                assert part in flat, (variant, name, part)
