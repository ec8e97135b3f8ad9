"""The numeric items of a variant as the LMS quizzes show them (what each
question asks, the data given, which part of a gradient step carries the
marks) and the distractors of each question (the named mistake's answer on
the variant's own numbers), question by question (mutation survivors of
derive/variants/items.py)."""

import copy
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import PartData, load_assignment, parse_assignment
from derive.variants.exports import numeric_items
from derive.variants.instances import generate_assignment_keys
from derive.variants.items import mistaken_answers
from derive.variants.moodle import moodle_xml
from derive.variants.settings import parse_settings

REFERENCE = load_assignment("reference")


def _question(qid, kind, **options):
    return {"id": qid, "kind": kind, "points": 5, **options}


# one sigmoid unit with a question of every numeric kind, each value and each
# kind of parameter, a loss with an example and one without (a formula only)
EVERY_KIND = {
    "title": "Every numeric kind", "points": 100,
    "parts": [{
        "id": "unit", "title": "One sigmoid unit",
        "network": {"inputs": 2, "layers": [{"units": 1, "activation": "sigmoid"}],
                    "loss": "nll"},
        "given": {"W1": [[1], [-1]], "b1": [-0.5], "x": [1, 2], "y": [1], "lr": 0.25},
        "questions": [
            _question("q1", "loss", loss="nll"),
            _question("q2", "loss", loss="nll", example={"a": [0.8], "y": [0]}),
            _question("q3", "forward", value="z1"),
            _question("q4", "forward", value="a1"),
            _question("q5", "forward", value="output"),
            _question("q6", "forward", value="loss"),
            _question("q7", "probability", **{"class": 1}),
            _question("q8", "gradient", param="W1"),
            _question("q9", "gradient", param="b1"),
            _question("q10", "step", param="W1"),
            _question("q11", "step", param="b1"),
            _question("q12", "gradient-step", param="W1"),
            _question("q13", "gradient-step", param="b1"),
            _question("q14", "after-step", value="z1"),
            _question("q15", "after-step", value="a1"),
            _question("q16", "after-step", value="output"),
            _question("q17", "after-step", value="loss"),
            _question("q18", "probability", after=True, **{"class": 1}),
            _question("q19", "activation", activation="sigmoid", points=10)]}]}

GRAD = "the gradient of the loss with respect to"
STEP = "after one gradient-descent step"
ASKS = {
    "q2": "the nll loss of the example",
    "q3": "the pre-activations z1 of layer 1 for the given data",
    "q4": "the activations a1 of layer 1 for the given data",
    "q5": "the network output for the given data",
    "q6": "the loss for the given data",
    "q7": "the predicted probability of class 1 for the given data",
    "q8": f"{GRAD} W1 (rows are inputs, columns are units)",
    "q9": f"{GRAD} the bias b1",
    "q10": f"W1 {STEP}",
    "q11": f"b1 {STEP}",
    "q12": f"{GRAD} W1 (rows are inputs, columns are units), and W1 {STEP}",
    "q13": f"{GRAD} the bias b1, and b1 {STEP}",
    "q14": "the pre-activations z1 of layer 1 after the gradient-descent step",
    "q15": "the activations a1 of layer 1 after the gradient-descent step",
    "q16": "the network output after the gradient-descent step",
    "q17": "the loss after the gradient-descent step",
    "q18": "the predicted probability of class 1 after the gradient-descent step",
}
GIVEN = "W1 = [[1], [-1]], b1 = [-0.5], x = [1, 2], y = [1], step size 0.25"


@pytest.fixture(scope="module")
def every_kind():
    [key] = build_assignment_keys(parse_assignment(EVERY_KIND), [{}], ["v"])
    return key


def test_each_item_says_what_its_question_asks(every_kind):
    items = numeric_items(every_kind)
    # in the questions' order; the formulas (q1's loss without an example, q19) are not items
    assert [i.id for i in items] == list(ASKS)
    assert {i.id: i.prompt for i in items} == ASKS


def test_each_item_gives_its_parts_data_and_a_loss_example_its_own(every_kind):
    given = {i.id: i.given for i in numeric_items(every_kind)}
    assert given.pop("q2") == "a = [0.8], y = [0]"
    assert set(given.values()) == {GIVEN}


def test_the_moodle_quiz_shows_what_is_asked_and_given(every_kind):
    quiz = ET.fromstring(moodle_xml([every_kind]))
    texts = {q.findtext("name/text"): q.findtext("questiontext/text")
             for q in quiz.findall("question") if q.get("type") != "category"}
    assert texts["v q9"].startswith(
        f"<p>Problem sheet v, question q9: {ASKS['q9']}. Given: {GIVEN}.</p>")
    assert texts["v q2"].startswith(
        f"<p>Problem sheet v, question q2: {ASKS['q2']}. Given: a = [0.8], y = [0].</p>")


