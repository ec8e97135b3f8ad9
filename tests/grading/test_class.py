"""The simulated class on the assignment path: 30 students on 30 variants of
one seed of the reference assignment (reference.toml, schema 2 keys as
``handouts variants`` makes them), each making one or two of the mistakes of
the kind library consistently (their answers recomputed for the variant by
derive.numerics.kind_mistakes, in full precision), or rounding to 3
significant figures, or rounding too early, copying the given data,
answering zeros, or doing only the forward pass; and each single mistake
over 100 variants: it costs the same points on every variant."""

import json

import numpy as np
import pytest

from derive.grading.by_kind import prepare_kind
from derive.grading.kind_answers import items_of, key_submission, submission_parser
from derive.grading.kind_grade import grade_submission
from derive.grading.rules import Rules
from derive.grading.scoring import NOT_GENUINE
from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_keys, nothing_done
from derive.numerics.mistake_kinds import MISTAKE_KINDS
from derive.problem.assignment import load_assignment
from derive.problem.catalogue import NUMERIC_KINDS
from derive.problem.precision import within
from derive.variants.settings import variant_id
from derive.variants.instances import generate_instances
from derive.variants.settings import parse_settings

SEED = 20261128
RULES = Rules()
REFERENCE = load_assignment("reference")
CODES = list(dict.fromkeys(c for p in REFERENCE.parts for c in km.applicable(p)))
PAIRS = [("transposed", "ascent"), ("sign-flipped", "transposed"), ("ascent", "wrong-class"),
         ("updated-weights-in-backprop", "transposed"), ("missing-relu-mask", "ascent"),
         ("not-normalised", "wrong-class"), ("sign-flipped", "missing-relu-mask"),
         ("wrong-class", "updated-weights-in-backprop")]
OTHERS = ["3 figures", "rounded too early", "copies", "zeros", "forward pass only"]
# every single mistake twice, 8 pairs (some on 2 students), the 5 others
PROFILES = [(c,) for c in CODES] * 2 + PAIRS + OTHERS
PROFILES += PAIRS[:30 - len(PROFILES)]


def _kinds(key: dict) -> dict[str, dict]:
    return key["questions"]


def later(key: dict) -> list[str]:
    """The numeric questions that need the gradient or the step (the rest is
    the forward pass and the formulas)."""
    return [q for q, v in _kinds(key).items() if v["kind"] in NUMERIC_KINDS
            and (v["kind"] not in ("forward", "probability", "loss") or v.get("after"))]


def _round(value, figures):
    """A key-shaped answer with every number rounded to ``figures`` significant figures."""
    if isinstance(value, dict):
        return {k: _round(v, figures) for k, v in value.items()}
    return np.vectorize(lambda e: float(f"{e:.{figures}g}"))(np.asarray(value, float)).tolist()


def _zeros(value):
    if isinstance(value, dict):
        return {k: _zeros(v) for k, v in value.items()}
    return (np.zeros(np.shape(value)) + 0.0).tolist()


def answers(variant, profile) -> dict:
    """The answers (key-shaped, replacing the key's) of a student with
    ``profile`` on ``variant`` (instance, key)."""
    instance, key = variant
    ans = key["answers"]
    numeric = [q for q, v in _kinds(key).items() if v["kind"] in NUMERIC_KINDS]
    if profile in ("3 figures", "rounded too early"):
        return {q: _round(ans[q], 3 if profile == "3 figures" else 2) for q in numeric}
    if profile in ("copies", "zeros"):
        nothing = json.loads(json.dumps(nothing_done(key)))
        out = {}
        for q in later(key):
            out[q] = _zeros(ans[q])
            if profile == "copies" and _kinds(key)[q]["kind"] == "gradient-step":
                out[q]["new"] = nothing[f"{q}.new"]
            elif profile == "copies" and q in nothing:
                out[q] = nothing[q]
        return out
    if profile == "forward pass only":
        return {}
    return json.loads(json.dumps(km.by_part(REFERENCE, instance, codes=profile)))


def grade(variant, profile):
    """The grade of a student with ``profile`` on ``variant``."""
    (instance, key), prepared = variant[:2], variant[2]
    name = profile if isinstance(profile, str) else ", ".join(profile)
    entry = key_submission(key, name, answers((instance, key), profile))
    if profile == "forward pass only":
        entry["answers"] = {q: a for q, a in entry["answers"].items() if q not in later(key)}
    sub = submission_parser(list(prepared.items.values()))(entry, 0)
    return grade_submission(sub, prepared, RULES)


