"""The edges of drawing variants: a grid so small that draws repeat (unique
variants all the same, and the stress statistics adding up), an assignment
with nothing to draw, the progress and the time a run reports, the keys'
variant ids and seed, and the one line an unmeetable request gets when two
constraints tie or another part rejected more. The documents' context
(instance_context) is checked against the key it is rendered from."""

import json
import time
import tomllib
from dataclasses import replace

import numpy as np
import pytest

from derive.problem.assignment import load_assignment, parse_assignment, shipped
from derive.problem.config import Config
from derive.documents.assignment_build import figure_paths
from derive.variants.instances import (generate_assignment_keys, generate_instances,
                                       instance_context, instance_of)
from derive.variants.richness import active
from derive.variants.selection import Stats, Unmeetable
from derive.variants.settings import parse_settings

SETTINGS = parse_settings({})


def _logistic(variants: dict | None) -> object:
    """The logistic assignment with other grids (None: no variants at all)."""
    data = tomllib.loads(shipped("logistic").read_text(encoding="utf-8"))
    data["parts"][0].pop("variants")
    if variants is not None:
        data["parts"][0]["variants"] = variants
    return parse_assignment(data, "logistic")


# 2 × 2 weights, 2 × 2 inputs, 2 labels and 2 step sizes: 64 instances, and
# draws repeat often in a set of 8
SMALL = {"W": {"values": [-1, 1]}, "b": {"values": [0.5]}, "x": {"values": [1, 2]},
         "y": {"values": [0, 1]}, "lr": {"values": [0.5, 1]}}
# seed 2 of the small grid with a stricter mistakes check: the late check and
# unique each reject some candidates and pass others
STRICT = {"distinct_from_mistakes": 100}


def _identities(instances, pid):
    return [json.dumps(i[pid].to_json()) for i in instances]


@pytest.fixture(scope="module")
def small():
    return _logistic(SMALL)


def test_unique_variants_on_a_grid_where_draws_repeat(small):
    on = generate_instances(small, 2, 8, parse_settings({"constraints": STRICT}))
    assert len(on) == 8 and len(set(_identities(on, "logistic"))) == 8
    # the streams do repeat themselves: without unique, some variants are alike
    off = generate_instances(small, 2, 8, parse_settings(
        {"constraints": STRICT | {"unique": False}}))
    assert len(set(_identities(off, "logistic"))) < 8


def test_each_constraint_is_counted_on_the_candidates_the_earlier_ones_passed(small):
    """What ``handouts stress`` reports adds up: every examined candidate
    meets the first check, each check sees those the one before passed (the
    screen, then the per-candidate checks, then unique), and those unique
    passes are the variants."""
    s = parse_settings({"constraints": STRICT})
    stats = Stats()
    generate_instances(small, 2, 8, s, stats)
    part = small.parts[0]
    checks = active(part, s.constraints)
    chain = [f"logistic.{r.name}" for r, _ in checks if r.screen] + \
        [f"logistic.{r.name}" for r, _ in checks if not r.screen] + ["logistic.unique"]
    assert set(stats.checked) == set(chain)
    assert stats.checked[chain[0]] == stats.examined
    for before, after in zip(chain, chain[1:]):
        assert stats.checked[after] == stats.checked[before] - stats.rejected[before], after
    assert stats.checked[chain[-1]] - stats.rejected[chain[-1]] == stats.accepted == 8
    # the case is one where that means something: both late stages rejected
    # some candidates and passed others, in different numbers
    for name in ("logistic.distinct_from_mistakes", "logistic.unique"):
        passed = stats.checked[name] - stats.rejected[name]
        assert 0 < stats.rejected[name] != passed, name


def test_the_same_seed_gives_the_same_variants_and_a_larger_count_extends():
    a = load_assignment("logistic")
    four = generate_instances(a, 7, 4, SETTINGS)
    assert _identities(generate_instances(a, 7, 4, SETTINGS), "logistic") == \
        _identities(four, "logistic")
    assert _identities(generate_instances(a, 7, 2, SETTINGS), "logistic") == \
        _identities(four, "logistic")[:2]
    assert _identities(generate_instances(a, 8, 2, SETTINGS), "logistic") != \
        _identities(four, "logistic")[:2]


def test_progress_counts_each_variant_once_all_its_parts_are_drawn():
    a = load_assignment("reference")     # two parts with variants
    stats, seen = Stats(), []

    def progress(n):
        seen.append((n, stats.accepted))

    generate_instances(a, 7, 3, SETTINGS, stats, progress)
    # variant k is complete when the second part's k-th instance is accepted
    assert seen == [(1, 4), (1, 5), (1, 6)]


def test_an_assignment_with_nothing_to_draw():
    a = _logistic(None)
    seen = []
    assert generate_instances(a, 1, 4, SETTINGS, progress=seen.append) == [{}] * 4
    assert seen == [4]
    assert generate_instances(a, 1, 2, SETTINGS) == [{}, {}]


