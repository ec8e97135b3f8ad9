"""The statements, hints and formula notes of the generic path, each
alternative on a small instance where it applies (the reference's bespoke
texts, generalised to any network of the catalogue)."""

import math
import re

import pytest

from derive.documents import statements
from derive.documents.assignment_build import render_assignment
from derive.documents.assignment_context import build_assignment_context, indexing
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import load_assignment, parse_assignment
from derive.problem.config import Config
from derive.problem.spec import InputError


def _net(layers, loss, inputs=2):
    return {"inputs": inputs, "loss": loss,
            "layers": [{"units": u, "activation": f} for u, f in layers]}


def _given(layers, inputs=2, y=None):
    sizes = [inputs] + [u for u, _ in layers]
    out = {"x": [1] * inputs, "lr": 0.5, "y": y or [0] * (sizes[-1] - 1) + [1]}
    for l in range(1, len(sizes)):
        out[f"W{l}"] = [[0.5 * (-1) ** (k + j) for j in range(sizes[l])]
                        for k in range(sizes[l - 1])]
        out[f"b{l}"] = [0] * sizes[l]
    return out


def _assignment(layers, loss, questions, inputs=2, given=True, y=None):
    part = {"id": "p", "title": "P", "network": _net(layers, loss, inputs),
            "questions": [{"id": f"item{i}", "points": 1, **q} for i, q in enumerate(questions)]}
    if given:
        part["given"] = _given(layers, inputs, y)
    return parse_assignment({"title": "T", "parts": [part]}, "t")


def _statements(a):
    return [statements.statement(p, q) for p, q in a.questions()]


def _context(a):
    return build_assignment_context(a, build_assignment_key(a), Config())


def _blocks_text(question):
    return " ".join(b["text"] for b in question["blocks"] if b["type"] == "text")


STEP_W = [{"kind": "step", "param": "W1"}]


# --------------------------------------------------------------------------
# The network text


@pytest.mark.parametrize("layers, loss, said, unsaid", [
    ([(4, "relu"), (2, "softmax")], "nllm",
     ["2 inputs, 4 hidden ReLU units ($f^{1}$) and 2 softmax outputs ($f^{2}$)",
      r"$a^{1} = \max(z^{1}, 0)$ entry by entry, then $z^{2} = (W^{2})^{T} a^{1} + w_0^{2}$",
      "whose entry $a^{2}_{j}$ is the probability of class $j$"], []),
    ([(1, "sigmoid")], "nll",
     ["2 inputs and 1 sigmoid output", r"$a^{1} = \sigma(z^{1})$, the probability "
      "$a^{1} = P(y = 1)$"], ["entry by entry"]),
    ([(3, "sigmoid")], "nll", ["probability that $y_{j} = 1$", "entry by entry"], []),
    ([(3, "tanh"), (2, "identity")], "mse",
     ["2 linear outputs", "$a^{2} = z^{2}$, the network's prediction of the target $y$"], []),
    ([(3, "sigmoid"), (3, "tanh"), (2, "softmax")], "nllm",
     ["3 sigmoid units in hidden layer 1 ($f^{1}$), 3 tanh units in hidden layer 2"], []),
])
def test_the_network_text_says_what_it_computes(layers, loss, said, unsaid):
    a = _assignment(layers, loss, [{"kind": "forward", "value": "output"}])
    text = statements.network_text(a.parts[0].network)
    for s in said:
        assert s in text, (s, text)
    for s in unsaid:
        assert s not in text
    assert text.count("$") % 2 == 0


# --------------------------------------------------------------------------
# The step: what it updates and what it holds


