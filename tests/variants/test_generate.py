"""The reference assignment's variants (derive/assignments/reference.toml
through the generic path): settings, ids, the config's ranges on the
reference's grids, reproducibility, extension, the candidate allowance, and
the keys of generated variants against central finite differences."""

import numpy as np
import pytest

from derive.problem.assignment import load_assignment
from derive.problem.config import parse_config
from derive.problem.spec import InputError
from derive.variants.instances import generate_assignment_keys, generate_instances
from derive.variants.reference_ranges import with_ranges
from derive.variants.richness import RICHNESS
from derive.variants.selection import Stats
from derive.variants.settings import check_count, check_seed, parse_settings, settings_of, variant_id
from derive.variants.instances import BATCH

SEED = 20261128
REFERENCE = load_assignment("reference")


def reference_keys(seed, count, data=None):
    s = parse_settings(data or {})
    return generate_assignment_keys(with_ranges(REFERENCE, s, data or {}), seed, count, s)


@pytest.fixture(scope="module")
def keys40():
    return reference_keys(SEED, 40)


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
    # every constraint is on by default, the reference's and the generic ones
    assert set(s.constraints) == {r.name for r in RICHNESS} | {"unique"}
    assert {"nonzero_inputs", "hidden_mixed", "learning_units", "gradient_spread",
            "distinct_units", "no_ties", "kink_margin", "probabilities", "loss_decreases",
            "distinct_from_mistakes", "unique"} <= set(s.constraints)
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
    ({"penalty": 1.5}, "variants.penalty", "from 0 to 1"),
    ({"penalty": True}, "variants.penalty", "from 0 to 1"),
    ({"penalty": "a third"}, "variants.penalty", "from 0 to 1"),
])
def test_bad_settings_name_the_field(data, field, words):
    with pytest.raises(InputError) as e:
        parse_settings(data)
    assert e.value.field == field and words in e.value.problem


def test_sizes_are_the_files_and_ranges_its_grids():
    data = {"softmax_layer": {"inputs": 2, "W": [-1, 1]}, "network": {"x": [1, 3], "lr": [1]}}
    a = with_ranges(REFERENCE, parse_settings(data), data)
    layer, net = a.parts[1], a.parts[2]
    assert layer.grid("W1").values == (-1, 0, 1) and layer.grid("x") == REFERENCE.parts[1].grid("x")
    assert net.grid("x").values == (1, 2, 3) and net.grid("lr").values == (1,)
    assert net.grid("W2") == REFERENCE.parts[2].grid("W2")
    for table, field in (("softmax_layer", "classes"), ("network", "hidden"),
                         ("network", "inputs"), ("network", "outputs")):
        data = {table: {field: 5}}
        with pytest.raises(InputError) as e:
            with_ranges(REFERENCE, parse_settings(data), data)
        assert e.value.field == f"variants.{table}.{field}" and "reference.toml" in str(e.value)
    with pytest.raises(InputError, match="variants.network: sets the reference's ranges"):
        with_ranges(load_assignment("logistic"), parse_settings(data), data)
    assert with_ranges(REFERENCE, parse_settings({}), {}) is REFERENCE


def test_ranges_and_choices_are_respected(keys40):
    for part in REFERENCE.parts[1:]:
        for key in keys40:
            p = key["params"][part.id]
            for name, value in p.items():
                grid = part.grid(name)
                if name != "y":
                    values = np.ravel(value)
                    assert set(values.tolist()) <= set(grid.values), (name, value)
            assert sorted(p["y"]) == [0] * (len(p["y"]) - 1) + [1]
        # every target class drawn
        assert {tuple(k["params"][part.id]["y"]) for k in keys40} == {
            tuple(row) for row in np.eye(len(part.given.y), dtype=int).tolist()}


def test_same_seed_same_keys_and_count_40_extends_30(keys40):
    assert reference_keys(SEED, 30) == keys40[:30]
    assert reference_keys(SEED + 1, 5)[0]["params"] != keys40[0]["params"]
    assert [k["variant"] for k in keys40[:3]] == [f"s{SEED}-00", f"s{SEED}-01", f"s{SEED}-02"]
    assert all(k["seed"] == SEED for k in keys40)


def test_unmeetable_constraints_are_named():
    s = parse_settings({"constraints": {"probabilities": [0.45, 0.55]}, "max_candidates": 256})
    with pytest.raises(InputError) as e:
        generate_instances(REFERENCE, 3, 2, s)
    assert e.value.field == "parts[2].variants"
    assert "probabilities" in e.value.problem and "256 tries" in e.value.problem