@pytest.fixture(scope="module")
def variants():
    """(instance, schema 2 key, prepared variant) of 100 variants of the reference."""
    instances = generate_instances(REFERENCE, SEED, 100, parse_settings({}))
    keys = build_assignment_keys(REFERENCE, instances,
                                 [variant_id(SEED, k, 100) for k in range(100)], SEED)
    keys = json.loads(json.dumps(keys))
    return list(zip(instances, keys, prepare_kind(keys, RULES)))


def _explain(g) -> dict:
    return {q: (i.status, i.points, i.diagnosis) for q, i in g.items.items()
            if i.status != "correct"}


def _check(variant, profile, first) -> str | None:
    """What is wrong with the grade of a student with ``profile``, or None."""
    g = grade(variant, profile)
    key = variant[1]
    auto = [i for i in g.items.values() if i.status != "manual"]
    if profile == "3 figures":
        ok = all(i.status == "correct" and i.points == i.max for i in auto)
    elif profile == "rounded too early":
        rounded = [i for i in auto if i.status != "correct"]
        ok = rounded and all(i.diagnosis == ["rounded-too-early"] and
                             i.points == i.max * RULES.rounded_credit for i in rounded)
    elif profile in ("copies", "zeros", "forward pass only"):
        # full points for the forward pass and the formulas, none for the rest
        forward = [i for q, i in g.items.items() if q not in later(key)]
        ok = all(i.points == i.max for i in forward) and \
            g.score == 100 * sum(i.max for i in forward) / sum(i.max for i in g.items.values()) and \
            all(g.items[q].points == 0 and not g.items[q].diagnosis for q in later(key))
        if profile != "forward pass only":  # each answer is seen as showing no work
            ok = ok and all(g.items[q].feedback.startswith(NOT_GENUINE) for q in later(key))
    else:
        # every mistake named, every wrong item explained, the cost of the first variant
        ok = {c for i in g.items.values() for c in i.diagnosis} == set(profile) and \
            all(i.diagnosis for i in g.items.values() if i.status == "wrong") and \
            g.score < 100 and g.score == grade(first, profile).score
    return None if ok else f"{variant[1]['variant']} {profile}: {g.score} {_explain(g)}"


def test_the_profiles_are_the_references_mistakes():
    assert set(CODES) <= set(MISTAKE_KINDS) and len(CODES) == 7
    assert {c for p in PAIRS for c in p} <= set(CODES)
    assert len(PROFILES) == 30


def test_the_class(variants):
    problems = [_check(v, profile, variants[0]) for v, profile in zip(variants[:30], PROFILES)]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def _normalised_by_chance(variant) -> bool:
    """Whether the unnormalised q9 of a student who does not normalise is
    also the right probability for the student's own q8 (a correct step from
    their wrong W: the query class then takes all the probability). The grader
    reads it as carried forward: both readings explain it."""
    instance, key = variant[:2]
    data = instance["softmax-layer"]
    wrong = answers(variant[:2], ("not-normalised",))
    z = np.asarray(wrong["q8"], float).T @ np.asarray(data.x, float) + np.asarray(data.b[0], float)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return bool(within(wrong["q9"], p[key["questions"]["q9"]["class"] - 1]))


def plain(variants) -> list:
    """The variants where no wrong answer is also a right one by chance."""
    out = [v for v in variants if not _normalised_by_chance(v)]
    assert len(out) >= len(variants) - 2
    return out


def test_each_single_mistake_costs_the_same_on_100_variants(variants):
    spread = {}
    for code in CODES:
        costs = {v[1]["variant"]: 100 - grade(v, (code,)).score for v in plain(variants)}
        spread[code] = sorted(set(costs.values()))
    assert all(len(c) == 1 and c[0] > 0 for c in spread.values()), spread


def test_a_mistake_in_the_item_itself_is_named_a_consequence_carried_forward(variants):
    """Unnormalised probabilities in q9 are the mistake on every variant (also
    where they happen to equal what follows from the student's own q8); q9
    after an ascent step follows from q8 and is carried forward."""
    for v in plain(variants):
        q9 = grade(v, ("not-normalised",)).items["q9"]
        assert (q9.status, q9.diagnosis) == ("wrong", ["not-normalised"]), v[1]["variant"]
        assert grade(v, ("ascent",)).items["q9"].status == "carried-forward", v[1]["variant"]
    chance = [v for v in variants if _normalised_by_chance(v)]
    for v in chance:  # the one reading both answers allow: still graded in full
        q9 = grade(v, ("not-normalised",)).items["q9"]
        assert (q9.status, q9.points) == ("carried-forward", q9.max), v[1]["variant"]
