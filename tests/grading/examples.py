"""The four example assignments as model objects, for the grading tests
(built directly from the dataclasses of derive/problem/assignment.py, the
data of derive/assignments/*.toml)."""

from __future__ import annotations

from derive.problem.assignment import Assignment, Part, PartData, Question
from derive.problem.spec import Layer, Network


def _q(id, kind, points, **options) -> Question:
    return Question(id, kind, points, tuple(options.items()))


def _data(W, b, x, y, lr) -> PartData:
    return PartData(tuple(tuple(tuple(r) for r in m) for m in W), tuple(tuple(v) for v in b),
                    tuple(x), tuple(y), lr)


def _net(inputs, layers, loss) -> Network:
    return Network(inputs, tuple(Layer(u, a) for u, a in layers), loss)


def tanh_mse() -> Assignment:
    net = _net(3, [(4, "tanh"), (2, "identity")], "mse")
    given = _data([[[0.5, -1, 0, 1], [1, 0.5, -0.5, 0], [0, 1, 1, -1]],
                   [[1, -1], [0.5, 0], [-1, 1], [0, 0.5]]],
                  [[0, 0.5, 0, -0.5], [0, 0]], [1, 0, -1], [1, 0], 0.5)
    qs = (_q("q1", "activation", 5, activation="tanh"),
          _q("q2", "activation-derivative", 5, activation="tanh"),
          _q("q3", "loss", 5, loss="mse", example={"a": [0.5, 0.25], "y": [1, 0]}),
          _q("q4", "forward", 10, value="a1"),
          _q("q5", "forward", 10, value="output"),
          _q("q6", "forward", 5, value="loss"),
          _q("q7", "gradient", 10, param="W2"),
          _q("q8", "gradient-step", 15, param="W1"),
          _q("q9", "step", 10, param="W2"),
          _q("q10", "gradient-step", 10, param="b1"),
          _q("q11", "after-step", 10, value="output"),
          _q("q12", "after-step", 5, value="loss"))
    return Assignment("Backpropagation through a tanh network",
                      (Part("net", "A 3-4-2 tanh network", qs, net, given),), 100, "tanh-mse")


def sigmoid_softmax() -> Assignment:
    net = _net(2, [(3, "sigmoid"), (3, "sigmoid"), (2, "softmax")], "nllm")
    given = _data([[[1, -1, 0.5], [0.5, 1, -1]],
                   [[1, 0, -1], [-1, 1, 0.5], [0.5, -0.5, 1]],
                   [[1, -1], [-1, 1], [0.5, 0]]],
                  [[0, 0, 0], [0, 0.5, 0], [0, 0]], [1, -1], [0, 1], 0.5)
    qs = (_q("q1", "activation", 5, activation="sigmoid"),
          _q("q2", "activation-derivative", 5, activation="sigmoid"),
          _q("q3", "activation", 5, activation="softmax"),
          _q("q4", "forward", 10, value="a2"),
          _q("q5", "forward", 10, value="output"),
          _q("q6", "probability", 5, **{"class": 2}),
          _q("q7", "gradient", 10, param="W3"),
          _q("q8", "gradient-step", 15, param="W2"),
          _q("q9", "gradient-step", 15, param="W1"),
          _q("q10", "step", 10, param="W3"),
          _q("q11", "probability", 10, **{"class": 2, "after": True}))
    return Assignment("Two sigmoid layers and a softmax",
                      (Part("deep", "A 2-3-3-2 network", qs, net, given),), 100,
                      "sigmoid-softmax")


def logistic() -> Assignment:
    net = _net(2, [(1, "sigmoid")], "nll")
    given = _data([[[0.5], [-1]]], [[0.25]], [2, 1], [1], 0.5)
    qs = (_q("q1", "activation", 10, activation="sigmoid"),
          _q("q2", "activation-derivative", 10, activation="sigmoid"),
          _q("q3", "loss", 10, loss="nll"),
          _q("q4", "output-gradient", 10),
          _q("q5", "forward", 10, value="z1"),
          _q("q6", "probability", 10, **{"class": 1}),
          _q("q7", "forward", 10, value="loss"),
          _q("q8", "gradient-step", 15, param="W1"),
          _q("q9", "step", 5, param="b1"),
          _q("q10", "probability", 10, **{"class": 1, "after": True}))
    return Assignment("Logistic regression", (Part("unit", "One sigmoid unit", qs, net, given),),
                      100, "logistic")


def reference() -> Assignment:
    softmax = _net(2, [(3, "softmax")], "nllm")
    network = _net(2, [(4, "relu"), (2, "softmax")], "nllm")
    s_given = _data([[[1, -1, -2], [-1, 2, 1]]], [[0, 0, 0]], [1, 1], [0, 1, 0], 0.5)
    n_given = _data([[[1, 0, -1, 0], [0, 1, 0, -1]], [[1, -1], [1, -1], [1, -1], [1, -1]]],
                    [[-1, -1, -1, -1], [0, 2]], [4, 11], [0, 1], 0.5)
    parts = (
        Part("sigmoid-unit", "A sigmoid unit",
             (_q("q1", "activation", 5, activation="sigmoid"),
              _q("q2", "activation-derivative", 5, activation="sigmoid"),
              _q("q3", "gradient-formula", 5, param="W1")),
             _net(2, [(1, "sigmoid")], "nll")),
        Part("softmax-layer", "Softmax and multiclass NLL",
             (_q("q4", "activation", 7.5, activation="softmax"),
              _q("q5", "loss", 7.5, loss="nllm", example={"a": [0.1, 0.4, 0.5], "y": [1, 0, 0]}),
              _q("q6", "gradient", 7.5, param="W1", show=True),
              _q("q7", "probability", 5, **{"class": 3}),
              _q("q8", "step", 7.5, param="W1"),
              _q("q9", "probability", 5, **{"class": 3, "after": True})), softmax, s_given),
        Part("network", "A two-layer network",
             (_q("q10", "forward", 10, value="a1"), _q("q11", "forward", 10, value="output"),
              _q("q12", "gradient-step", 10, param="W2"),
              _q("q13", "gradient-step", 10, param="W1"),
              _q("q14", "after-step", 5, value="output")), network, n_given))
    return Assignment("Gradients of small neural networks", parts, 100, "reference")


EXAMPLES = {"reference": reference, "tanh-mse": tanh_mse, "sigmoid-softmax": sigmoid_softmax,
            "logistic": logistic}
