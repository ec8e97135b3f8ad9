"""Every constraint holds on a few hundred generated variants (checked from
the answer keys, independently of the generator), each one matters (with it
switched off, some variants break it), and each rejects a hand-made
degenerate candidate while accepting a reference-like one."""

import dataclasses

import numpy as np
import pytest

from derive.problem import precision
from derive.variants.constraints import (BY_NAME, CARRIED_FORWARD, CONSTRAINTS, numeric_leaves,
                                parse_constraints, unchanged_items)
from derive.numerics.key import build_key
from derive.numerics.mistakes import MISTAKES, mistaken_answers
from derive.problem.spec import InputError
from derive.variants.generate import Candidates, _mistakes_batch, batch_checks, generate_keys
from derive.variants.settings import parse_settings

COUNT = 300
MISTAKE_SAMPLE = 60   # keys checked against every mistake (one recompute each)


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
    # dL/dW1 by hand: δ² = a² − y, δ¹ = (W² δ²) ⊙ 1[z¹ > 0], dL/dW1 = x δ¹ᵀ
    g1 = np.outer(N["x"], (N["W2"] @ (a2 - N["y"])) * (z1 > 0))
    return {
        "z1": z1, "z1_new": z1_new, "W2": N["W2"], "g1": g1,
        "inputs": np.concatenate([L["x"], N["x"]]),
        "units": [(tuple(N["W1"][:, j]), N["b1"][j]) for j in range(len(z1))],
        "probability_vectors": [np.array(p["nllm_example"]["a"]), a, a_new, a2, a2_new],
        "probabilities": np.concatenate([a, a_new, a2, a2_new]),
        "layer_loss": (-np.log(a @ L["y"]), -np.log(a_new @ L["y"])),
        "net_loss": (-np.log(a2 @ N["y"]), -np.log(a2_new @ N["y"])),
        "layer_id": str(p["softmax_layer"]), "net_id": str(p["network"]),
    }


def mistakes_show(key, factor=10.0, figures=3) -> bool:
    """Every single mistake changes some entry of every numeric item it
    concerns by more than ``factor`` tolerances (q14 may stay when q12/q13 show)."""
    wrong = mistaken_answers(key)
    for m in MISTAKES:
        shown = {}
        for item in m.items:
            right = dict(numeric_leaves(key["answers"][item], item))
            given = dict(numeric_leaves(wrong[m.code][item], item))
            if not right:
                continue   # a formula item
            shown[item] = any(np.shape(given[k]) != np.shape(right[k])
                              or (precision.gap(given[k], right[k], figures) > factor).any()
                              for k in right)
        for item, ok in shown.items():
            if not ok and not any(shown.get(i) for i in CARRIED_FORWARD.get(item, ())):
                return False
    return True


def holds(name: str, key, setting) -> bool:
    f = facts(key)
    nonzero = np.abs(f["g1"]) > 1e-9
    learning = [j for j in range(len(f["z1"])) if f["z1"][j] > 0 and nonzero[:, j].any()]
    if name == "nonzero_inputs":
        return bool((f["inputs"] != 0).all())
    if name == "hidden_mixed":
        return 0 < (f["z1"] > 0).sum() < len(f["z1"])
    if name == "learning_units":
        return len({tuple(f["W2"][j]) for j in learning}) >= 2
    if name == "gradient_spread":
        return (nonzero.sum(axis=0) >= 2).sum() >= 2
    if name == "distinct_units":
        return len(set(f["units"])) == len(f["units"])
    if name == "no_ties":
        return all(abs(u - v) > 10 * precision.unit(max(u, v))
                   for p in f["probability_vectors"]
                   for i, u in enumerate(p) for v in p[i + 1:])
    if name == "kink_margin":
        return min(np.abs(f["z1"]).min(), np.abs(f["z1_new"]).min()) >= setting
    if name == "probabilities":
        lo, hi = setting
        return bool(((f["probabilities"] >= lo) & (f["probabilities"] <= hi)).all())
    if name == "loss_decreases":
        return f["layer_loss"][1] < f["layer_loss"][0] and f["net_loss"][1] < f["net_loss"][0]
    if name == "distinct_from_mistakes":
        return mistakes_show(key, setting)
    raise KeyError(name)


@pytest.fixture(scope="module")
def constrained():
    s = parse_settings({})
    return s, generate_keys(1, COUNT, s)


