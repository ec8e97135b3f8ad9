"""moodle.xml: well-formed, every number equal to the answer key's, marks
the questions' points, tolerances the precision contract's; with the
assignment, each question's text, files and worked solution as
:func:`derive.variants.lms_html.question_html` gives them."""

import base64
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from derive.numerics.key import build_assignment_keys
from derive.problem import precision
from derive.problem.assignment import load_assignment, shipped
from derive.problem.config import Config
from derive.variants.exports import flat_answers, numeric_items
from derive.variants.lms_html import question_html
from derive.variants.moodle import WIDTH_PAD, mark_scale, moodle_answer, moodle_xml
from tests.variants.test_exports import keys, logistic_keys  # noqa: F401  (fixtures)

REFERENCE = load_assignment("reference")


_CLOZE = re.compile(r"\{(\d+):NUMERICAL:=([^:}]+):([^}~]+)~%0%" + re.escape(WIDTH_PAD) + r":0\}")
NUMERIC = ["q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13", "q14"]


def _questions(text):
    root = ET.fromstring(text)
    assert root.tag == "quiz"
    return root.findall("question")


def test_moodle_xml_is_well_formed_and_answers_equal_the_key(keys):
    questions = _questions(moodle_xml(keys))
    cats = [q for q in questions if q.get("type") == "category"]
    assert [c.findtext("category/text") for c in cats] == \
        [f"$course$/handouts/s9/{k['variant']}" for k in keys]
    graded = [q for q in questions if q.get("type") != "category"]
    assert [i.id for i in numeric_items(keys[0])] == NUMERIC
    assert len(graded) == len(keys) * len(NUMERIC)
    by_name = {q.findtext("name/text"): q for q in graded}
    for key in keys:
        got = []
        for item in NUMERIC:
            q = by_name[f"{key['variant']} {item}"]
            if q.get("type") == "numerical":
                assert q.find("answer").get("fraction") == "100"
                got.append((q.findtext("answer/text"), q.findtext("answer/tolerance")))
            else:
                assert q.get("type") == "cloze"
                got += [(v, t) for _, v, t in _CLOZE.findall(q.findtext("questiontext/text"))]
        assert got == [moodle_answer(v) for _, v in flat_answers(key)]
        # 14 significant digits, as Moodle stores them
        assert [float(v) for v, _ in got] == pytest.approx([v for _, v in flat_answers(key)],
                                                          rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("figures", [2, 3, 4, 8])
@pytest.mark.parametrize("value", [2.302585092994046, -1.0, 0.0, -5.551115123125783e-17,
                                   0.4999999999433729, 9.995, 123456.789, -0.000123456])
def test_moodle_accepts_what_the_contract_accepts(value, figures):
    """Moodle's nominal interval [a - t, a + t] (question/type/numerical
    get_tolerance_interval, without its 1e-14 allowance) around what it stores."""
    answer, tol = map(float, moodle_answer(value, figures))
    t = float(precision.tolerance(value, figures))
    for given in (value + t, value - t, value + 0.5 * t, value):
        assert precision.within(given, value, figures) and abs(given - answer) <= tol
    for given in (value + 1.001 * t, value - 1.001 * t):
        assert not precision.within(given, value, figures) and abs(given - answer) > tol


def test_moodle_marks_are_the_points_times_one_scale(keys):
    scale = mark_scale(keys)
    assert scale == 4  # 7.5 points in 6 fields (q6, q8), 10 in 8 (q12/q13's new W)
    by_name = {q.findtext("name/text"): q for q in _questions(moodle_xml(keys))}
    key = keys[0]
    for item in numeric_items(key):
        q = by_name[f"{key['variant']} {item.id}"]
        text = q.findtext("questiontext/text")
        assert precision.statement(3) in text
        if q.get("type") == "numerical":
            assert float(q.findtext("defaultgrade")) == item.points * scale
            continue
        # a cloze question's mark is the sum of its fields' whole weights
        assert q.find("defaultgrade") is None
        weights = [int(w) for w, _, _ in _CLOZE.findall(text)]
        assert sum(weights) == item.points * scale
        if item.id in ("q12", "q13"):
            grad, W = weights[:len(weights) // 2], weights[len(weights) // 2:]
            assert set(grad) == {0} and len(set(W)) == 1 and W[0] > 0
        else:
            assert len(set(weights)) == 1


def test_moodle_mark_scale_follows_the_shapes(tmp_path):
    # the reference with 3 hidden units: q12's new W², 10 points in 6 fields
    text = shipped("reference").read_text()
    for old, new in (("units = 4", "units = 3"),
                     ("W1 = [[1, 0, -1, 0], [0, 1, 0, -1]]", "W1 = [[1, 0, -1], [0, 1, 0]]"),
                     ("b1 = [-1, -1, -1, -1]", "b1 = [-1, -1, -1]"),
                     ("W2 = [[1, -1], [1, -1], [1, -1], [1, -1]]", "W2 = [[1, -1], [1, -1], [1, -1]]")):
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "three.toml").write_text(text)
    keys = build_assignment_keys(load_assignment(tmp_path / "three.toml"), [{}], ["t"], 9)
    assert mark_scale(keys) == 12
    q12 = [q for q in _questions(moodle_xml(keys)) if (q.findtext("name/text") or "").endswith("q12")][0]
    assert [int(w) for w, _, _ in _CLOZE.findall(q12.findtext("questiontext/text"))] == [0] * 6 + [20] * 6


def test_moodle_xml_states_the_figures_and_a_reference_key_has_no_seed():
    text = moodle_xml(build_assignment_keys(REFERENCE, [{}], ["reference"]), figures=4)
    assert precision.statement(4) in text and precision.statement(3) not in text
    assert "<text>$course$/handouts/reference</text>" in text


def test_moodle_xml_escapes_and_is_deterministic(keys):
    text = moodle_xml(keys)
    assert text == moodle_xml(keys)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "&lt;table&gt;" in text  # HTML inside the XML is escaped


def test_moodle_names_the_class_from_1(keys):
    # q7 and q9 ask for class 3 (a₃), before and after the step
    by_name = {q.findtext("name/text"): q for q in _questions(moodle_xml(keys))}
    for key in keys:
        p = key["params"]["softmax-layer"]
        for item, when in (("q7", "for the given data"), ("q9", "after the gradient-descent step")):
            text = by_name[f"{key['variant']} {item}"].findtext("questiontext/text")
            assert f"the predicted probability of class 3 {when}" in text
            assert f"W1 = {p['W1']}, b1 = {p['b1']}, x = {p['x']}" in text


def test_schema2_moodle_marks_are_the_questions_points(logistic_keys):
    from derive.variants.exports import numeric_items
    scale = mark_scale(logistic_keys)
    by_name = {q.findtext("name/text"): q for q in _questions(moodle_xml(logistic_keys))
               if q.get("type") != "category"}
    key = logistic_keys[0]
    items = numeric_items(key)
    assert [i.id for i in items] == ["q2", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12"]
    assert len(by_name) == 3 * len(items)
    for item in items:
        q = by_name[f"{key['variant']} {item.id}"]
        text = q.findtext("questiontext/text")
        assert f"question {item.id}: {item.prompt}" in text and precision.statement(3) in text
        points = key["questions"][item.id]["points"]
        if q.get("type") == "numerical":
            assert float(q.findtext("defaultgrade")) == points * scale
            continue
        weights = [int(w) for w, _, _ in _CLOZE.findall(text)]
        assert sum(weights) == points * scale
        if key["questions"][item.id]["kind"] == "gradient-step":   # the marks are for new
            assert weights[:len(weights) // 2] == [0] * (len(weights) // 2)
    given = by_name[f"{key['variant']} q7"].findtext("questiontext/text")
    p = key["params"]["logistic"]
    assert f"W1 = {p['W1']}, b1 = {p['b1']}, x = {p['x']}, y = {p['y']}, step size {p['lr']}" \
        in given
    assert "rows are inputs" in given and "class 1" in by_name["s9-0 q12"].findtext(
        "questiontext/text")


def test_mistakes_are_0_percent_answers_with_their_diagnosis():
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    from derive.problem.assignment import load_assignment
    from derive.variants.moodle import _cloze_escape, wrong_fields
    a = load_assignment("reference")
    key = json.loads(json.dumps(build_assignment_keys(a, [{}], ["reference"])[0]))
    xml = moodle_xml([key], assignment=a)
    assert MISTAKE_KINDS["sign-flipped"].text.split(":")[0] in xml
    assert xml.count("~%0%") > xml.count("NUMERICAL")   # beside each width pad, mistakes
    # a transposed 2 x 3 matrix cannot be typed into 2 x 3 fields; a value the
    # contract accepts as right is no mistake
    right = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    fields = wrong_fields(right, [("transposed", np.transpose(right)),
                                  ("sign-flipped", [[-1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])], 3)
    assert [bool(f) for f in fields] == [True, False, False, False, False, False]
    assert list(fields[0]) == ["-1"] and "sign" in fields[0]["-1"].lower()
    assert _cloze_escape("a } b # c ~ d") == "a \\} b \\# c \N{TILDE OPERATOR} d"



# --------------------------------------------------------------------------
# What the quiz shows (with the assignment): the questions as question_html
# gives them, their figures as files, the worked solution as general feedback


@pytest.fixture(scope="module")
def shown(keys):  # noqa: F811
    """moodle.xml of two reference variants with their assignment, and what
    question_html gives for them."""
    xml = moodle_xml(keys[:2], assignment=REFERENCE, config=Config())
    html = {f"{k['variant']} {qid}": q for k in keys[:2]
            for qid, q in question_html(REFERENCE, k, Config(), base="@@PLUGINFILE@@/").items()}
    return _questions(xml), html


def _files(el) -> dict[str, bytes]:
    out = {}
    for f in el.findall("file"):
        assert (f.get("path"), f.get("encoding")) == ("/", "base64")
        out[f.get("name")] = base64.b64decode(f.text)
    return out


def test_the_quiz_shows_the_question_html_with_its_files(shown):
    questions, html = shown
    graded = [q for q in questions if q.get("type") != "category"]
    assert len(graded) == 2 * len(NUMERIC)
    for q in graded:
        want = html[q.findtext("name/text")]
        text = q.findtext("questiontext/text")
        assert text == want.text if q.get("type") == "numerical" else text.startswith(want.text)
        feedback = q.find("generalfeedback")
        assert feedback.get("format") == "html" and feedback.findtext("text") == want.feedback
        files = {**_files(q.find("questiontext")), **_files(feedback)}
        assert files == want.files
        # each file is where it is referred to
        for el in (q.find("questiontext"), feedback):
            refs = set(re.findall(r'src="@@PLUGINFILE@@/([^"]+)"', el.findtext("text")))
            assert set(_files(el)) == refs
    assert any(q.find("generalfeedback/file") is not None for q in graded)  # q9, q14: regions


def test_mistake_feedback_has_mathjax_maths(shown):
    questions, _ = shown
    text = "".join(ET.tostring(q, encoding="unicode") for q in questions)
    assert r"\(\partial \ell/\partial z = a - y\)" in text   # sign-flipped, from its LaTeX
    assert "$" not in text.replace("$course$", "")


def test_cloze_feedback_survives_the_parser():
    from derive.variants.moodle import _cloze_body, _cloze_escape
    html = r"<p>\(\frac{a}{b} &lt; \{0, 1\}\) &amp; #1 ~</p>"
    assert _cloze_escape(html) == r"<p>\(\frac{a\}{b\} &amp;lt; \{0, 1\\}\) &amp;amp; \#1 ∼</p>"
    body = _cloze_body([1.0, 2.0], 3, 3, [{"-1": html}, {}])
    assert body.count("NUMERICAL") == 2 and body.count("{3:") == 2


def test_the_set_exports_it(tmp_path):
    from derive.variants.recipes import AssignmentRecipe
    recipe = AssignmentRecipe.of(load_assignment("logistic"), Config())
    keys = recipe.keys(4, 2)
    from derive.variants.choices import formula_choices
    text = recipe.exports(keys)["moodle.xml"]
    choices = {k["variant"]: formula_choices(recipe.assignment, k) for k in keys}
    assert text == moodle_xml(keys, assignment=recipe.assignment, config=Config(), choices=choices)
    numeric = {i.id for i in numeric_items(keys[0])}
    chosen = set(choices[keys[0]["variant"]]) - numeric
    assert chosen and numeric | chosen == set(keys[0]["questions"])   # every question, once
    assert text.count('type="multichoice"') == 2 * len(chosen)
    assert text.count("<generalfeedback") == 2 * len(keys[0]["questions"])
    assert 'encoding="base64"' in text


def test_every_diagnosis_is_html_with_mathjax_maths():
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    from derive.variants.moodle import diagnosis
    from tests.variants.test_lms_html import _check_html
    for code, kind in MISTAKE_KINDS.items():
        html = diagnosis(code)
        _check_html(html)
        assert (r"\(" in html) == ("$" in kind.tex), code
