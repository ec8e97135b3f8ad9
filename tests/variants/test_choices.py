"""The formula questions as multiple choice: for every formula question of
every shipped assignment (and of every network the catalogue allows) the
key's formula and at least two wrong forms, none equal to it or to each
other (checked by the grader's own equivalence where the key has SymPy
text, by SymPy's simplify at every index otherwise), each with feedback."""

import html
import shutil
from itertools import product as tuples

import pytest
import sympy as sp

from derive.calculus import softmax as sm
from derive.calculus.latex import latex
from derive.documents.build import compile_pdf
from derive.grading.compare import equivalent
from derive.grading.rules import Rules
from derive.numerics.key import answer, build_assignment_keys
from derive.numerics.kind_mistakes import formula_mistakes
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.problem.assignment import Part, Question, load_assignment
from derive.problem.catalogue import FORMULA_KINDS
from derive.problem.spec import Layer, Network, NllmExample
from derive.variants import choice_forms as cf
from derive.variants.choices import _forms, formula_choices, right_form, tex_html, wrong_options
from derive.variants.exports import numeric_items
from derive.variants.instances import generate_assignment_keys
from derive.variants.settings import parse_settings

SHIPPED = ("reference", "logistic", "sigmoid-softmax", "tanh-mse")


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(request):
    """An assignment with its reference key and two generated variants."""
    a = load_assignment(request.param)
    keys = build_assignment_keys(a, [{}], ["reference"]) + \
        generate_assignment_keys(a, 20261205, 2, parse_settings({}))
    return a, keys


def _question(assignment, qid):
    return next((p, q) for p in assignment.parts for q in p.questions if q.id == qid)


def _indexed_differ(first, second) -> bool:
    """Two indexed formulas differ for some i, j, c in 1..3 with n = 3 (SymPy's simplify)."""
    f, g = cf.value(first), cf.value(second)
    idx = sorted({s for s in (f - g).free_symbols if isinstance(s, sp.Symbol) and s.is_integer
                  and s != sm.n}, key=str)
    return any(sp.simplify((f - g).subs({sm.n: 3, **dict(zip(idx, c))}).doit()) != 0
               for c in tuples((1, 2, 3), repeat=len(idx)))


def _check_options(part, question, ans):
    """The checks every formula question's options pass: the right form is
    the key's formula, at least two wrong ones, each different from it and
    from the others, each with a diagnosis."""
    right = right_form(part, question, ans.get("sympy"))
    wrong = wrong_options(part, question, ans.get("sympy"), ans["latex"])
    assert len(wrong) >= 2, (question.id, wrong)
    # no designed wrong form is lost as "equal" to the right one or another
    assert len(wrong) == len(_forms(part, question, right, ans.get("sympy")))
    if ans.get("sympy") and not right.has(sp.Indexed):
        key_expr = sp.sympify(ans["sympy"])
        assert sp.simplify(cf.value(right) - key_expr) == 0
        assert equivalent(cf.value(right), key_expr, question.id, Rules())
        for i, (tex, form) in enumerate(wrong):
            assert not equivalent(cf.value(form.expr), key_expr, question.id, Rules()), tex
            for _, other in wrong[:i]:
                assert not equivalent(cf.value(form.expr), cf.value(other.expr), question.id,
                                      Rules()), tex
    else:   # given as LaTeX (or an indexed sum): the catalogue's derivation prints as the key
        assert ans["latex"].endswith(latex(right))
        for i, (tex, form) in enumerate(wrong):
            assert _indexed_differ(form.expr, right), tex
            assert all(_indexed_differ(form.expr, other.expr) for _, other in wrong[:i]), tex
    texts = [t for t, _ in wrong]
    assert len(set(texts)) == len(texts) and ans["latex"] not in texts
    assert all(form.tex and form.code for _, form in wrong)
    return right, wrong


def test_every_formula_question_of_the_shipped_assignments(shipped):
    assignment, keys = shipped
    for key in keys:
        choices = formula_choices(assignment, key)
        formula = [q for q, v in key["questions"].items() if v["kind"] in FORMULA_KINDS]
        assert sorted(choices) == sorted(formula) and formula
        for qid, ch in choices.items():
            ans = key["answers"][qid]
            part, question = _question(assignment, qid)
            _check_options(part, question, ans)
            assert ch.qid == qid
            right = [c for c in ch.options if c.right]
            assert [c.html for c in right] == [f"\\({ans['latex']}\\)".replace(">", "&gt;")]
            assert len(ch.options) >= 3 and len({c.html for c in ch.options}) == len(ch.options)
            for c in ch.options:
                assert c.html.startswith("\\(") and c.html.endswith("\\)") and "$" not in c.html
                if not c.right:
                    assert c.feedback.startswith("<p>") and len(c.feedback) > 20
                    assert "$" not in c.feedback


