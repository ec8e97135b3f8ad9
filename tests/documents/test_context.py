"""The render context of an assignment (the reference, reference.toml, as
`handouts report` builds it, and the other shipped ones): strings and numbers
only, every number from the key, printed exactly where it is exact."""

import re
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from derive.problem.reference import reference_instance
from derive.documents.assignment_build import render_assignment
from derive.documents.assignment_context import build_assignment_context
from derive.documents.numbers import Formatter
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import SHIPPED, load_assignment
from derive.problem.config import Config, Course
from derive.problem.spec import REFERENCE, InputError, Params


def instance(params: Params | None = None):
    """The reference assignment (with a schema 1 instance's data), and its key."""
    assignment = load_assignment("reference")
    if params is not None:
        assignment = reference_instance(params)
    return assignment, build_assignment_key(assignment)


def context(params: Params | None = None, config: Config = Config()) -> dict:
    return build_assignment_context(*instance(params), config)


def sources(params: Params | None = None, config: Config = Config()) -> dict[str, str]:
    """``{"problems.tex": …, "handout.tex": …}`` of the reference with ``params``."""
    return render_assignment(*instance(params), config)


@pytest.fixture(scope="module")
def ctx():
    return context()


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


GIVEN = replace(REFERENCE,
                nllm_example=replace(REFERENCE.nllm_example, a=(0.125, 0.375, 0.5)),
                softmax_layer=replace(REFERENCE.softmax_layer, lr=0.25,
                                      W=((1.5, -1, -2), (-1, 2, 0.000001))),
                network=replace(REFERENCE.network, lr=0.125, x=(4, -0.3)))


@pytest.mark.parametrize("decimals", range(13))
def test_given_data_print_exactly_at_every_setting(decimals):
    c = context(GIVEN, Config(course=Course(decimals=decimals)))
    layer, network = (p["given"] for p in c["parts"][1:])
    assert r"\eta = 0.25" in layer and r"\eta = 0.125" in network
    assert r"W^{1} = \begin{bmatrix*}[r] 1.5 & -1 & -2 \\ -1 & 2 & 0.000001 \end{bmatrix*}" \
        in layer[0]
    assert r"x = \begin{bmatrix*}[r] 4 \\ -0.3 \end{bmatrix*}" in network
    assert all(r"\approx" not in g for g in layer + network)
    # the loss question's example, and its loss with the given probability put in
    loss = next(q for q in c["parts"][1]["questions"] if q["number"] == 5)
    assert r"a = \left[0.125, 0.375, 0.5\right]" in loss["statement"]
    assert any(r"\operatorname{NLLM} = -\ln(0.125)" in b.get("text", "") for b in loss["blocks"])


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


def test_the_handout_shows_exact_entries_exactly():
    # z¹_new = [-134.0000…, -127.0000…, -5, -12]: the exact -5 is not padded to -5.0000
    handout = sources()["handout.tex"]
    assert r"-134.0000 \\ -127.0000 \\ -5 \\ -12" in handout


KINK = replace(REFERENCE, network=replace(REFERENCE.network, W1=((0.1, 1, -1, 0), (0.2, 0, 1, 1)),
                                          b1=(-0.3, 0.5, 0.1, -0.2), x=(1, 1)))


def test_the_relu_kink_prints_consistently():
    # z¹₁ = 0.1 + 0.2 − 0.3 is 0: printed 0 (not 5.551 × 10⁻¹⁷), the unit off,
    # its a¹ 0 and its column of ∂ℓ/∂W¹ 0
    c = context(KINK)
    network = c["parts"][2]["questions"]
    forward = network[0]
    rows = [r["rhs"] for b in forward["blocks"] if b["type"] == "align" for r in b["rows"]]
    assert r"= \begin{bmatrix*}[r] 0 \\ 1.5 \\ 0.1 \\ 0.8 \end{bmatrix*}" in rows
    assert forward["answer"] == [r"a^{1} = \begin{bmatrix*}[r] 0 \\ 1.5 \\ 0.1 \\ 0.8 \end{bmatrix*}"]
    assert any("unit 1 is off" in b.get("text", "") for b in forward["blocks"])
    grad = network[3]["answer"][0]
    assert all(row.split("&")[0].split()[-1] == "0" for row in grad.split(r"\\")), grad
    z1 = c["parts"][2]["questions"][0]["blocks"]
    assert r"10^{-17}" not in str(z1)