def test_only_the_new_value_of_a_gradient_step_carries_marks(every_kind):
    items = {i.id: i for i in numeric_items(every_kind)}
    assert {qid for qid, i in items.items() if i.marked is not None} == {"q12", "q13"}
    assert items["q12"].marked == items["q13"].marked == "new"
    quiz = ET.fromstring(moodle_xml([every_kind]))
    text = {q.findtext("name/text"): q.findtext("questiontext/text")
            for q in quiz.findall("question")}["v q13"]
    # the gradient's field has weight 0, the new bias all 5 points (× the quiz's
    # mark scale 2: q12's two fields share its 5)
    assert "<p>grad (graded for feedback only: the marks are for new):</p><p>{0:NUMERICAL:" \
        in text
    assert "<p>new:</p><p>{10:NUMERICAL:" in text


def test_a_formula_answer_is_never_a_numeric_item(every_kind):
    key = copy.deepcopy(every_kind)
    # even one that carries a stray number (an edited key file)
    key["answers"]["q19"]["value"] = 0.5
    key["answers"]["q1"] = {"latex": key["answers"]["q1"]["latex"]}
    assert [i.id for i in numeric_items(key)] == list(ASKS)


# --------------------------------------------------------------------------
# Distractors: per question, the mistakes that enter its own kind, each with
# the answer it gives on the variant's numbers


@pytest.fixture(scope="module")
def variant():
    """A generated variant of the reference (its data are not the file's)."""
    [key] = generate_assignment_keys(REFERENCE, 9, 1, parse_settings({}))
    assert key["params"]["softmax-layer"] != REFERENCE.parts[1].given.to_json()
    return key


def _distractors(key):
    return {qid: dict(pairs) for qid, pairs in mistaken_answers(REFERENCE, key).items()}


def test_each_question_offers_the_mistakes_of_its_own_kind(variant):
    codes = {qid: sorted(by_code) for qid, by_code in _distractors(variant).items()}
    # a sign slip or the unnormalised softmax reaches q8's step only through q6's
    # gradient, an ascent reaches q9 and q14 only through the step: the grader
    # carries those forward, they are no distractors of their own
    assert codes == {
        "q5": ["sign-flipped", "wrong-class"],
        "q6": ["not-normalised", "sign-flipped", "transposed"],
        "q7": ["not-normalised", "wrong-class"],
        "q8": ["ascent", "transposed"],
        "q9": ["not-normalised", "wrong-class"],
        "q11": ["not-normalised"],
        "q12": ["ascent", "not-normalised", "sign-flipped", "transposed"],
        "q13": ["ascent", "missing-relu-mask", "not-normalised", "sign-flipped",
                "transposed", "updated-weights-in-backprop"],
        "q14": ["not-normalised"]}


def _close(a, b):
    # (the key's exact zeros may be float noise, ~1e-16, in a mistake's answer)
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-12, atol=1e-12)


def _check_sign_and_ascent(key):
    """The sign slip's gradient is −∇ and the ascent's step W + η∇, from
    the variant's own data and key."""
    shown, answers = _distractors(key), key["answers"]
    soft, net = key["params"]["softmax-layer"], key["params"]["network"]
    grad = np.asarray(answers["q6"])
    assert _close(shown["q6"]["sign-flipped"], -grad)
    assert _close(shown["q8"]["ascent"], np.asarray(soft["W1"]) + soft["lr"] * grad)
    for qid, param in (("q12", "W2"), ("q13", "W1")):
        grad = np.asarray(answers[qid]["grad"])
        assert _close(shown[qid]["sign-flipped"]["grad"], -grad)
        assert _close(shown[qid]["ascent"]["new"], np.asarray(net[param]) + net["lr"] * grad)


def test_a_distractor_is_the_named_mistake_on_the_variants_numbers(variant):
    _check_sign_and_ascent(variant)


# z¹₁ = 0.1 + 0.2 − 0.3: 0 in decimals (the unit is off), 5.6e-17 in float64
AT_A_TIE = PartData(W=(((0.1, 1, 0.7, -1), (0.2, -1, -0.4, 0.5)),
                       ((1, -1), (0.5, -1), (1, 0.5), (-1, 1))),
                    b=((-0.3, 0.5, -0.3, 0.25), (0, 0.5)), x=(1, 1), y=(1, 0), lr=0.25)


def test_at_a_relu_tie_a_distractor_has_the_units_gradient_zero():
    net = REFERENCE.parts[2]
    [key] = build_assignment_keys(REFERENCE, [{net.id: AT_A_TIE}], ["tie"])
    grad = np.asarray(key["answers"]["q13"]["grad"])
    assert not grad[:, 0].any()     # the unit is off in the key
    _check_sign_and_ascent(key)