def test_the_library_mistakes_are_options(shipped):
    """Each mistake :func:`formula_mistakes` finds in the key's formula is an
    option (printed in the sheet's notation, the same formula), with the
    library's diagnosis."""
    assignment, keys = shipped
    key = keys[0]
    for qid, q in key["questions"].items():
        ans = key["answers"][qid]
        if q["kind"] not in FORMULA_KINDS or "sympy" not in ans:
            continue
        part, question = _question(assignment, qid)
        forms = {form.code: form for _, form in wrong_options(part, question, ans["sympy"],
                                                              ans["latex"])}
        for code, expr in formula_mistakes(question, sp.sympify(ans["sympy"])).items():
            assert cf.same(forms[code].expr, expr) or \
                not _indexed_differ(forms[code].expr, expr.subs(
                    {sp.Symbol("z_j"): sm.z[sm.j]})), (qid, code)
            if code == "sign-flipped" and q["kind"] in cf._FLIPPED:
                # a definition's flipped sign, said of the definition, not of a gradient
                assert forms[code].tex == cf._FLIPPED[q["kind"]] != MISTAKE_KINDS[code].tex
            else:
                assert forms[code].tex == MISTAKE_KINDS[code].tex
    options = formula_choices(assignment, key)
    for qid, choices in options.items():
        for c in choices.options:
            assert c.code in ("",) + tuple(MISTAKE_KINDS) and (c.code == "" or not c.right)
    assert any(c.code for ch in options.values() for c in ch.options)


def test_a_key_of_another_assignment():
    key = build_assignment_keys(load_assignment("tanh-mse"), [{}], ["reference"])[0]
    with pytest.raises(ValueError, match="key reference: question q1 .* assignment 'reference'"):
        formula_choices(load_assignment("reference"), key)


def test_loss_with_example_is_a_choice_and_a_number():
    a = load_assignment("reference")
    key = build_assignment_keys(a, [{}], ["reference"])[0]
    assert "q5" in formula_choices(a, key)
    assert "q5" in {i.id for i in numeric_items(key)}


def test_same_inputs_same_choices_and_the_right_one_moves(shipped):
    assignment, keys = shipped
    first = [formula_choices(assignment, k) for k in keys]
    assert first == [formula_choices(assignment, k) for k in keys]
    positions = {next(i for i, c in enumerate(ch.options) if c.right)
                 for k in first for ch in k.values()}
    if sum(len(k) for k in first) >= 4:
        assert len(positions) > 1
    # the options are the same in every variant, only their order changes
    for qid in first[0]:
        assert {c.html for c in first[0][qid].options} == {c.html for c in first[-1][qid].options}


# --------------------------------------------------------------------------
# Every network the catalogue allows, beyond the shipped assignments

def _part(network, *questions):
    return Part("p", "", tuple(questions), network)


_OUTPUTS = [("softmax", "nllm", 3), ("sigmoid", "nll", 1), ("sigmoid", "nll", 2),
            ("identity", "mse", 1), ("identity", "mse", 2), ("sigmoid", "mse", 2),
            ("tanh", "mse", 1), ("tanh", "mse", 2), ("relu", "mse", 1), ("relu", "mse", 2)]


@pytest.mark.parametrize("out, loss, units", _OUTPUTS)
@pytest.mark.parametrize("layers", [1, 2])
def test_output_gradient_and_gradient_formula_of_any_network(out, loss, units, layers):
    hidden = (Layer(3, "tanh"),) if layers == 2 else ()
    net = Network(2, hidden + (Layer(units, out),), loss)
    questions = [Question("g", "gradient-formula", 5, (("param", f"W{layers}"),))]
    if layers == 1:
        questions.append(Question("d", "output-gradient", 5))
    part = _part(net, *questions)
    for q in questions:
        _check_options(part, q, answer(part, q, None))


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_activation_and_its_derivative(activation):
    net = Network(2, (Layer(3, activation),), "nllm" if activation == "softmax" else "mse")
    questions = [Question("a", "activation", 5, (("activation", activation),))]
    if activation != "softmax":
        questions.append(Question("d", "activation-derivative", 5, (("activation", activation),)))
    part = _part(net, *questions)
    for q in questions:
        _check_options(part, q, answer(part, q, None))


