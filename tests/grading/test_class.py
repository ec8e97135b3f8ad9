"""The simulated class: 30 students on 30 variants of one seed, each making one
or two of the mistakes of ASSIGNMENT.md consistently (their answers made by
derive.numerics.mistakes, in full precision), or rounding to 3 significant figures, or
rounding too early, copying the given data, answering zeros, or doing only
the forward pass; and each single mistake over 100 variants: it costs the
same points on every variant."""

import numpy as np
import pytest

from derive.grading.scoring import NOT_GENUINE
from derive.grading.rules import Rules
from derive.numerics.key import POINTS
from derive.numerics.mistakes import BY_CODE, MISTAKES, recompute
from derive.variants.generate import generate_keys
from derive.variants.settings import parse_settings
from tests.grading.reference import (SYMBOLIC, grade_all, grade_submission, key_submission,  # noqa: F401
                                     load_submissions, names, parse_submission, prepare,
                                     validate_answer)

SEED = 20261128
RULES = Rules()
FORWARD = ("q1", "q2", "q3", "q4", "q5", "q7", "q10", "q11")
LATER = ("q6", "q8", "q9", "q12", "q13", "q14")
NUMERIC = ("q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13", "q14")
CODES = [m.code for m in MISTAKES]
PAIRS = [("transposed", "ascent"), ("sign-flipped", "transposed"), ("ascent", "wrong-class"),
         ("updated-weights-in-backprop", "transposed"), ("missing-relu-mask", "ascent"),
         ("not-normalised", "wrong-class"), ("sign-flipped", "missing-relu-mask"),
         ("wrong-class", "updated-weights-in-backprop")]
OTHERS = ["3 figures", "rounded too early", "copies", "zeros", "forward pass only"]
# 7 single mistakes twice, 8 pairs (one on 2 students), the 5 others
PROFILES = [(c,) for c in CODES] * 2 + PAIRS + OTHERS
PROFILES += PAIRS[:30 - len(PROFILES)]


def _round(value, figures):
    """A key-shaped answer with every number rounded to ``figures`` significant figures."""
    if isinstance(value, dict):
        return {k: _round(v, figures) for k, v in value.items() if k not in ("latex", "sympy")} \
            or value
    return np.vectorize(lambda e: float(f"{e:.{figures}g}"))(np.asarray(value, float)).tolist()


def answers(key: dict, profile: tuple) -> dict:
    """The answers of a student with ``profile`` on ``key``'s variant."""
    p, ans = key["params"], key["answers"]
    if profile in ("3 figures", "rounded too early"):
        return {q: _round(ans[q], 3 if profile == "3 figures" else 2) for q in NUMERIC}
    if profile in ("copies", "zeros"):
        zero = lambda a: np.zeros(np.shape(a)).tolist()  # noqa: E731
        s, n = p["softmax_layer"], p["network"]
        copy = profile == "copies"
        return {"q6": zero(ans["q6"]), "q8": s["W"] if copy else zero(ans["q8"]),
                "q9": ans["q7"] if copy else 0.0,
                "q12": {"grad": zero(n["W2"]), "W": n["W2"] if copy else zero(n["W2"])},
                "q13": {"grad": zero(n["W1"]), "W": n["W1"] if copy else zero(n["W1"])},
                "q14": ans["q11"] if copy else [0.0] * len(ans["q11"])}
    if profile == "forward pass only":
        return {}
    return recompute(key, [BY_CODE[c] for c in profile])[0]


def grade(variant, profile):
    name = profile if isinstance(profile, str) else ", ".join(profile)
    entry = key_submission(variant.old, name, answers(variant.old, profile))
    if profile == "forward pass only":
        entry["answers"] = {q: a for q, a in entry["answers"].items() if q in FORWARD}
    return grade_submission(parse_submission(entry, 0), variant, RULES)


@pytest.fixture(scope="module")
def variants():
    keys = generate_keys(SEED, 100, parse_settings({}))
    return prepare(keys, RULES)


def _explain(g) -> dict:
    return {q: (i.status, i.points, i.diagnosis) for q, i in g.items.items()
            if i.status != "correct"}


def _check(variant, profile, first) -> str | None:
    """What is wrong with the grade of a student with ``profile``, or None."""
    g = grade(variant, profile)
    if profile == "3 figures":
        ok = g.score == 100
    elif profile == "rounded too early":
        rounded = [i for i in g.items.values() if i.status != "correct"]
        ok = rounded and all(i.diagnosis == ["rounded-too-early"] and
                             i.points == i.max * RULES.rounded_credit for i in rounded)
    elif profile in ("copies", "zeros", "forward pass only"):
        ok = g.score == sum(POINTS[q] for q in FORWARD) and \
            all(g.items[q].points == 0 and not g.items[q].diagnosis for q in LATER)
        if profile != "forward pass only":  # each answer is seen as showing no work
            ok = ok and all(g.items[q].feedback.startswith(NOT_GENUINE) for q in LATER)
    else:
        # every mistake named, every wrong item explained, the cost of the first variant
        ok = {c for i in g.items.values() for c in i.diagnosis} == set(profile) and \
            all(i.diagnosis for i in g.items.values() if i.status == "wrong") and \
            g.score < 100 and g.score == grade(first, profile).score
    return None if ok else f"{variant.old['variant']} {profile}: {g.score} {_explain(g)}"


def test_the_class(variants):
    problems = [_check(v, profile, variants[0]) for v, profile in zip(variants[:30], PROFILES)]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_each_single_mistake_costs_the_same_on_100_variants(variants):
    spread = {}
    for m in MISTAKES:
        costs = {v.old["variant"]: 100 - grade(v, (m.code,)).score for v in variants}
        spread[m.code] = sorted(set(costs.values()))
    assert all(len(c) == 1 and c[0] > 0 for c in spread.values()), spread


def test_a_mistake_in_the_item_itself_is_named_a_consequence_carried_forward(variants):
    """Unnormalised probabilities in q9 are the mistake on every variant (also
    where they happen to equal what follows from the student's own q8); q9
    after an ascent step follows from q8 and is carried forward."""
    for v in variants:
        q9 = grade(v, ("not-normalised",)).items["q9"]
        assert (q9.status, q9.diagnosis) == ("wrong", ["not-normalised"]), v.old["variant"]
        assert grade(v, ("ascent",)).items["q9"].status == "carried-forward", v.old["variant"]


def test_acts_on_follows_the_hooks():
    assert {"q7", "q9", "q11", "q14"} <= BY_CODE["not-normalised"].acts_on
    assert "q9" not in BY_CODE["ascent"].acts_on and "q8" in BY_CODE["ascent"].acts_on
    assert BY_CODE["missing-relu-mask"].acts_on == {"q13"}