@pytest.fixture(scope="module")
def unconstrained():
    s = parse_settings({"constraints": {c.name: False for c in CONSTRAINTS}})
    return generate_keys(1, COUNT, s)


CHECKED = [c.name for c in CONSTRAINTS if c.name != "unique"]


@pytest.mark.parametrize("name", CHECKED)
def test_constraint_holds_on_every_variant(constrained, name):
    s, keys = constrained
    sample = keys if name != "distinct_from_mistakes" else keys[:MISTAKE_SAMPLE]
    assert all(holds(name, k, s.constraints[name]) for k in sample)


@pytest.mark.parametrize("name", CHECKED)
def test_constraint_matters(unconstrained, name):
    setting = BY_NAME[name].default
    sample = unconstrained if name != "distinct_from_mistakes" else unconstrained[:MISTAKE_SAMPLE]
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


# --------------------------------------------------------------------------
# each batch constraint on hand-made candidates


REFERENCE_LIKE = {
    "nllm_a": [1, 4, 5], "nllm_y": [1, 0, 0],
    "W": [[1, -1, -2], [-1, 2, 1]], "b": [0, 0, 0], "x": [1, 1], "y": [0, 1, 0],
    "lr": 0.5, "query_class": 2,
    # two units active (z1 = 2, 3) with different W2 rows, two dead (z1 = -2, -3)
    "W1": [[1, 0, -1, 0], [0, 1, 0, -1]], "b1": [1, 1, -1, -1],
    "W2": [[1, -1], [-1, 1], [1, 0], [0, 1]], "b2": [0, 0],
    "net_x": [1, 2], "net_y": [0, 1], "net_lr": 0.1,
}

DEGENERATE = {
    "nonzero_inputs": [{"x": [0, 1]}, {"net_x": [0, 2]}],
    "learning_units": [{"W2": [[1, -1], [1, -1], [1, 0], [0, 1]]},   # active rows alike
                       {"b1": [1, -5, -1, -1]}],                      # one unit active
    "gradient_spread": [{"b1": [1, -5, -1, -1]}, {"net_x": [0, 2], "b1": [1, -1, -1, -1]}],
    "distinct_units": [{"W1": [[1, 1, -1, 0], [0, 0, 0, -1]], "b1": [1, 1, -1, -1]}],
    "no_ties": [{"nllm_a": [3, 3, 4]},               # question 5's a
                {"W": [[1, 1, 0], [0, 0, 0]]},      # z = (1, 1, 0)
                {"b2": [1, -1]}],                   # z2 = (-1, 1) + (1, -1)
}


def candidates(*changes: dict) -> Candidates:
    rows = [{**REFERENCE_LIKE, **c} for c in changes]
    return Candidates(**{name: np.array([r[name] for r in rows],
                                        object if name.endswith("lr") else None)
                         for name in REFERENCE_LIKE})


def test_the_reference_like_candidate_passes_every_batch_constraint():
    verdicts = batch_checks(candidates({}), parse_settings({}))
    assert set(verdicts) == {c.name for c in CONSTRAINTS if c.batch}
    assert all(v.tolist() == [True] for v in verdicts.values()), verdicts


@pytest.mark.parametrize("name,change", [(n, c) for n, cs in DEGENERATE.items() for c in cs])
def test_each_constraint_rejects_a_degenerate_candidate(name, change):
    verdicts = batch_checks(candidates({}, change), parse_settings({}))
    assert verdicts[name].tolist() == [True, False]


def test_a_near_tie_within_the_rounded_too_early_band_is_a_tie():
    from derive.variants.constraints import _untied
    p = np.array([[0.5, 0.2, 0.3], [0.5, 0.251, 0.249], [0.5, 0.262, 0.238]])
    # 0.251 vs 0.249: 2 units of the 3rd figure (a tie); 0.262 vs 0.238: 24 (none)
    assert _untied(p, 3).tolist() == [True, False, True]
    assert _untied(p, 4).tolist() == [True, True, True]


# --------------------------------------------------------------------------
# distinct_from_mistakes