@pytest.mark.parametrize("loss, units", [("nllm", 3), ("nll", 1), ("nll", 2), ("mse", 1),
                                         ("mse", 2)])
def test_losses_and_the_jacobian(loss, units):
    out = {"nllm": "softmax", "nll": "sigmoid", "mse": "identity"}[loss]
    net = Network(2, (Layer(units, out),), loss)
    questions = [Question("l", "loss", 5, (("loss", loss),)),
                 Question("l2", "loss", 5, (("loss", loss), ("example", NllmExample(
                     (0.2, 0.8) if units == 2 else (0.3,) if units == 1 else (0.1, 0.4, 0.5),
                     (0, 1) if units == 2 else (1,) if units == 1 else (1, 0, 0))))),
                 Question("j", "softmax-jacobian", 5)]
    for part in (_part(net, *questions), _part(None, *questions)):   # a part without a network
        for q in questions:
            _check_options(part, q, answer(part, q, None))


# --------------------------------------------------------------------------
# The pieces

def test_same_tells_formulas_apart_at_every_index():
    a, i, j = sm.a, sm.i, sm.j
    delta = sp.KroneckerDelta(i, j)
    assert cf.same(a[j] * (delta - a[i]), a[i] * (delta - a[j]))      # equal: δ picks i = j
    assert not cf.same(a[i] * (1 - a[j]), a[i] * (delta - a[j]))
    z = cf.z
    assert cf.same(cf.sigmoid(z) * (1 - cf.sigmoid(z)), sp.exp(-z) / (1 + sp.exp(-z)) ** 2)
    assert cf.same(sp.tanh(z), (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)))
    assert not cf.same(sp.Heaviside(z, 0), sp.Integer(1))             # needs a negative z
    x_k, a_j, z_j = sp.symbols("x_k a_j z_j")
    assert not cf.same(x_k * sp.Heaviside(z_j, 0), a_j * sp.Heaviside(z_j, 0))
    assert cf.same(sp.Symbol("a_j", real=True) - sp.Symbol("y_j"), sp.sympify("a_j - y_j"))


@pytest.mark.parametrize("text", ["x_k*(a - y)", "a_j - y_j", "(1 - a_j**2)*(a_j - y_j)",
                                  "Heaviside(z, 0)", "1 - tanh(z)**2"])
def test_flip_is_the_negation(text):
    expr = sp.sympify(text)
    assert sp.simplify(cf.value(cf.flip(expr)) + expr) == 0
    assert not latex(cf.flip(expr)).startswith("- (")


def test_tex_html():
    assert tex_html(r"Check $a < b$ & ``class 3'' <b>") == \
        r"Check \(a &lt; b\) &amp; “class 3” &lt;b&gt;"
    assert tex_html("no maths") == "no maths"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")
def test_every_option_and_diagnosis_is_latex(tmp_path):
    """MathJax reads the LaTeX of amsmath: every option (out of its HTML)
    and every diagnosis compiles."""
    lines = []
    for name in SHIPPED:
        a = load_assignment(name)
        key = build_assignment_keys(a, [{}], ["reference"])[0]
        for qid, ch in formula_choices(a, key).items():
            part, question = _question(a, qid)
            ans = key["answers"][qid]
            lines += [html.unescape(c.html) for c in ch.options]
            lines += [form.tex for _, form in wrong_options(part, question, ans.get("sympy"),
                                                            ans["latex"])]
    tex = tmp_path / "options.tex"
    tex.write_text("\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}\n" +
                   "\n\n".join(lines) + "\n\\end{document}\n")
    assert compile_pdf(tex).stat().st_size > 0


def test_the_wrong_options_the_readme_counts():
    """README.md, "Formula questions in the LMS quizzes": wrong options per question."""
    counts = {"reference": {"q1": 4, "q2": 3, "q3": 4, "q4": 4, "q5": 4},
              "logistic": {"q1": 4, "q2": 4, "q3": 4},
              "sigmoid-softmax": {"q1": 3, "q2": 3, "q3": 3},
              "tanh-mse": {"q1": 3, "q2": 4, "q3": 3}}
    for name, expected in counts.items():
        a = load_assignment(name)
        key = build_assignment_keys(a, [{}], ["reference"])[0]
        assert {q: len(ch.options) - 1 for q, ch in formula_choices(a, key).items()} == expected