def test_the_precision_contract_is_in_the_context(ctx):
    from derive.problem.precision import statement
    # the notation section says what ln is, so the contract need not
    assert ctx["precision"] == statement(3, natural_log=False)
    c = context(config=Config(course=Course(figures=4)))
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


@pytest.mark.parametrize("name", SHIPPED)
def test_only_strings_and_numbers(name):
    assignment = load_assignment(name)
    c = build_assignment_context(assignment, build_assignment_key(assignment), Config())
    for leaf in _leaves(c):
        assert isinstance(leaf, (str, int, float, bool)) and not isinstance(leaf, sp.Basic), leaf


def test_numbers_come_from_the_key(ctx):
    key = instance()[1]
    f = Formatter(4)
    rows = {row["item"]: row["answer"] for row in ctx["summary"]}
    assert rows[7] == [rf"a^{{1}}_{{3}} \approx {f.number(key['answers']['q7'])}"]
    assert rows[13][1].endswith(f.matrix(key["answers"]["q13"]["new"]))
    assert ctx["total"] == "100"


def test_course_text_is_escaped():
    c = context(config=Config(course=Course(course=r"\input{x} 100%")))
    assert c["course"]["course"] == r"\textbackslash{}input\{x\} 100\%"


def test_unsettable_course_text_is_an_input_error():
    with pytest.raises(InputError, match="course.title"):
        context(config=Config(course=Course(title="神经网络")))


def test_prose_formulas_are_printed_by_sympy(ctx):
    n = ctx["notation"]
    assert n["a_l"] == "a^{l} = f^{l}(z^{l})" and n["W_l_dims"] == r"m^{l} \times n^{l}"
    assert n["n_l"] == "n^{l} = m^{l+1}"
    assert n["z_l"] == r"z^{l} = (W^{l})^{T} a^{l-1} + w_0^{l}"
    assert n["w_kj"] == "w^{l}_{kj}" and n["w_0j"] == "w^{l}_{0j}" and n["x_0"] == "x_{0} = 1"
    assert all(isinstance(v, str) for v in n.values() if not isinstance(v, int))


# --------------------------------------------------------------------------
# One notation: ℓ for the loss, ln, w_{kj}, classes and units from 1


@pytest.fixture(scope="module")
def shipped_sources():
    """The rendered sheets of every shipped assignment, whitespace squeezed."""
    out = {}
    for name in SHIPPED:
        a = load_assignment(name)
        for doc, src in render_assignment(a, build_assignment_key(a), Config()).items():
            out[name, doc] = " ".join(src.split())
    return out


def test_one_notation_in_every_shipped_assignment(shipped_sources):
    for where, tex in shipped_sources.items():
        assert r"\log" not in tex and "Loss" not in tex and r"\partial L" not in tex, where
        assert r"\partial \ell" in tex or where[1] == "problems.tex", where
        assert tex.count("natural logarithm") == 1, where
        assert "numbered from 1" in tex, where
        assert "counting from 0" not in tex and "numbered from 0" not in tex, where
        assert r"\left(z" not in tex and r"\sigma\left(" not in tex, where
        # one spelling of weight indices, no braced bases from SymPy's Indexed
        assert "_{k,j}" not in tex and "{w}_" not in tex and "{a}_" not in tex, where


def _four_classes(query_class: int) -> Params:
    layer = replace(REFERENCE.softmax_layer, W=((1, -1, -2, 0), (-1, 2, 1, 1)), b=(0, 0, 0, 0),
                    y=(0, 1, 0, 0), query_class=query_class)
    return replace(REFERENCE, softmax_layer=layer)


