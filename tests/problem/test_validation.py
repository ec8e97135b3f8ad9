"""Bad assignment files: each check of the parser gives one InputError whose
field is the path of the bad value in the file."""

import tomllib

import pytest

from derive.problem.assignment import load_assignment, parse_assignment, shipped
from derive.problem.spec import InputError
from derive.problem.validation import MAX_GRID


def data(name: str) -> dict:
    return tomllib.loads(shipped(name).read_text())


def part(d, i=1):
    return d["parts"][i - 1]


def question(d, j, i=1):
    return part(d, i)["questions"][j - 1]


def set_(target, **values):
    target.update(values)


def drop(target, name):
    del target[name]


def symbolic_part(d):
    d["parts"].append({"id": "defs", "title": "Definitions", "questions": [
        {"id": "d1", "kind": "activation", "activation": "relu", "points": 1}]})
    d["points"] += 1
    return d["parts"][-1]


# (example file, change, field of the error, words of the message)
CASES = [
    # fields of the tables: typos, missing, not a table
    ("tanh-mse", lambda d: set_(d, titel="x"), "titel",
     "unknown field; did you mean 'title'? expected title, parts, points"),
    ("tanh-mse", lambda d: drop(d, "parts"), "parts", "missing"),
    ("tanh-mse", lambda d: drop(d, "title"), "title", "missing"),
    ("tanh-mse", lambda d: set_(part(d), netwrok=1), "parts[1].netwrok",
     "did you mean 'network'?"),
    ("tanh-mse", lambda d: drop(part(d), "id"), "parts[1].id", "missing"),
    ("tanh-mse", lambda d: set_(part(d)["network"], loss_fn="mse"), "parts[1].network.loss_fn",
     "unknown field; did you mean 'loss'? expected inputs, layers, loss"),
    ("tanh-mse", lambda d: set_(part(d)["network"]["layers"][1], unit=2),
     "parts[1].network.layers[2].unit", "did you mean 'units'?"),
    ("tanh-mse", lambda d: set_(part(d)["given"], lr_=1), "parts[1].given.lr_",
     "expected W1, b1, W2, b2, x, y, lr"),
    ("tanh-mse", lambda d: set_(d, parts=[1]), "parts[1]", "expected a table, got 1"),
    ("tanh-mse", lambda d: set_(d, parts=[]), "parts", "has 0 parts; give 1 to 10"),
    ("tanh-mse", lambda d: set_(part(d), questions=[]), "parts[1].questions",
     "has 0 questions"),
    # question kinds and their fields
    ("tanh-mse", lambda d: set_(question(d, 7), kind="gradient_step"),
     "parts[1].questions[7].kind",
     "unknown kind \"gradient_step\" (did you mean 'gradient-step'?); choose one of "
     "activation, activation-derivative, softmax-jacobian"),
    ("tanh-mse", lambda d: drop(question(d, 7), "kind"), "parts[1].questions[7].kind",
     "missing; choose one of activation"),
    ("tanh-mse", lambda d: drop(question(d, 7), "param"), "parts[1].questions[7].param",
     "missing"),
    ("tanh-mse", lambda d: drop(question(d, 4), "value"), "parts[1].questions[4].value",
     "missing"),
    ("tanh-mse", lambda d: set_(question(d, 4), **{"class": 1}), "parts[1].questions[4].class",
     "unknown field of a forward question; expected id, kind, points, value"),
    ("tanh-mse", lambda d: set_(question(d, 3), param="W2"), "parts[1].questions[3].param",
     "unknown field of a output-gradient question"),
    ("tanh-mse", lambda d: set_(question(d, 7), param="W3"), "parts[1].questions[7].param",
     "no parameter \"W3\" in a 2-layer network; choose one of W1, b1, W2, b2"),
    ("tanh-mse", lambda d: set_(question(d, 7), param="w2"), "parts[1].questions[7].param",
     "no parameter \"w2\""),
    ("tanh-mse", lambda d: set_(question(d, 4), value="a3"), "parts[1].questions[4].value",
     "no quantity \"a3\" in a 2-layer network; choose one of z1, z2, a1, a2, output, loss"),
    ("tanh-mse", lambda d: set_(question(d, 9), value="W1"), "parts[1].questions[9].value",
     "no quantity \"W1\""),
    ("tanh-mse", lambda d: set_(question(d, 2), activation="softmax"),
     "parts[1].questions[2].activation", "use kind = \"softmax-jacobian\""),
    ("tanh-mse", lambda d: set_(question(d, 1), activation="ReLU"),
     "parts[1].questions[1].activation",
     "unknown activation \"ReLU\" (did you mean 'relu'?); choose one of identity, sigmoid, "
     "tanh, relu, softmax"),
    ("tanh-mse", lambda d: set_(question(d, 1), kind="loss", loss="cross-entropy"),
     "parts[1].questions[1].activation", "unknown field of a loss question"),
    ("logistic", lambda d: set_(question(d, 2), loss="bce"), "parts[1].questions[2].loss",
     "unknown loss \"bce\"; choose one of nllm, nll, mse"),
    ("logistic", lambda d: set_(question(d, 2), example={"a": [1], "y": [1]}),
     "parts[1].questions[2].example.a[0]", "must be a probability in (0, 1), got 1"),
    ("logistic", lambda d: set_(question(d, 2), example={"a": [0.5], "y": [2]}),
     "parts[1].questions[2].example.y[0]", "must be 0 or 1"),
    ("logistic", lambda d: set_(question(d, 2), example={"a": [0.5]}),
     "parts[1].questions[2].example.y", "missing"),
    ("reference", lambda d: set_(question(d, 2, 2), example={"a": [0.2, 0.2], "y": [1, 0]}),
     "parts[2].questions[2].example.a", "must sum to 1"),
    ("logistic", lambda d: set_(question(d, 2), loss="mse", example={"a": [1, 2], "y": [1]}),
     "parts[1].questions[2].example.y", "expected 2 entries, got 1"),
    ("tanh-mse", lambda d: set_(question(d, 2), show="yes"), "parts[1].questions[2].show",
     "unknown field of a activation-derivative question"),
    ("reference", lambda d: set_(question(d, 3, 2), show="yes"), "parts[2].questions[3].show",
     "expected true or false, got \"yes\""),
    ("sigmoid-softmax", lambda d: set_(question(d, 14), after=1), "parts[1].questions[14].after",
     "expected true or false, got 1"),
    # probabilities: which class, which output
    ("sigmoid-softmax", lambda d: set_(question(d, 7), **{"class": 3}),
     "parts[1].questions[7].class", "expected a class from 1 to 2 (classes count from 1), got 3"),
    ("sigmoid-softmax", lambda d: set_(question(d, 7), **{"class": 0}),
     "parts[1].questions[7].class", "got 0"),
    ("sigmoid-softmax", lambda d: set_(question(d, 7), **{"class": True}),
     "parts[1].questions[7].class", "got true"),
    ("logistic", lambda d: set_(question(d, 6), **{"class": 2}),
     "parts[1].questions[6].class", "expected a class from 1 to 1"),
    ("tanh-mse", lambda d: set_(question(d, 6), kind="probability", **{"class": 1}),
     "parts[1].questions[6].value", "unknown field of a probability question"),
    ("tanh-mse", lambda d: part(d)["questions"].append(
        {"id": "p", "kind": "probability", "class": 1, "points": 1}) or set_(d, points=101),
     "parts[1].questions[10].class",
     "a probability is asked of a softmax output or a one-unit sigmoid output"),
    # the network
    ("tanh-mse", lambda d: set_(part(d)["network"], loss="nllm"), "parts[1].network.loss",
     "nllm needs a softmax output layer"),
    ("tanh-mse", lambda d: set_(part(d)["network"], loss="nll"), "parts[1].network.loss",
     "nll needs a sigmoid output layer"),
    ("sigmoid-softmax", lambda d: set_(part(d)["network"], loss="mse"), "parts[1].network.loss",
     "a softmax output layer goes with nllm, not mse"),
    ("tanh-mse", lambda d: set_(part(d)["network"], loss="MSE"), "parts[1].network.loss",
     "unknown loss \"MSE\" (did you mean 'mse'?)"),
    ("tanh-mse", lambda d: set_(part(d)["network"], inputs=0), "parts[1].network.inputs",
     "expected a whole number from 1 to 10, got 0"),
    ("tanh-mse", lambda d: set_(part(d)["network"], inputs=11), "parts[1].network.inputs",
     "from 1 to 10, got 11"),
    ("tanh-mse", lambda d: set_(part(d)["network"], inputs="3"), "parts[1].network.inputs",
     "got \"3\""),
    ("tanh-mse", lambda d: set_(part(d)["network"]["layers"][0], units=11),
     "parts[1].network.layers[1].units", "from 1 to 10, got 11"),
    ("tanh-mse", lambda d: set_(part(d)["network"]["layers"][0], units=True),
     "parts[1].network.layers[1].units", "got true"),
    ("tanh-mse", lambda d: set_(part(d)["network"], layers=[{"units": 2, "activation": "tanh"}] * 5),
     "parts[1].network.layers", "has 5 layers; give 1 to 4"),
    ("tanh-mse", lambda d: set_(part(d)["network"]["layers"][0], activation="softmax"),
     "parts[1].network.layers[1].activation", "softmax is only supported in the output layer"),
    ("tanh-mse", lambda d: set_(part(d)["network"]["layers"][0], activation="gelu"),
     "parts[1].network.layers[1].activation", "unknown activation \"gelu\""),
    ("sigmoid-softmax", lambda d: set_(part(d)["network"]["layers"][2], units=1),
     "parts[1].network.layers[3].units", "a softmax layer needs at least 2 units"),
    # points and ids
    ("tanh-mse", lambda d: set_(question(d, 2), points=0), "parts[1].questions[2].points",
     "must be a positive number, got 0"),
    ("tanh-mse", lambda d: set_(question(d, 2), points=-5), "parts[1].questions[2].points",
     "must be a positive number, got -5"),
    ("tanh-mse", lambda d: set_(question(d, 2), points="10"), "parts[1].questions[2].points",
     "expected a number, got \"10\""),
    ("tanh-mse", lambda d: set_(question(d, 2), points=float("nan")),
     "parts[1].questions[2].points", "must be finite"),
    ("tanh-mse", lambda d: set_(question(d, 2), points=float("inf")),
     "parts[1].questions[2].points", "must be finite"),
    ("tanh-mse", lambda d: set_(question(d, 2), points=True), "parts[1].questions[2].points",
     "expected a number, got true"),
    ("tanh-mse", lambda d: set_(d, points=0), "points", "must be a positive number, got 0"),
    ("tanh-mse", lambda d: set_(question(d, 2), points=12.5), "points",
     "the questions' points add up to 102.5, not 100"),
    ("tanh-mse", lambda d: set_(question(d, 3), id="q1"), "parts[1].questions[3].id",
     "question id 'q1' is taken by parts[1].questions[1].id"),
    ("reference", lambda d: set_(question(d, 1, 3), id="q2"), "parts[3].questions[1].id",
     "question id 'q2' is taken by parts[1].questions[2].id"),
    ("reference", lambda d: set_(part(d, 3), id="softmax-layer"), "parts[3].id",
     "part id 'softmax-layer' is taken by parts[2].id"),
    ("tanh-mse", lambda d: set_(question(d, 3), id="q 3"), "parts[1].questions[3].id",
     "expected an id of 1 to 40 letters, digits, '-' or '_', got \"q 3\""),
    ("tanh-mse", lambda d: set_(question(d, 3), id=3), "parts[1].questions[3].id", "got 3"),
    # text
    ("tanh-mse", lambda d: set_(d, title="x" * 201), "title", "at most 200 allowed"),
    ("tanh-mse", lambda d: set_(part(d), title=["a"]), "parts[1].title", "expected text"),
    ("tanh-mse", lambda d: set_(part(d), text="one\n\x1b[2Jtwo"), "parts[1].text",
     "without control characters"),
    ("tanh-mse", lambda d: set_(part(d), text="x" * 2001), "parts[1].text",
     "at most 2000 characters"),
    # given data
    ("tanh-mse", lambda d: set_(part(d)["given"], W1=[[1, 2, 3]] * 3), "parts[1].given.W1",
     "expected a 3 × 4 matrix (layer 1 has 3 inputs and 4 units), got 3 × 3"),
    ("tanh-mse", lambda d: set_(part(d)["given"], b2=[0, 0, 0]), "parts[1].given.b2",
     "expected 2 entries, got 3"),
    ("tanh-mse", lambda d: set_(part(d)["given"], x=[1, 2]), "parts[1].given.x",
     "expected 3 entries, got 2"),
    ("tanh-mse", lambda d: set_(part(d)["given"], x=[1, 2, 0.1234567]), "parts[1].given.x[2]",
     "has 7 decimal places"),
    ("tanh-mse", lambda d: set_(part(d)["given"], x=[1, 2, "a"]), "parts[1].given.x[2]",
     "expected a number"),
    ("tanh-mse", lambda d: drop(part(d)["given"], "W2"), "parts[1].given.W2", "missing"),
    ("sigmoid-softmax", lambda d: set_(part(d)["given"], y=[1, 1]), "parts[1].given.y",
     "must be one-hot"),
    ("logistic", lambda d: set_(part(d)["given"], y=[0.5]), "parts[1].given.y[0]",
     "must be 0 or 1 (a label for nll), got 0.5"),
    ("tanh-mse", lambda d: set_(part(d)["given"], lr=0), "parts[1].given.lr", "must be > 0, got 0"),
    ("tanh-mse", lambda d: set_(part(d)["given"], lr=-0.5), "parts[1].given.lr", "must be > 0"),
    ("tanh-mse", lambda d: drop(part(d), "network"), "parts[1].given",
     "needs the part's network"),
    ("reference", lambda d: set_(part(d, 1), variants={"W": {"values": [1]}}),
     "parts[1].variants", "variants draw the given data: give [parts.given] first"),
    # questions the part cannot answer
    ("reference", lambda d: part(d, 1)["questions"].append(
        {"id": "n", "kind": "forward", "value": "a1", "points": 1}) or set_(d, points=101),
     "parts[1].questions[4].kind", "a forward question asks for numbers: it needs the part's "
     "given data ([parts.given])"),
    ("tanh-mse", lambda d: symbolic_part(d)["questions"].append(
        {"id": "o", "kind": "output-gradient", "points": 1}) or set_(d, points=102),
     "parts[2].questions[2].kind", "a output-gradient question needs the part's network"),
    ("tanh-mse", lambda d: [set_(question(d, j), kind="gradient") for j in (7, 8)],
     "parts[1].questions[9].kind", "asks after the step, but the part has no step"),
    ("reference", lambda d: set_(question(d, 5, 2), kind="gradient"),
     "parts[2].questions[6].after", "asks after the step, but the part has no step"),
    ("tanh-mse", lambda d: set_(question(d, 7), kind="gradient-formula", param="W1"),
     "parts[1].questions[7].param", "a gradient formula is asked of the output layer's "
     "weights, W2"),
    ("logistic", lambda d: set_(question(d, 3), param="b1"), "parts[1].questions[3].param",
     "weights, W1"),
    # variant grids
    ("tanh-mse", lambda d: set_(part(d)["variants"], W={"values": []}),
     "parts[1].variants.W.values", "has 0 values; give 1 to 1000"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], W={"values": "1, 2"}),
     "parts[1].variants.W.values", "expected a list of values"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], W={"values": [1, "2"]}),
     "parts[1].variants.W.values[1]", "expected a number, got \"2\""),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [-2, 2], "step": 0}),
     "parts[1].variants.x.step", "must be a positive number, got 0"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [-2, 2], "step": -1}),
     "parts[1].variants.x.step", "must be a positive number, got -1"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [2, -2], "step": 1}),
     "parts[1].variants.x.range", "must be [lo, hi] with lo <= hi"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [1, 2, 3], "step": 1}),
     "parts[1].variants.x.range", "has 3 numbers; give 2 to 2"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [-2, 2]}),
     "parts[1].variants.x.step", "missing; a grid is values = [...] or range = [lo, hi] with step"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"step": 1}),
     "parts[1].variants.x.range", "missing"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [-1, 1], "step": 1,
                                                         "values": [1]}),
     "parts[1].variants.x.values", "give values, or range with step, not both"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"range": [0, 1000], "step": 0.5}),
     "parts[1].variants.x.step", "the range holds 2001 values; at most 1000"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"values": [1] * (MAX_GRID + 1)}),
     "parts[1].variants.x.values", "has 1001 values; give 1 to 1000"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x={"value": [1]}),
     "parts[1].variants.x.value", "did you mean 'values'?"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], x=[1, 2]),
     "parts[1].variants.x", "expected a table, got [1, 2]"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], W3={"values": [1]}),
     "parts[1].variants.W3", "no parameter W3 in a 2-layer network"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], X={"values": [1]}),
     "parts[1].variants.X", "unknown field (grids for the given data's fields); did you mean "
     "'x'? expected W, b, x, y, lr, W1, b1, W2, b2"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], lr={"values": [0, 0.5]}),
     "parts[1].variants.lr", "a step size must be > 0, got 0"),
    ("sigmoid-softmax", lambda d: set_(part(d)["variants"], y={"values": [0, 1]}),
     "parts[1].variants.y", "for nllm, variants draw y as a one-hot class; leave y out"),
    ("logistic", lambda d: set_(part(d)["variants"], y={"values": [0, 0.5, 1]}),
     "parts[1].variants.y", "labels for nll are 0 or 1"),
    ("tanh-mse", lambda d: set_(part(d)["variants"], b={"values": [0.1234567]}),
     "parts[1].variants.b.values[0]", "has 7 decimal places"),
]


