"""Variants of the example assignments: reproducible, extensible, unique, and
every one rich, checked here from the key's own numbers with a plain NumPy
forward pass written for the test (not the generator's checks); grids that
cannot be satisfied give one line naming the part and the constraint."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from derive.problem import precision
from derive.numerics.key import dumps
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.numerics.kind_mistakes import wrong_answers
from derive.problem.assignment import load_assignment, shipped
from derive.variants.draw import varies
from derive.variants.instances import generate_assignment_keys, generate_instances, instance_of
from derive.variants.selection import Stats, Unmeetable
from derive.variants.settings import parse_settings

NAMES = ("reference", "tanh-mse", "sigmoid-softmax", "logistic")
NUMERIC = ("forward", "probability", "gradient", "step", "gradient-step", "after-step")
SEED, COUNT = 7, 30
SETTINGS = parse_settings({})
MISTAKE_SAMPLE = 8   # variants checked against every mistake of every question


@pytest.fixture(scope="module", params=NAMES)
def made(request):
    a = load_assignment(request.param)
    return a, generate_assignment_keys(a, SEED, COUNT, SETTINGS)


# --------------------------------------------------------------------------
# An independent forward pass


def _act(name, z):
    if name == "identity":
        return z
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    e = np.exp(z - z.max())
    return e / e.sum()


def _forward(net, params):
    """(z, a) of every layer, from the key's networks and params entries."""
    a, zs, acts = np.asarray(params["x"], float), [], []
    for l, layer in enumerate(net["layers"], start=1):
        z = np.asarray(params[f"W{l}"], float).T @ a + np.asarray(params[f"b{l}"], float)
        a = _act(layer["activation"], z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def _loss(net, a, y):
    y = np.asarray(y, float)
    if net["loss"] == "mse":
        return 0.5 * np.sum((a - y) ** 2)
    if net["loss"] == "nllm":
        return -np.sum(y * np.log(a))
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))


def _value(net, params, name):
    z, a = _forward(net, params)
    if name == "loss":
        return _loss(net, a[-1], params["y"])
    if name == "output":
        return a[-1]
    return (z if name[0] == "z" else a)[int(name[1:]) - 1]


def _after(key, pid):
    """The part's params after its step, from the key's step answers."""
    params = dict(key["params"][pid])
    for qid, q in key["questions"].items():
        if q["part"] == pid and q["kind"] in ("step", "gradient-step"):
            ans = key["answers"][qid]
            params[q["param"]] = ans["new"] if q["kind"] == "gradient-step" else ans
    return params


def _far(given, expected, factor=10):
    given, expected = np.asarray(given, float), np.asarray(expected, float)
    return given.shape != expected.shape or bool((precision.gap(given, expected) > factor).any())


def test_every_variant_is_rich_from_its_own_numbers(made):
    a, keys = made
    for key in keys:
        for part in a.parts:
            if not varies(part):
                assert part.id not in key["params"] or key["params"][part.id] == part.given.to_json()
                continue
            pid, net = part.id, key["networks"][part.id]
            before, after = key["params"][pid], _after(key, pid)
            stepped = after != before
            qs = {qid: q for qid, q in key["questions"].items() if q["part"] == pid}
            acts = [layer["activation"] for layer in net["layers"]]
            for params in ([before, after] if stepped else [before]):
                z, _ = _forward(net, params)
                for l, act in enumerate(acts):
                    if act == "relu":
                        assert (np.abs(z[l]) >= 0.5).all(), (key["variant"], pid, l)
            z, out = _forward(net, before)
            for l, act in enumerate(acts):
                if act == "relu":
                    assert (z[l] > 0).any()
                if act in ("sigmoid", "tanh") and (l < len(acts) - 1 or net["loss"] == "mse"):
                    slope = 1 - np.tanh(z[l]) ** 2 if act == "tanh" else 4 * out[l] * (1 - out[l])
                    assert (slope >= 0.01).all()
            for qid, q in qs.items():
                ans = key["answers"][qid]
                if q["kind"] in ("gradient", "gradient-step"):
                    grad = ans["grad"] if q["kind"] == "gradient-step" else ans
                    assert (np.abs(grad) > precision.ZERO_TOL).any()
                if q["kind"] in ("step", "gradient-step"):
                    assert _far(after[q["param"]], before[q["param"]])
                if q["kind"] == "probability":
                    assert 0.01 <= ans <= 0.99
                    source = after if q.get("after") else before
                    p = _forward(net, source)[1][-1]
                    assert ans == pytest.approx(p[q["class"] - 1] if len(p) > 1 else p[0],
                                                rel=1e-12)
                    if q.get("after"):
                        assert _far(ans, _forward(net, before)[1][-1][q["class"] - 1]
                                    if len(p) > 1 else _forward(net, before)[1][-1][0])
                if q["kind"] == "after-step":
                    assert np.allclose(ans, _value(net, after, q["value"]), rtol=1e-12, atol=1e-15)
                    assert _far(ans, _value(net, before, q["value"]))
                if q["kind"] == "forward":
                    assert np.allclose(ans, _value(net, before, q["value"]), rtol=1e-12, atol=1e-15)