@pytest.mark.parametrize("layers, params, held", [
    ([(2, "relu"), (2, "softmax")], ["W1", "W2"], "leaving the biases unchanged"),
    ([(3, "softmax")], ["W1"], "leaving the bias $w_0^{1}$ unchanged"),
    ([(1, "sigmoid")], ["W1", "b1"], "updating every parameter"),
    ([(2, "relu"), (2, "softmax")], ["W2", "b2"], "leaving $W^{1}$ and $w_0^{1}$ unchanged"),
    ([(2, "relu"), (2, "softmax")], ["b1", "b2"], "leaving the weight matrices unchanged"),
    ([(2, "softmax")], ["b1"], "leaving the weight matrix $W^{1}$ unchanged"),
])
def test_step_statements_say_what_the_step_holds(layers, params, held):
    loss = "nll" if layers[-1][1] == "sigmoid" else "nllm"
    a = _assignment(layers, loss, [{"kind": "step", "param": p} for p in params]
                    + [{"kind": "after-step", "value": "output"}])
    texts = _statements(a)
    for text in texts[:-1]:
        assert held in text and r"step size $\eta = 0.5$" in text
    assert held in statements.step_text(a.parts[0])
    assert "with the updated " in texts[-1]


def test_a_hidden_layer_gradient_is_backpropagated_to():
    a = _assignment([(2, "relu"), (2, "softmax")], "nllm",
                    [{"kind": "gradient", "param": p} for p in ("W2", "W1", "b1")])
    out, hidden, bias = _statements(a)
    assert not out.startswith("Backpropagate")
    assert hidden.startswith("Backpropagate to $W^{1}$: ")
    assert bias.startswith("Backpropagate to $w_0^{1}$: ")


def test_a_probability_before_a_step_says_so():
    with_step = _assignment([(3, "softmax")], "nllm", [{"kind": "probability", "class": 2}]
                            + STEP_W)
    without = _assignment([(3, "softmax")], "nllm", [{"kind": "probability", "class": 2}])
    assert "before the step" in _statements(with_step)[0]
    assert "before the step" not in _statements(without)[0]


# --------------------------------------------------------------------------
# Hints


def _hint(layers, loss, param, kind="gradient-step"):
    a = _assignment(layers, loss, [{"kind": kind, "param": param, "hint": True}])
    text = _statements(a)[0]
    assert text.count(r"\emph{Hint:}") == 1
    return text.split(r"\emph{Hint:}")[1]


@pytest.mark.parametrize("layers, loss, delta, shapes", [
    ([(4, "relu"), (2, "softmax")], "nllm", "z^{2}_{j} = a_{j} - y_{j}",
     r"$a^{1}$ is a $4 \times 1$ column and the transposed error a $1 \times 2$ row"),
    ([(1, "sigmoid")], "nll", "z^{1} = a - y", r"$x$ is a $2 \times 1$ column"),
    ([(3, "tanh"), (2, "identity")], "mse", "z^{2}_{j} = a_{j} - y_{j}",
     r"their product is $3 \times 2$, the shape of $W^{2}$"),
    ([(2, "sigmoid")], "mse", r"a_{j} (1 - a_{j}) (a_{j} - y_{j})", r"$2 \times 2$"),
])
def test_the_output_layer_hint_is_an_outer_product_of_the_right_shapes(layers, loss, delta,
                                                                       shapes):
    hint = _hint(layers, loss, f"W{len(layers)}")
    assert "outer product" in hint and delta in hint and shapes in hint
    assert "convention" not in hint


@pytest.mark.parametrize("f, said, unsaid", [
    ("relu", [r"\mathbf{1}[z^{1} > 0]", "by convention it is taken to be 0 there"], []),
    ("sigmoid", [r"a^{1} \odot (1 - a^{1})", "saturated"], ["convention"]),
    ("tanh", [r"1 - a^{1} \odot a^{1}", "saturated"], ["convention"]),
    ("identity", ["passes it on unchanged"], ["convention"]),
])
def test_the_hidden_layer_hint_goes_through_its_activation(f, said, unsaid):
    hint = _hint([(3, f), (2, "softmax")], "nllm", "W1")
    assert r"\partial z^{2} / \partial a^{1} = W^{2}$ (the weights of the forward pass, before " \
           "their update)" in hint
    assert r"again an outer product, $x (\partial \ell / \partial z^{1})^{T}$" in hint
    for s in said:
        assert s in hint
    for s in unsaid:
        assert s not in hint