@pytest.mark.parametrize("name,change,field,words", CASES,
                         ids=[f"{c[2]}:{c[3][:30]}" for c in CASES])
def test_a_bad_field_is_named(name, change, field, words):
    d = data(name)
    change(d)
    with pytest.raises(InputError) as e:
        parse_assignment(d, name)
    assert e.value.field == field, str(e.value)
    assert words in e.value.problem, str(e.value)
    assert "\n" not in str(e.value)


def test_the_documented_examples_of_bad_files_are_what_the_parser_says():
    d = data("reference")
    set_(question(d, 4, 3), param="W3")
    with pytest.raises(InputError, match=r"^parts\[3\]\.questions\[4\]\.param: no parameter "
                                         r"\"W3\" in a 2-layer network"):
        parse_assignment(d)


def test_a_range_grid_is_exact_decimals():
    d = data("tanh-mse")
    part(d)["variants"]["x"] = {"range": [-0.3, 0.3], "step": 0.1}
    part(d)["variants"]["lr"] = {"range": [0.25, 1], "step": 0.25}
    p = parse_assignment(d).parts[0]
    assert p.grid("x").values == (-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3)
    assert p.grid("lr").values == (0.25, 0.5, 0.75, 1)
    assert p.grid("W1").values == (-1, -0.5, 0, 0.5, 1)     # W covers every layer
    part(d)["variants"]["W2"] = {"range": [0, 1], "step": 0.4}
    p = parse_assignment(d).parts[0]
    assert p.grid("W2").values == (0, 0.4, 0.8) and p.grid("W1").values[0] == -1


def test_a_json_shaped_file_is_not_a_table():
    with pytest.raises(InputError, match="^assignment: expected a table, got \\[1\\]"):
        parse_assignment([1])


@pytest.mark.parametrize("content,words", [
    (b"title = \"x\"\n[[parts]\n", "not valid TOML"),
    (b"title = \"\xff\"\n", "cannot read (UnicodeDecodeError)"),
])
def test_an_unreadable_file(tmp_path, content, words):
    f = tmp_path / "a.toml"
    f.write_bytes(content)
    with pytest.raises(InputError, match=r"^--assignment: .*a\.toml: ") as e:
        load_assignment(f)
    assert words in str(e.value)


def test_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_assignment(tmp_path / "none.toml")
    (tmp_path / "d.toml").mkdir()
    with pytest.raises(InputError, match="cannot read"):
        load_assignment(tmp_path / "d.toml")
