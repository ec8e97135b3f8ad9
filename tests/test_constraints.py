"""Every constraint holds on a few hundred generated variants (checked from
the answer keys, independently of the generator), and each one matters: with
it switched off, some variants break it."""

import numpy as np
import pytest

from derive.constraints import (BY_NAME, CONSTRAINTS, confusable_items, numeric_leaves,
                                parse_constraints)
from derive.key import build_key
from derive.mistakes import mistaken_answers
from derive.constraints import ABS_TOL, REL_TOL
from derive.spec import InputError
from derive.variants import _mistakes_batch, generate_keys, parse_settings

COUNT = 300


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def facts(key) -> dict:
    """What each constraint is about, recomputed with NumPy from the key."""
    p, ans = key["params"], key["answers"]
    L = {k: np.array(v, float) for k, v in p["softmax_layer"].items()}
    N = {k: np.array(v, float) for k, v in p["network"].items()}
    z1 = N["W1"].T @ N["x"] + N["b1"]
    z1_new = np.array(ans["q13"]["W"]).T @ N["x"] + N["b1"]
    a = softmax(L["W"].T @ L["x"] + L["b"])
    a_new = softmax(np.array(ans["q8"]).T @ L["x"] + L["b"])
    a2, a2_new = np.array(ans["q11"]), np.array(ans["q14"])
    return {
        "z1": z1, "z1_new": z1_new,
        "probabilities": np.concatenate([a, a_new, a2, a2_new]),
        "layer_loss": (-np.log(a @ L["y"]), -np.log(a_new @ L["y"])),
        "net_loss": (-np.log(a2 @ N["y"]), -np.log(a2_new @ N["y"])),
        "layer_id": str(p["softmax_layer"]), "net_id": str(p["network"]),
    }


def holds(name: str, key, setting) -> bool:
    f = facts(key)
    if name == "hidden_mixed":
        return 0 < (f["z1"] > 0).sum() < len(f["z1"])
    if name == "kink_margin":
        return min(np.abs(f["z1"]).min(), np.abs(f["z1_new"]).min()) >= setting
    if name == "probabilities":
        lo, hi = setting
        return bool(((f["probabilities"] >= lo) & (f["probabilities"] <= hi)).all())
    if name == "loss_decreases":
        return f["layer_loss"][1] < f["layer_loss"][0] and f["net_loss"][1] < f["net_loss"][0]
    if name == "distinct_from_mistakes":
        return not confusable_items(key, setting)
    raise KeyError(name)


@pytest.fixture(scope="module")
def constrained():
    s = parse_settings({})
    return s, generate_keys(1, COUNT, s)


@pytest.fixture(scope="module")
def unconstrained():
    s = parse_settings({"constraints": {c.name: False for c in CONSTRAINTS}})
    return generate_keys(1, COUNT, s)


@pytest.mark.parametrize("name", [c.name for c in CONSTRAINTS if c.name != "unique"])
def test_constraint_holds_on_every_variant(constrained, name):
    s, keys = constrained
    sample = keys if name != "distinct_from_mistakes" else keys[:60]  # one recompute each
    assert all(holds(name, k, s.constraints[name]) for k in sample)


@pytest.mark.parametrize("name", [c.name for c in CONSTRAINTS if c.name != "unique"])
def test_constraint_matters(unconstrained, name):
    setting = BY_NAME[name].default
    sample = unconstrained if name != "distinct_from_mistakes" else unconstrained[:60]
    assert not all(holds(name, k, setting) for k in sample)


def test_no_two_variants_alike(constrained):
    _, keys = constrained
    for part in ("layer_id", "net_id"):
        ids = [facts(k)[part] for k in keys]
        assert len(set(ids)) == len(ids)


def test_unique_matters():
    # a tiny parameter space: without `unique`, variants repeat
    tiny = {"network": {"inputs": 1, "hidden": 1, "W1": [0, 1], "b1": [0, 0],
                        "W2": [0, 1], "b2": [0, 0], "x": [1, 1]},
            "constraints": {c.name: False for c in CONSTRAINTS}}   # 64 networks
    keys = generate_keys(2, 40, parse_settings(tiny))
    assert len({str(k["params"]["network"]) for k in keys}) < 40
    tiny["constraints"] = {c.name: False for c in CONSTRAINTS if c.name != "unique"}
    keys = generate_keys(2, 30, parse_settings(tiny))
    assert len({str(k["params"]["network"]) for k in keys}) == 30


def test_batch_mistake_check_agrees_with_mistaken_answers(unconstrained):
    keys = unconstrained[:25]
    batch = _mistakes_batch(keys, 10.0)
    assert batch == [not confusable_items(k, 10.0, mistaken_answers(k)) for k in keys]
    assert any(batch) and not all(batch)


def test_a_near_miss_is_confusable_and_an_exact_match_is_not():
    key = build_key()
    wrong = {"near": {"q7": key["answers"]["q7"] * (1 + 2 * REL_TOL)},
             "far": {"q7": key["answers"]["q7"] + 0.1}}
    assert confusable_items(key, 10.0, wrong) == [("near", "q7"), ("near", "")]
    assert confusable_items(key, 10.0, {"far": wrong["far"]}) == []
    # the same answer in one item is fine when another item shows the mistake
    same = {"m": {"q7": key["answers"]["q7"], "q9": key["answers"]["q9"] + 1}}
    assert confusable_items(key, 10.0, same) == []
    # another shape is always told apart
    assert confusable_items(key, 10.0, {"t": {"q6": np.transpose(key["answers"]["q6"]).tolist()}}) == []
    assert ABS_TOL < REL_TOL


def test_numeric_leaves_skip_formulas():
    key = build_key()
    leaves = dict(numeric_leaves(key["answers"]))
    assert "q5.value" in leaves and "q12.grad" in leaves and "q1" not in leaves


@pytest.mark.parametrize("data,field", [
    ({"kink_margin": -1}, "variants.constraints.kink_margin"),
    ({"kink_margin": "wide"}, "variants.constraints.kink_margin"),
    ({"probabilities": [0.9, 0.1]}, "variants.constraints.probabilities"),
    ({"probabilities": 0.5}, "variants.constraints.probabilities"),
    ({"distinct_from_mistakes": 0}, "variants.constraints.distinct_from_mistakes"),
    ({"nice": True}, "variants.constraints.nice"),
])
def test_bad_constraint_settings(data, field):
    with pytest.raises(InputError) as e:
        parse_constraints(data)
    assert e.value.field == field


def test_switches():
    c = parse_constraints({"kink_margin": False, "probabilities": [0.05, 0.95],
                           "loss_decreases": True})
    assert "kink_margin" not in c and c["probabilities"] == (0.05, 0.95)
    assert c["loss_decreases"] is True and c["distinct_from_mistakes"] == 10.0
