import copy

import pytest

from derive.spec import REFERENCE, InputError, Layer, Network, parse_params

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