@pytest.mark.parametrize("query_class", range(4))
def test_the_query_class_prints_counted_from_1(query_class):
    c = query_class + 1
    for name, tex in sources(_four_classes(query_class)).items():
        flat = " ".join(tex.split())
        for q in (7, 9):
            statement = flat[flat.index(rf"\begin{{question}}{{{q}}}"):]
            statement = statement[:statement.index(r"\end{question}")]
            assert f"probability $a^{{1}}_{{{c}}}$ that the network gives class {c} " \
                in statement, (name, q)
        assert not re.search(r"(?<![-\w])class 0\b", flat), name
        if name == "handout.tex":
            assert rf"a^{{1}}_{{{c}}} \approx" in flat  # the summary table


# --------------------------------------------------------------------------
# The notation in print: pdftotext of the reference's handout and problem sheet


def _pdf_text(pdf) -> str:
    import subprocess
    import unicodedata
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.replace("\u2212", "-"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """{name: (query class from 1, {"handout": text, "problems": text})} for the
    reference and an instance that asks for class 1."""
    from derive.documents.assignment_build import build_assignment
    first = replace(REFERENCE, softmax_layer=replace(REFERENCE.softmax_layer, query_class=0))
    out = {}
    for name, params in (("reference", None), ("first-class", first)):
        folder = tmp_path_factory.mktemp("notation")
        assignment = instance(params)[0]
        build_assignment(assignment, Config(), folder)
        cls = next(q for q in assignment.parts[1].questions if q.kind == "probability").get("class")
        out[name] = (cls, {doc: _pdf_text(folder / f"{doc}.pdf") for doc in ("handout", "problems")},
                     (folder / "handout.tex").read_text(encoding="utf-8"))
    return out


def _squashed(text: str) -> str:
    return "".join(text.split())


def test_the_printed_sheets_use_one_notation(printed):
    for variant, (_, texts, _) in printed.items():
        for name, text in texts.items():
            where = (variant, name)
            assert "ℓ" in text and not re.search(r"\bLoss\b", text), where
            # ln only: "log" survives in log-likelihood and logarithm alone
            assert not re.search(r"\blog\b(?!-)", text), where
            flat = " ".join(text.split())
            assert flat.count("natural logarithm") == 1, where
            assert "Inputs, units and classes are numbered from 1" in flat, where
            assert not re.search(r"(?<![-\w])class 0\b", flat), where


def test_the_printed_class_is_counted_from_1(printed):
    assert [cls for cls, *_ in printed.values()] == [3, 1]
    for variant, (cls, texts, handout) in printed.items():
        for name, text in texts.items():
            flat = "".join(text.split())
            assert f"thenetworkgivesclass{cls}forthegiveninput" in flat, (variant, name)
        answers = re.findall(r"\\begin\{answer\}\$\\displaystyle a\^\{1(?:,\\text\{new\})?\}_\{(\d+)\}",
                             handout)
        assert answers == [str(cls)] * 2, variant


def test_the_hints_are_in_words(printed):
    # a hint that loses its words (or its formula) fails here
    q12 = ["Hint:thegradientisanouterproduct,∇W2ℓ=a1(∂ℓ/∂z2)T,",
           "forasoftmaxoutputwiththisloss.Thedimensionsmustmatch:a1isa4×1column"]
    q13 = ["Hint:applythechainruleonelayeratatime,backwardsfrom∂ℓ/∂z2.",
           "dependsona1through∂z2/∂a1=W2(theweightsoftheforwardpass,beforetheirupdate)",
           "thederivativeofmax(z1,0)is1[z1>0],1wherez1ispositiveand0elsewhere,"
           "whichgives∂ℓ/∂z1.",
           "dependsonW1through∂z1/∂W1=x,so∇W1ℓisagainanouterproduct",
           "ReLUhasnoderivativewherez1is0;byconventionitistakentobe0there."]
    for variant, (_, texts, _) in printed.items():
        for name, text in texts.items():
            flat = _squashed(text)
            for part in q12 + q13:
                assert part in flat, (variant, name, part)


def test_the_config_title_wins_over_the_assignment_title():
    from derive.documents.context import course_context
    from derive.problem.config import Course
    assert course_context(Course(), "Gradients")["title"] == "Gradients"
    assert course_context(Course(title="Homework 3"), "Gradients")["title"] == "Homework 3"
    with pytest.raises(InputError, match="^title"):
        course_context(Course(), "神经网络")