def test_the_time_a_run_took_is_added_to_the_stats():
    stats = Stats(seconds=100.0)   # say, what earlier runs took
    start = time.perf_counter()
    generate_instances(load_assignment("logistic"), 7, 2, SETTINGS, stats)
    took = time.perf_counter() - start
    assert 100.0 < stats.seconds <= 100.0 + took


def test_keys_carry_the_variant_ids_the_seed_and_the_drawn_data():
    a = load_assignment("logistic")
    stats, seen = Stats(), []
    keys = generate_assignment_keys(a, 7, 3, SETTINGS, stats, seen.append)
    assert [k["variant"] for k in keys] == ["s7-0", "s7-1", "s7-2"]
    assert [k["seed"] for k in keys] == [7, 7, 7]
    drawn = generate_instances(a, 7, 3, SETTINGS)
    assert [k["params"]["logistic"] for k in keys] == [i["logistic"].to_json() for i in drawn]
    assert seen == [1, 1, 1] and stats.accepted == 3 and stats.examined >= 3


# --------------------------------------------------------------------------
# Unmeetable requests: the reference with an allowance of 11 candidates,
# where its second part with variants runs out for variant 1


def _unmeetable(seed: int) -> tuple[str, Stats]:
    stats = Stats()
    with pytest.raises(Unmeetable) as e:
        generate_instances(load_assignment("reference"), seed, 3,
                           parse_settings({"max_candidates": 11}), stats)
    assert e.value.field == "parts[3].variants"
    return e.value.problem, stats


def _rates(stats: Stats, pid: str) -> dict[str, float]:
    return {n.split(".")[1]: stats.rejected[n] / stats.checked[n]
            for n in stats.checked if n.startswith(pid + ".") and stats.checked[n]}


def test_two_constraints_that_reject_as_many_are_both_named():
    problem, stats = _unmeetable(67)
    network = _rates(stats, "network")
    top = max(network.values())
    assert sorted(n for n, r in network.items() if r == top) == \
        ["learning_units", "probabilities"]
    # the other part's constraints are not this part's
    assert max(_rates(stats, "softmax-layer").values()) >= top
    assert problem == ("no candidate of part 'network' for s67-1 met every constraint in 11 "
                       "tries (learning_units and probabilities rejected 67% of the "
                       "candidates each checked); widen the grids or switch the constraint off")


def test_the_worst_constraint_is_the_parts_own():
    problem, stats = _unmeetable(120)
    network, other = _rates(stats, "network"), _rates(stats, "softmax-layer")
    assert network["probabilities"] == max(network.values()) == 0.75
    assert max(other.values()) > 0.75      # softmax-layer rejected more, elsewhere
    assert problem == ("no candidate of part 'network' for s120-1 met every constraint in 11 "
                       "tries (probabilities rejected 75% of the candidates it checked); "
                       "widen the grids or switch the constraint off")


# --------------------------------------------------------------------------
# What a variant's documents are rendered from


@pytest.fixture(scope="module")
def variant_key():
    a = load_assignment("reference")
    return a, generate_assignment_keys(a, 7, 2, SETTINGS)[1]


def test_instance_of_reads_every_drawn_part_back_from_the_key(variant_key):
    a, key = variant_key
    data = instance_of(a, key)
    assert set(data) == set(key["params"]) == {"softmax-layer", "network"}
    assert {pid: d.to_json() for pid, d in data.items()} == key["params"]


def test_instance_context_is_the_keys_variant(variant_key):
    a, key = variant_key
    config = Config(course=replace(Config().course, course="Deep Learning", decimals=2))
    variant, solutions, ctx = instance_context(a, key, config)
    given = {p.id: p.given.to_json() for p in variant.parts if p.given is not None}
    assert given == key["params"] != {p.id: p.given.to_json() for p in a.parts if p.given}
    # the numbers solved are the key's
    assert set(solutions) == set(key["params"])
    for qid, q in key["questions"].items():
        if q["kind"] in ("gradient", "gradient-step"):
            answer = key["answers"][qid]
            answer = answer["grad"] if q["kind"] == "gradient-step" else answer
            assert np.allclose(solutions[q["part"]].grad(q["param"]), answer), qid
    # the render context: the variant, the config, the figures and the given numbers
    assert ctx["variant"] == key["variant"] == "s7-1" and "s7-1" in ctx["label"]
    assert ctx["course"]["course"] == "Deep Learning" and ctx["decimals"] == 2
    assert ctx["figures"] == figure_paths(variant) and set(ctx["figures"]) == set(key["params"])
    shown = {p["id"]: " ".join(p["given"]) for p in ctx["parts"]}
    for pid, params in key["params"].items():
        for row in params["W1"]:
            assert " & ".join(map(str, row)) in shown[pid], (pid, row)
