"""The formulas a feedback PDF prints under a numeric question: by its kind,
for the part's network, each rule chosen by the network (a fused output
gradient or the chain rule through f′, the δ recursion with each layer's
derivative, the new parameters only where the step changes them)."""

import shutil

import pytest

from derive.grading.feedback_steps import formulas
from derive.problem.assignment import Part, Question
from derive.problem.spec import Layer, Network


def part(acts, loss, questions, sizes=(2, 3, 2)):
    net = Network(sizes[0], tuple(Layer(n, f) for n, f in zip(sizes[1:], acts)), loss)
    return Part("p", "p", tuple(Question(f"q{i}", k, 1, tuple(o.items()))
                                for i, (k, o) in enumerate(questions, 1)), net)


def text(p, i=0):
    return " ".join(formulas(p, p.questions[i]))


@pytest.mark.parametrize("acts,loss,rule", [
    (("relu", "softmax"), "nllm", r"\delta^{2} = a^{2} - y"),
    (("tanh", "identity"), "mse", r"\delta^{2} = a^{2} - y"),
    (("relu", "sigmoid"), "mse", r"\delta^{2} = (a^{2} - y) \odot (a^{2} \odot (1 - a^{2}))"),
])
def test_the_output_gradient_is_the_rule_of_the_output(acts, loss, rule):
    p = part(acts, loss, [("gradient", {"param": "W2"})], (2, 3, 1 if loss == "mse" else 2))
    assert text(p).startswith(rule)
    assert r"\nabla_{W^{2}} \ell = a^{1} (\delta^{2})^{T}" in text(p)
    assert r"\delta^{1}" not in text(p)


@pytest.mark.parametrize("act,derivative", [("relu", r"\mathbf{1}[z^{1} > 0]"),
                                            ("tanh", r"1 - a^{1} \odot a^{1}"),
                                            ("sigmoid", r"a^{1} \odot (1 - a^{1})")])
def test_the_delta_recursion_multiplies_by_the_layers_own_derivative(act, derivative):
    p = part((act, "softmax"), "nllm", [("gradient-step", {"param": "W1"})])
    t = text(p)
    assert rf"\delta^{{1}} = (W^{{2}} \delta^{{2}}) \odot ({derivative})" in t
    assert r"\nabla_{W^{1}} \ell = x (\delta^{1})^{T}" in t
    assert t.endswith(r"W^{1}_{\text{new}} = W^{1} - \eta \nabla_{W^{1}} \ell")
    bias = part((act, "softmax"), "nllm", [("gradient", {"param": "b1"})])
    assert text(bias).endswith(r"\nabla_{w_0^{1}} \ell = \delta^{1}")


def test_after_the_step_only_the_stepped_parameters_are_new():
    p = part(("relu", "softmax"), "nllm", [("step", {"param": "W2"}),
                                           ("after-step", {"value": "loss"})])
    t = text(p, 1)
    assert r"W^{2}_{\text{new}} = W^{2} - \eta" in t and r"W^{1}_{\text{new}}" not in t
    assert r"z^{1}_{\text{new}} = (W^{1})^{T} x + w_0^{1}" in t
    assert r"z^{2}_{\text{new}} = (W^{2}_{\text{new}})^{T} a^{1}_{\text{new}} + w_0^{2}" in t
    assert t.endswith(r"\ell = -\sum_{j} y_{j} \ln a^{2,\text{new}}_{j}")   # one subscript


def test_a_forward_value_stops_at_its_layer_and_formulas_have_none():
    p = part(("tanh", "identity"), "mse", [("forward", {"value": "a1"}),
                                           ("probability", {"class": 1}),
                                           ("activation", {"activation": "tanh"})])
    assert text(p) == r"z^{1} = (W^{1})^{T} x + w_0^{1} a^{1} = \tanh(z^{1})"
    assert r"a^{2} = z^{2}" in text(p, 1)
    assert formulas(p, p.questions[2]) == []


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_every_shipped_assignment_s_feedback_compiles(tmp_path):
    """A student who answered nothing: every question's step is printed."""
    from derive.grading.answers import Submission
    from derive.grading.feedback import build_feedback, feedback_context, render_feedback
    from derive.grading.kind_grade import grade_all_kinds
    from derive.grading.kind_answers import parts_of
    from derive.numerics.key import build_assignment_key
    from derive.problem.assignment import load_assignment
    from derive.problem.config import Config
    from tests.grading.examples import NAMES
    sources = []
    for name in NAMES:
        key = build_assignment_key(load_assignment(name))
        numeric = [q for p in parts_of(key) for q in p.questions if formulas(p, q)]
        assert numeric or name == "logistic"
        [g] = grade_all_kinds([Submission(0, "Ada", "reference")], [key])
        ctx = feedback_context(g, {}, key, Config())
        assert all(d["step"]["formulas"] for d in ctx["details"] if d["item"] in
                   [q.id[1:] for q in numeric])
        sources.append((name, render_feedback(ctx)))
    assert len(build_feedback(sources, tmp_path, jobs=2)) == len(NAMES)
