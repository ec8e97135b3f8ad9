import copy

import pytest

from derive.problem.spec import REFERENCE, InputError, Layer, Network, parse_params

GOOD = REFERENCE.to_json()


def _with(path, value):
    data = copy.deepcopy(GOOD)
    *parents, last = path
    target = data
    for p in parents:
        target = target[p]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()


def test_reference_round_trips():
    assert parse_params(GOOD) == REFERENCE


def test_a_group_left_out_keeps_the_reference():
    assert parse_params({"network": GOOD["network"]}) == REFERENCE


@pytest.mark.parametrize("path,value,field,words", [
    (("softmax_layer", "W"), [[1, 2], [3, 4], [5, 6]], "params.softmax_layer.W", "2 × 3"),
    (("softmax_layer", "W"), [[1, 2, 3], [4, 5]], "params.softmax_layer.W", "different lengths"),
    (("softmax_layer", "W"), [[1, "x", 3], [4, 5, 6]], "params.softmax_layer.W[0][1]", "number"),
    (("softmax_layer", "W"), [[1, float("nan"), 3], [4, 5, 6]], "params.softmax_layer.W[0][1]", "finite"),
    (("softmax_layer", "W"), [[1, float("inf"), 3], [4, 5, 6]], "params.softmax_layer.W[0][1]", "finite"),
    (("softmax_layer", "x"), [1, True], "params.softmax_layer.x[1]", "number"),
    (("softmax_layer", "x"), [1, 1e300], "params.softmax_layer.x[1]", "too large"),
    (("network", "b1"), [0, 0, 0, -10**7], "params.network.b1[3]", "too large"),
    (("softmax_layer", "y"), [0, 1, 1], "params.softmax_layer.y", "one-hot"),
    (("softmax_layer", "y"), [0, 0.5, 0.5], "params.softmax_layer.y", "one-hot"),
    (("softmax_layer", "query_class"), 3, "params.softmax_layer.query_class", "0 to 2"),
    (("softmax_layer", "query_class"), -1, "params.softmax_layer.query_class", "0 to 2"),
    (("softmax_layer", "query_class"), 1.0, "params.softmax_layer.query_class", "class number"),
    (("softmax_layer", "lr"), 0, "params.softmax_layer.lr", "> 0"),
    (("softmax_layer", "lr"), -0.5, "params.softmax_layer.lr", "> 0"),
    (("softmax_layer", "bias"), [0, 0, 0], "params.softmax_layer.bias", "unknown field"),
    (("softmax_layer", "b"), _DELETE, "params.softmax_layer.b", "missing"),
    (("network", "W2"), [[1, -1]] * 3, "params.network.W2", "4 × 2"),
    (("network", "b2"), [0, 0, 0], "params.network.b2", "expected 2 entries"),
    (("network", "x"), [], "params.network.x", "empty"),
    (("network", "y"), [1], "params.network.y", "2 classes"),
    (("nllm_example", "a"), [0.5, 0.6, -0.1], "params.nllm_example.a[2]", "probability"),
    (("nllm_example", "a"), [0.5, 0.6, 0.1], "params.nllm_example.a", "sum to 1"),
    (("nllm_example", "y"), [1, 0], "params.nllm_example.y", "expected 3 entries"),
    (("extra",), {}, "params.extra", "unknown group"),
    # given data are printed exactly: at most 6 decimal places
    (("network", "lr"), 1 / 3, "params.network.lr", "0.3333333333333333 has 16 decimal places"),
    (("softmax_layer", "W"), [[1, 0, -1], [0, 0.1 + 0.2, 1]], "params.softmax_layer.W[1][1]",
     "at most 6"),
    (("network", "x"), [4, 1e-7], "params.network.x[1]", "0.0000001 has 7 decimal places"),
    (("nllm_example", "a"), [0.3333333, 0.3333333, 0.3333334], "params.nllm_example.a[0]",
     "7 decimal places"),
])
def test_bad_params_name_the_field(path, value, field, words):
    with pytest.raises(InputError) as e:
        parse_params(_with(path, value))
    assert e.value.field == field
    assert words in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("layers,loss,field", [
    ((Layer(3, "softmax"), Layer(2, "softmax")), "nllm", "network.layers[1].activation"),
    ((Layer(3, "swish"),), "mse", "network.layers[1].activation"),
    ((Layer(3, "relu"),), "nllm", "network.loss"),
    ((Layer(3, "softmax"),), "hinge", "network.loss"),
    ((Layer(0, "relu"), Layer(2, "sigmoid")), "nll", "network.layers[1].size"),
])
def test_bad_networks_are_refused(layers, loss, field):
    with pytest.raises(InputError) as e:
        Network(2, layers, loss)
    assert e.value.field == field


@pytest.mark.parametrize("value", [0.333333, 1e-6, -123456.654321, 0.1, 1e6, 3])
def test_given_data_of_at_most_6_places_are_taken(value):
    p = parse_params(_with(("network", "x"), [4, value]))
    assert p.network.x == (4, value)


@pytest.mark.parametrize("value, text", [
    (0.25, "0.25"), (3.0, "3"), (-0.0, "0"), (1e-5, "0.00001"), (1e6, "1000000"),
    (-2.5, "-2.5"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_decimal_text_is_the_shortest_exact_decimal(value, text):
    from derive.problem.spec import decimal_places, decimal_text
    assert decimal_text(value) == text
    assert float(text) == value
    assert decimal_places(value) == (len(text.split(".")[1]) if "." in text else 0)