def test_every_mistake_shows_in_every_variant(made):
    """Each mistake of the grading library changes every answer of a kind it
    enters by more than rounding, against the key's answers, and shows in
    some answer; in the others it comes through an earlier answer (carried
    forward by the grader)."""
    a, keys = made
    for key in keys[:MISTAKE_SAMPLE]:
        inst = a.with_given(instance_of(a, key))
        for part in inst.parts:
            if not varies(part):
                continue
            # the numeric questions (a loss example is the file's, the same in every variant)
            part = replace(part, questions=tuple(q for q in part.questions if q.kind in NUMERIC))
            shown = {}
            for q in part.questions:
                right = key["answers"][q.id]
                for code, wrong in wrong_answers(part, q, None, part.given).items():
                    far = any(_far(w, r) for w, r in _pairs(wrong, right))
                    shown.setdefault(code, []).append((q, far))
                    if q.kind in MISTAKE_KINDS[code].kinds:
                        assert far, (key["variant"], part.id, code, q.id)
            assert shown and all(any(far for _, far in results) for results in shown.values())


def _pairs(wrong, right):
    if isinstance(right, dict):
        return [(np.asarray(wrong[k], float), np.asarray(right[k], float)) for k in right]
    return [(np.asarray(wrong, float), np.asarray(right, float))]


def test_variants_are_unique_and_reproducible_and_extend(made):
    a, keys = made
    for part in a.parts:
        if varies(part):
            datas = [json.dumps(k["params"][part.id], sort_keys=True) for k in keys]
            assert len(set(datas)) == len(datas)
    assert dumps(generate_assignment_keys(a, SEED, COUNT, SETTINGS)) == dumps(keys)
    # the instances drawn, read back from the keys as they are
    drawn = generate_instances(a, SEED, 5, SETTINGS)
    assert [{pid: d for pid, d in instance_of(a, k).items() if pid in i}
            for k, i in zip(keys, drawn)] == drawn
    fewer = generate_assignment_keys(a, SEED, 12, SETTINGS)
    assert [k["params"] for k in fewer] == [k["params"] for k in keys[:12]]
    assert [k["variant"] for k in keys[:3]] == ["s7-00", "s7-01", "s7-02"]
    other = generate_assignment_keys(a, SEED + 1, 3, SETTINGS)
    assert [k["params"] for k in other] != [k["params"] for k in keys[:3]]


# --------------------------------------------------------------------------
# Grids that cannot be satisfied


def _zero_weights(tmp_path: Path) -> Path:
    """tanh-mse with every weight drawn 0: W¹'s gradient is always 0."""
    text = shipped("tanh-mse").read_text(encoding="utf-8")
    text = text.replace("W = { values = [-1, -0.5, 0, 0.5, 1] }", "W = { values = [0] }")
    path = tmp_path / "dead.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unmeetable_grids_name_the_part_and_the_worst_constraint(tmp_path):
    a = load_assignment(_zero_weights(tmp_path))
    stats = Stats()
    with pytest.raises(Unmeetable) as e:
        generate_instances(a, 1, 3, parse_settings({"max_candidates": 100}), stats)
    assert e.value.field == "parts[1].variants"
    text = str(e.value)
    assert "\n" not in text and "'tanh-net'" in text and "s1-0" in text
    # W = 0: every hidden unit alike, the first check that fails every candidate
    assert "(distinct_units rejected 100% of the candidates it checked)" in text
    assert stats.examined == 100
