"""The variant generator: settings, ids, reproducibility, extension, and
the keys of generated variants against central finite differences."""

import numpy as np
import pytest

import derive.variants.generate

from derive.problem.config import parse_config
from derive.problem.spec import InputError, parse_params
from derive.variants.stress import stress
from derive.variants.selection import Stats
from derive.variants.settings import check_count, check_seed, parse_settings, settings_of, variant_id
from derive.variants.generate import BATCH, generate, generate_keys

SEED = 20261128


@pytest.fixture(scope="module")
def keys40():
    return generate_keys(SEED, 40, parse_settings({}))


# --------------------------------------------------------------------------
# ids, seeds, counts


def test_ids_are_padded_to_the_width_of_the_count():
    # ANSWER_KEY.md: k zero-padded to the width of the count (s7-03)
    assert variant_id(7, 3, 30) == "s7-03" == variant_id(7, 3, 40)
    assert variant_id(7, 3, 300) == "s7-003"
    assert variant_id(7, 0, 5) == "s7-0"
    assert variant_id(7, 1234, 2000) == "s7-1234"


@pytest.mark.parametrize("count, width", [(9, 1), (10, 2), (99, 2), (100, 3), (1000, 4)])
def test_ids_are_padded_to_the_width_of_the_count_at_its_edges(count, width):
    # the width of count, not of count - 1 (10 ids are s7-00 ... s7-09)
    assert variant_id(7, 0, count) == "s7-" + "0" * width
    assert variant_id(7, count - 1, count) == f"s7-{count - 1:0{width}d}"


@pytest.mark.parametrize("value", ["abc", "1.5", -1, True, 2.0])
def test_bad_seed(value):
    with pytest.raises(InputError, match="--seed"):
        check_seed(value)


@pytest.mark.parametrize("value", [0, -3, True, 10 ** 9])
def test_bad_count(value):
    with pytest.raises(InputError, match="--count"):
        check_count(value)


# --------------------------------------------------------------------------
# settings


def test_defaults_are_the_reference_shapes():
    s = parse_settings({})
    assert (s.softmax_layer.inputs, s.softmax_layer.classes) == (2, 3)
    assert (s.network.inputs, s.network.hidden, s.network.outputs) == (2, 4, 2)
    assert set(s.constraints) == {"nonzero_inputs", "hidden_mixed", "learning_units",
                                  "gradient_spread", "distinct_units", "no_ties",
                                  "kink_margin", "probabilities", "loss_decreases",
                                  "distinct_from_mistakes", "unique"}
    assert s.figures == 3


def test_figures_come_from_the_course():
    config = parse_config({"course": {"figures": 4}, "variants": {"max_candidates": 99}})
    s = settings_of(config)
    assert s.figures == 4 and s.max_candidates == 99


@pytest.mark.parametrize("data,field,words", [
    ({"bogus": 1}, "variants.bogus", "unknown field"),
    ({"network": {"W1": [3, 1]}}, "variants.network.W1", "empty range"),
    ({"network": {"W1": [1]}}, "variants.network.W1", "integer range"),
    ({"network": {"W1": [0.5, 2]}}, "variants.network.W1", "integer range"),
    ({"softmax_layer": {"lr": []}}, "variants.softmax_layer.lr", "empty list"),
    ({"network": {"lr": [0.5, 0.3333333]}}, "variants.network.lr[1]", "7 decimal places"),
    ({"softmax_layer": {"lr": [0.5, -1]}}, "variants.softmax_layer.lr[1]", "step size"),
    ({"softmax_layer": {"classes": 1}}, "variants.softmax_layer.classes", "from 2"),
    ({"network": {"hidden": 0}}, "variants.network.hidden", "from 1"),
    ({"network": {"depth": 3}}, "variants.network.depth", "unknown field"),
    ({"max_candidates": 0}, "variants.max_candidates", "whole number"),
    ({"constraints": {"pretty": True}}, "variants.constraints.pretty", "unknown constraint"),
    ({"network": "wide"}, "variants.network", "expected a table"),
])
def test_bad_settings_name_the_field(data, field, words):
    with pytest.raises(InputError) as e:
        parse_settings(data)
    assert e.value.field == field and words in e.value.problem