def test_a_deep_hint_goes_back_one_layer_at_a_time():
    hint = _hint([(2, "relu"), (2, "tanh"), (2, "softmax")], "nllm", "W1", kind="step")
    assert hint.index("W^{3}$ (the weights") < hint.index("W^{2}$ (the weights")
    assert r"\tanh'(z^{2})" in hint and r"\mathbf{1}[z^{1} > 0]" in hint
    assert "a^{1} (\\partial" not in hint and "as for $W^{3}$" in hint


def test_a_bias_hint_is_the_error_itself():
    out = _hint([(3, "softmax")], "nllm", "b1", kind="gradient")
    hidden = _hint([(2, "relu"), (2, "softmax")], "nllm", "b1", kind="gradient")
    assert r"\nabla_{w_0^{1}} \ell = \partial \ell / \partial z^{1}$" in out
    assert r"\nabla_{w_0^{1}} \ell = \partial \ell / \partial z^{1}$." in hidden
    assert "outer product" not in out + hidden


def test_hints_are_on_the_problem_sheet_and_only_where_asked():
    a = load_assignment("reference")
    hinted = [q.id for _, q in a.questions() if q.get("hint")]
    assert len(hinted) == 2
    tex = render_assignment(a, build_assignment_key(a), Config())
    for name in ("problems.tex", "handout.tex"):
        assert tex[name].count(r"\emph{Hint:}") == 2


@pytest.mark.parametrize("question, field", [
    ({"kind": "forward", "value": "a1", "hint": True}, "hint"),
    ({"kind": "step", "param": "W1", "hint": "yes"}, "hint"),
])
def test_a_hint_is_a_flag_of_the_gradient_kinds(question, field):
    with pytest.raises(InputError, match=field):
        _assignment([(3, "softmax")], "nllm", [question] + STEP_W)


# --------------------------------------------------------------------------
# Formula kinds


def _loss(loss, a, y):
    f = {"nllm": "softmax", "nll": "sigmoid", "mse": "identity"}[loss]
    part = {"id": "p", "title": "P", "network": _net([(len(a), f)], loss), "questions": [
        {"id": "l", "kind": "loss", "points": 1, "loss": loss, "example": {"a": a, "y": y}}]}
    return parse_assignment({"title": "T", "parts": [part]}, "t")


@pytest.mark.parametrize("loss, a, y, said, value", [
    ("nllm", [0.2, 0.5, 0.3], [0, 0, 1], ["y$ is 1 only for class 3, so $c = 3$",
                                          r"-\ln(0.3)", "only the probability of the target"],
     -math.log(0.3)),
    ("nll", [0.8], [0], ["only the second term is left", r"-\ln(1 - 0.8)", "nears 1"],
     -math.log(0.2)),
    ("nll", [0.8], [1], ["only the first term is left", r"-\ln(0.8)", "nears 0"],
     -math.log(0.8)),
    ("nll", [0.8, 0.4], [1, 0], ["Each label leaves one term", r"-\ln(0.8) - \ln(1 - 0.4)"],
     -math.log(0.8) - math.log(0.6)),
    ("mse", [1, 2], [0, 4], [r"\tfrac{1}{2} \left((1 - 0)^{2} + (2 - 4)^{2}\right)"], 2.5),
    ("mse", [1, 2], [1, 2], ["$a = y$, so the loss is 0"], 0),
])
def test_a_loss_example_says_what_the_target_leaves(loss, a, y, said, value):
    assignment = _loss(loss, a, y)
    q = _context(assignment)["parts"][0]["questions"][0]
    sentence = _blocks_text(q)
    for s in said:
        assert s in sentence, (s, sentence)
    shown = re.findall(r"(\\approx|=) (-?[0-9.]+)\$[:.]", sentence)[-1]
    assert float(shown[1]) == pytest.approx(value, abs=1e-4), sentence
    name = {"nllm": "NLLM", "nll": "NLL", "mse": "MSE"}[loss]
    assert name in q["answer"][-1] and r"\ell" not in q["answer"][-1]
    assert name in q["statement"]