def test_every_accepted_variant_shows_every_mistake_in_every_item(constrained):
    _, keys = constrained
    for key in keys[:MISTAKE_SAMPLE]:
        wrong = mistaken_answers(key)
        for m in MISTAKES:
            for item in m.items:
                right = dict(numeric_leaves(key["answers"][item], item))
                given = dict(numeric_leaves(wrong[m.code][item], item))
                if not right or (item == "q14" and {"q13"} <= set(m.items)):
                    continue   # a formula; q14 is carried forward from q13 (checked above)
                assert any(np.shape(given[k]) != np.shape(right[k])
                           or (precision.gap(given[k], right[k]) > 10).any()
                           for k in right), (key["variant"], m.code, item)


def test_batch_mistake_check_agrees_with_unchanged_items(unconstrained):
    keys = unconstrained[:25]
    batch = _mistakes_batch(keys, 10.0)
    assert batch == [not unchanged_items(k, 10.0) for k in keys]
    # mistaken_answers has one wrong class of two: it passes whatever passes both
    assert all(mistakes_show(k) for k, ok in zip(keys, batch) if ok)
    assert any(batch) and not all(batch)


def test_unchanged_items_by_hand():
    key = build_key()
    q7, q9 = key["answers"]["q7"], key["answers"]["q9"]
    unit = precision.unit(q7)
    sheet = lambda **items: [("m", items)]   # noqa: E731
    # within the rounded-too-early band (10 units of the 3rd figure): unchanged
    assert unchanged_items(key, 10.0, 3, sheet(q7=q7 + 9 * unit)) == [("m", "q7")]
    assert unchanged_items(key, 10.0, 3, sheet(q7=q7 + 11 * unit)) == []
    # every item must change, not just one
    assert unchanged_items(key, 10.0, 3, sheet(q7=q7 + 0.1, q9=q9)) == [("m", "q9")]
    # another shape always changes; so does a NaN
    q6 = np.transpose(key["answers"]["q6"]).tolist()
    assert unchanged_items(key, 10.0, 3, sheet(q6=q6, q7=float("nan"))) == []
    # q12: one changed part is enough (ascent leaves the gradient as it is)
    q12 = {"grad": key["answers"]["q12"]["grad"],
           "W": (np.array(key["answers"]["q12"]["W"]) + 1).tolist()}
    assert unchanged_items(key, 10.0, 3, sheet(q12=q12)) == []
    # q14 as it was is fine after a changed q13, not otherwise
    q13 = {"grad": key["answers"]["q13"]["grad"],
           "W": (np.array(key["answers"]["q13"]["W"]) + 1).tolist()}
    assert unchanged_items(key, 10.0, 3, sheet(q13=q13, q14=key["answers"]["q14"])) == []
    assert unchanged_items(key, 10.0, 3, sheet(q14=key["answers"]["q14"])) == [("m", "q14")]
    # more figures asked: a narrower band
    assert unchanged_items(key, 10.0, 4, sheet(q7=q7 + 2 * unit)) == []


def test_numeric_leaves_skip_formulas():
    key = build_key()
    leaves = dict(numeric_leaves(key["answers"]))
    assert "q5.value" in leaves and "q12.grad" in leaves and "q1" not in leaves


# --------------------------------------------------------------------------
# settings


@pytest.mark.parametrize("data,field", [
    ({"kink_margin": -1}, "variants.constraints.kink_margin"),
    ({"kink_margin": float("nan")}, "variants.constraints.kink_margin"),
    ({"kink_margin": float("inf")}, "variants.constraints.kink_margin"),
    ({"kink_margin": "wide"}, "variants.constraints.kink_margin"),
    ({"probabilities": [0.9, 0.1]}, "variants.constraints.probabilities"),
    ({"probabilities": 0.5}, "variants.constraints.probabilities"),
    ({"distinct_from_mistakes": 0}, "variants.constraints.distinct_from_mistakes"),
    ({"distinct_from_mistakes": float("nan")}, "variants.constraints.distinct_from_mistakes"),
    ({"no_ties": 3}, "variants.constraints.no_ties"),
    ({"nice": True}, "variants.constraints.nice"),
])
def test_bad_constraint_settings(data, field):
    with pytest.raises(InputError) as e:
        parse_constraints(data)
    assert e.value.field == field


def test_switches():
    c = parse_constraints({"kink_margin": False, "probabilities": [0.05, 0.95],
                           "loss_decreases": True, "no_ties": False})
    assert "kink_margin" not in c and "no_ties" not in c and c["probabilities"] == (0.05, 0.95)
    assert c["loss_decreases"] is True and c["distinct_from_mistakes"] == 10.0
    assert dataclasses.is_dataclass(CONSTRAINTS[0])