def test_sizes_are_configurable():
    # more inputs and classes: narrower weights keep the probabilities apart
    s = parse_settings({"softmax_layer": {"inputs": 3, "classes": 4, "W": [-1, 1]},
                        "network": {"inputs": 3, "hidden": 5, "outputs": 3, "W1": [-1, 1]},
                        "max_candidates": 100_000})
    [key] = generate_keys(1, 1, s)
    p = parse_params(key["params"])
    assert np.shape(p.softmax_layer.W) == (3, 4) and np.shape(p.network.W1) == (3, 5)
    assert np.shape(key["answers"]["q12"]["grad"]) == (5, 3)


def test_ranges_and_choices_are_respected(keys40):
    s = parse_settings({})
    for key in keys40:
        p = parse_params(key["params"])
        for name in ("W", "b", "x"):
            lo, hi = getattr(s.softmax_layer, name)
            assert lo <= np.min(getattr(p.softmax_layer, name)) <= np.max(getattr(p.softmax_layer, name)) <= hi
        for name in ("W1", "b1", "W2", "b2", "x"):
            lo, hi = getattr(s.network, name)
            assert lo <= np.min(getattr(p.network, name)) <= np.max(getattr(p.network, name)) <= hi
        assert p.softmax_layer.lr in s.softmax_layer.lr and p.network.lr in s.network.lr
        assert sorted(p.softmax_layer.y) == [0, 0, 1]
        assert abs(sum(p.nllm_example.a) - 1) < 1e-12
    # any query class, any target class
    assert {k["params"]["softmax_layer"]["query_class"] for k in keys40} == {0, 1, 2}


# --------------------------------------------------------------------------
# reproducibility


def test_same_seed_same_keys_and_count_40_extends_30(keys40):
    keys30 = generate_keys(SEED, 30, parse_settings({}))
    assert keys30 == keys40[:30]
    assert generate_keys(SEED + 1, 5, parse_settings({}))[0]["params"] != keys40[0]["params"]
    assert [k["variant"] for k in keys40[:3]] == [f"s{SEED}-00", f"s{SEED}-01", f"s{SEED}-02"]
    assert all(k["seed"] == SEED for k in keys40)


def test_unmeetable_constraints_are_named():
    s = parse_settings({"constraints": {"probabilities": [0.45, 0.55]}, "max_candidates": 256})
    with pytest.raises(InputError) as e:
        generate(3, 2, s)
    assert e.value.field == "variants.constraints"
    assert "probabilities rejected" in e.value.problem and "256 tries" in e.value.problem


@pytest.mark.parametrize("limit", [1, 100, BATCH + 1])
def test_max_candidates_is_exact_per_variant(limit):
    # not a whole batch: exactly `limit` candidates are examined, then the error
    s = parse_settings({"constraints": {"probabilities": [0.45, 0.55]},
                        "max_candidates": limit})
    st = Stats()
    with pytest.raises(InputError, match=f"in {limit} tries"):
        generate(3, 1, s, st)
    assert st.examined == limit == st.checked["probabilities"]


def test_max_candidates_counts_the_mistakes_check_too():
    # the candidates the answer-key check rejects count against the allowance
    from derive.variants.constraints import CONSTRAINTS
    off = {c.name: False for c in CONSTRAINTS if c.batch}
    s = parse_settings({"constraints": {**off, "distinct_from_mistakes": 1e6},
                        "max_candidates": 3})
    st = Stats()
    with pytest.raises(InputError, match="in 3 tries"):
        generate(3, 1, s, st)
    assert st.examined == 3 == st.checked["distinct_from_mistakes"]
    assert st.rejected["distinct_from_mistakes"] == 3


def test_chunks_do_not_change_the_variants(monkeypatch, keys40):
    monkeypatch.setattr(derive.variants.generate, "CHUNK", 7)
    assert generate_keys(SEED, 40, parse_settings({})) == keys40