@pytest.mark.parametrize("limit", [1, 100, BATCH + 1])
def test_max_candidates_is_exact_per_variant(limit):
    # not a whole batch: exactly `limit` candidates are examined, then the error
    s = parse_settings({"constraints": {"probabilities": [0.45, 0.55]},
                        "max_candidates": limit})
    st = Stats()
    with pytest.raises(InputError, match=f"in {limit} tries"):
        generate_instances(REFERENCE, 3, 1, s, st)
    # the first check runs on every candidate, a later one on those that passed the earlier
    assert st.examined == limit == st.checked["softmax-layer.nonzero_inputs"]
    assert 0 < st.checked["softmax-layer.probabilities"] <= limit


def test_generation_stats_are_consistent():
    st = Stats()
    generate_instances(REFERENCE, 11, 10, parse_settings({}), st)
    assert st.accepted == 20 and st.seconds > 0   # two parts drawn
    assert all(0 <= st.rejected[n] <= st.checked[n] for n in st.checked)


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
        L = {k: np.array(v, float) for k, v in p["softmax-layer"].items()}
        N = {k: np.array(v, float) for k, v in p["network"].items()}
        g = central_difference(lambda W: layer_loss(W, L["b1"], L["x"], L["y"]), L["W1"])
        np.testing.assert_allclose(ans["q6"], g, atol=1e-7)
        np.testing.assert_allclose(ans["q8"], L["W1"] - L["lr"] * g, atol=1e-6)
        q = 2   # q7 and q9 ask for class 3
        assert ans["q7"] == pytest.approx(softmax(L["W1"].T @ L["x"] + L["b1"])[q], abs=1e-12)
        W_new = np.array(ans["q8"])
        assert ans["q9"] == pytest.approx(softmax(W_new.T @ L["x"] + L["b1"])[q], abs=1e-12)

        args = (N["W1"], N["b1"], N["W2"], N["b2"], N["x"], N["y"])
        g2 = central_difference(lambda W2: network_loss(N["W1"], N["b1"], W2, N["b2"],
                                                        N["x"], N["y"]), N["W2"])
        g1 = central_difference(lambda W1: network_loss(W1, *args[1:]), N["W1"])
        np.testing.assert_allclose(ans["q12"]["grad"], g2, atol=1e-6)
        np.testing.assert_allclose(ans["q13"]["grad"], g1, atol=1e-6)
        np.testing.assert_allclose(ans["q12"]["new"], N["W2"] - N["lr"] * g2, atol=1e-6)
        np.testing.assert_allclose(ans["q13"]["new"], N["W1"] - N["lr"] * g1, atol=1e-6)
        a1 = np.maximum(N["W1"].T @ N["x"] + N["b1"], 0)
        np.testing.assert_allclose(ans["q10"], a1, atol=1e-12)
        np.testing.assert_allclose(ans["q11"], softmax(N["W2"].T @ a1 + N["b2"]), atol=1e-12)
        a1_new = np.maximum(np.array(ans["q13"]["new"]).T @ N["x"] + N["b1"], 0)
        np.testing.assert_allclose(
            ans["q14"], softmax(np.array(ans["q12"]["new"]).T @ a1_new + N["b2"]), atol=1e-12)
        assert ans["q5"]["value"] == pytest.approx(-np.log(0.1))   # the file's example


def test_fixed_id_replaces_the_clock_drawn_id():
    from derive.variants.pdfs import fixed_id
    a = b"%PDF-1.5\n1 0 obj\nxref\ntrailer\n<</Size 3 /ID [(a\\)b(c)) <0A1B>] /Root 1 0 R >>\n%%EOF\n"
    b = a.replace(b"a\\)b(c)", b"zz\\\\")
    assert fixed_id(a) == fixed_id(b) and fixed_id(a) != a
    assert fixed_id(a).endswith(b"] /Root 1 0 R >>\n%%EOF\n")
    assert fixed_id(b"%PDF no id") == b"%PDF no id"


def test_the_moodle_penalty_is_0_unless_the_config_sets_it():
    assert parse_settings({}).penalty == 0.0
    assert parse_settings({"penalty": 0.25}).penalty == 0.25 and parse_settings({"penalty": 1}).penalty == 1.0