def test_the_nllm_answer_names_the_target_class_term():
    q = _context(_loss("nllm", [0.1, 0.9], [1, 0]))["parts"][0]["questions"][0]
    assert q["answer"][0].endswith(r"= - \ln(a_{c})")


@pytest.mark.parametrize("layers, loss, said, note", [
    ([(1, "sigmoid")], "nll", [r"For labels $y \in \{0, 1\}$", "For a single unit",
                               r"the weights $w_{1}, \dots, w_{m}$", "no regulariser",
                               r"\operatorname{NLL}(a, y) = "], "stacked over $k$"),
    ([(3, "softmax")], "nllm", ["For a one-hot target", "For a single layer",
                                r"$a = \operatorname{SM}(z)$"], "over every $k$ and $j$"),
    ([(3, "tanh"), (2, "identity")], "mse", ["For a target $y$", "the output layer 2",
                                             "the weights $W^{2}$", "w^{2}_{kj} a^{1}_{k}"],
     r"a $3 \times 2$ matrix like $W^{2}$"),
])
def test_a_gradient_formula_states_the_loss_and_the_layer(layers, loss, said, note):
    a = _assignment(layers, loss, [{"kind": "gradient-formula", "param": f"W{len(layers)}"}],
                    given=False)
    q = _context(a)["parts"][0]["questions"][0]
    for s in said:
        assert s in q["statement"], (s, q["statement"])
    assert note in q["answer_note"]
    shown = _assignment(layers, loss, [{"kind": "gradient-formula", "show": True,
                                        "param": f"W{len(layers)}"}], given=False)
    assert "show that $" in _context(shown)["parts"][0]["questions"][0]["statement"]


@pytest.mark.parametrize("later, said, unsaid", [
    ([{"kind": "gradient", "param": "W1"}], ["Its Jacobian, needed below, follows"], []),
    ([{"kind": "forward", "value": "output"}], ["Its Jacobian follows"], ["needed below"]),
    ([{"kind": "softmax-jacobian"}], ["Its Jacobian is question 2."], ["quotient rule"]),
])
def test_the_softmax_definition_leads_to_its_jacobian(later, said, unsaid):
    a = _assignment([(3, "softmax")], "nllm",
                    [{"kind": "activation", "activation": "softmax"}] + later)
    q = _context(a)["parts"][0]["questions"][0]
    text = _blocks_text(q)
    assert "so $a$ is a probability vector" in text
    for s in said:
        assert s in text
    for s in unsaid:
        assert s not in text
    derived = sum(b["type"] == "derivation" for b in q["blocks"])
    assert derived == (1 if "softmax-jacobian" in str(later) else 2)


def test_the_notation_numbers_an_entry_the_assignment_uses():
    asked = _assignment([(4, "softmax")], "nllm", [{"kind": "probability", "class": 2}])
    last = _assignment([(4, "softmax")], "nllm", [{"kind": "forward", "value": "output"}])
    inputs = _assignment([(1, "sigmoid")], "nll", [{"kind": "forward", "value": "output"}],
                         inputs=3)
    assert indexing(asked) == r": class 2 is $a_{2}$, the second entry of $a$ " \
                              r"(\texttt{a[1]} in NumPy)"
    assert "class 4 is $a_{4}$, the fourth entry" in indexing(last)
    assert r"input 3 is $x_{3}$, the third entry of $x$ (\texttt{x[2]}" in indexing(inputs)


def test_an_assignment_without_a_network_renders():
    # formula questions alone: no network, so no activations or losses to list
    a = parse_assignment({"title": "T", "parts": [{"id": "p", "title": "P", "questions": [
        {"id": "d", "kind": "activation-derivative", "activation": "tanh", "points": 1},
        {"id": "l", "kind": "loss", "loss": "mse", "points": 1,
         "example": {"a": [1, 2], "y": [1, 0]}}]}]}, "t")
    tex = render_assignment(a, build_assignment_key(a), Config())
    assert "The activations used here" not in tex["problems.tex"]
    assert indexing(a) == ""