def test_stress_counts_every_constraint():
    r = stress(5, 30, parse_settings({}), progress=False)
    st = r.stats
    assert st.accepted == 30 and st.examined >= 30
    assert set(st.checked) == set(parse_settings({}).constraints)
    assert st.checked["hidden_mixed"] == st.examined
    assert all(0 <= st.rejected[n] <= st.checked[n] for n in st.checked)
    lo, hi = r.ranges["q7"]
    assert 0 < lo <= hi < 1


# --------------------------------------------------------------------------
# the keys of generated variants, independently: NumPy and finite differences


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def layer_loss(W, b, x, y):
    return -np.log(softmax(W.T @ x + b) @ y)


def network_loss(W1, b1, W2, b2, x, y):
    a1 = np.maximum(W1.T @ x + b1, 0)
    return -np.log(softmax(W2.T @ a1 + b2) @ y)


def central_difference(f, W, h=1e-6):
    g = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[idx] += h
        down[idx] -= h
        g[idx] = (f(up) - f(down)) / (2 * h)
    return g


def test_keys_against_finite_differences(keys40):
    for key in keys40:
        p, ans = key["params"], key["answers"]
        L = {k: np.array(v, float) for k, v in p["softmax_layer"].items()}
        N = {k: np.array(v, float) for k, v in p["network"].items()}
        g = central_difference(lambda W: layer_loss(W, L["b"], L["x"], L["y"]), L["W"])
        np.testing.assert_allclose(ans["q6"], g, atol=1e-7)
        np.testing.assert_allclose(ans["q8"], L["W"] - L["lr"] * g, atol=1e-6)
        q = int(p["softmax_layer"]["query_class"])
        assert ans["q7"] == pytest.approx(softmax(L["W"].T @ L["x"] + L["b"])[q], abs=1e-12)
        W_new = np.array(ans["q8"])
        assert ans["q9"] == pytest.approx(softmax(W_new.T @ L["x"] + L["b"])[q], abs=1e-12)

        args = (N["W1"], N["b1"], N["W2"], N["b2"], N["x"], N["y"])
        g2 = central_difference(lambda W2: network_loss(N["W1"], N["b1"], W2, N["b2"],
                                                        N["x"], N["y"]), N["W2"])
        g1 = central_difference(lambda W1: network_loss(W1, *args[1:]), N["W1"])
        np.testing.assert_allclose(ans["q12"]["grad"], g2, atol=1e-6)
        np.testing.assert_allclose(ans["q13"]["grad"], g1, atol=1e-6)
        np.testing.assert_allclose(ans["q12"]["W"], N["W2"] - N["lr"] * g2, atol=1e-6)
        np.testing.assert_allclose(ans["q13"]["W"], N["W1"] - N["lr"] * g1, atol=1e-6)
        a1 = np.maximum(N["W1"].T @ N["x"] + N["b1"], 0)
        np.testing.assert_allclose(ans["q10"], a1, atol=1e-12)
        np.testing.assert_allclose(ans["q11"], softmax(N["W2"].T @ a1 + N["b2"]), atol=1e-12)
        a1_new = np.maximum(np.array(ans["q13"]["W"]).T @ N["x"] + N["b1"], 0)
        np.testing.assert_allclose(
            ans["q14"], softmax(np.array(ans["q12"]["W"]).T @ a1_new + N["b2"]), atol=1e-12)
        a = np.array(p["nllm_example"]["a"])
        assert ans["q5"]["value"] == pytest.approx(-np.log(a @ np.array(p["nllm_example"]["y"])))


def test_generation_stats_are_consistent():
    st = Stats()
    generate(11, 10, parse_settings({}), st)
    assert st.accepted == 10 and st.seconds > 0


def test_fixed_id_replaces_the_clock_drawn_id():
    from derive.variants.pdfs import fixed_id
    a = b"%PDF-1.5\n1 0 obj\nxref\ntrailer\n<</Size 3 /ID [(a\\)b(c)) <0A1B>] /Root 1 0 R >>\n%%EOF\n"
    b = a.replace(b"a\\)b(c)", b"zz\\\\")
    assert fixed_id(a) == fixed_id(b) and fixed_id(a) != a
    assert fixed_id(a).endswith(b"] /Root 1 0 R >>\n%%EOF\n")
    assert fixed_id(b"%PDF no id") == b"%PDF no id"
