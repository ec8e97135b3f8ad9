"""Grading: full marks for the key, every library mistake diagnosed (alone and
in pairs) at a fixed share, error carried forward only from genuine attempts,
the precision contract, shapes, formulas, rules."""

import re
import time
from pathlib import Path

import numpy as np
import pytest

from derive.grading.by_kind import KindStudent
from derive.grading.rules import Rules, parse_rules, scoring_rules
from derive.grading.compare import time_limit, _Timeout
from derive.grading.formulas import parse_expression
from tests.grading.reference import (SYMBOLIC, grade_all, grade_submission, key_submission,
                                     names, parse_submission, prepare)
from tests.schema_1.keys import POINTS, build_key, build_keys
from tests.schema_1.mistakes import BY_CODE, MISTAKES, mistake_sets, recompute
from derive.problem.spec import REFERENCE, InputError, parse_params
from tests.factories import varied

RULES = Rules()


@pytest.fixture(scope="module")
def keys():
    return [build_key()] + build_keys(varied(3, seed=11), ["v1", "v2", "v3"])


@pytest.fixture(scope="module")
def variants(keys):
    return {k["variant"]: v for k, v in zip(keys, prepare(keys, RULES))}


def grade(variant, replace=None, rules=RULES, drop=()):
    entry = key_submission(variant.old, "s", replace)
    for q in drop:
        del entry["answers"][q]
    return grade_submission(parse_submission(entry, 0), variant, rules)


def test_the_key_scores_full_marks(variants):
    for v in variants.values():
        g = grade(v)
        assert g.score == g.max == 100
        assert {i.status for i in g.items.values()} == {"correct"}


def _value(item, value):
    if item in SYMBOLIC:
        return parse_expression(value["sympy"], names=names(item))
    if isinstance(value, dict):
        return np.asarray(value["value"], float) if "value" in value else \
            {("new" if k == "W" else k): np.asarray(v, float) for k, v in value.items()}
    return np.asarray(value, float)


def _flat(value):
    return np.concatenate([np.ravel(v) for v in value.values()]) if isinstance(value, dict) \
        else np.ravel(value)


def _same_answer(item, a, b) -> bool:
    from derive.grading.compare import _same
    return _same(_value(item, a), _value(item, b), item, RULES)


def _genuine(variant, item, value) -> bool:
    from derive.grading.answers import Submission
    student = KindStudent(Submission(0, "s", None), variant, RULES)
    parts = value.items() if isinstance(value, dict) and "value" not in value else [(None, value)]
    return all(student.genuine(_value(item, v) if p is None else np.asarray(v, float), item,
                               "new" if p == "W" else p) for p, v in parts)


def _cases(variants, size):
    """(variant, mistakes, sheet, items): a student making ``size`` mistakes
    consistently (every item they change), and the items where the answer
    differs from the key and, for pairs, from what any single mistake gives."""
    for v in variants.values():
        singles = [recompute(v.old, [m]) for m in MISTAKES]
        for mistakes in mistake_sets(size):
            if len(mistakes) != size:
                continue
            sheet = recompute(v.old, mistakes)[0]
            items = []
            for item, value in sheet.items():
                if item not in SYMBOLIC and not np.isfinite(_flat(value)).all():
                    continue  # overflowed: no student can submit it
                if item not in SYMBOLIC and not _genuine(v, item, value):
                    continue  # all zeros or a copy of the given data: never credited
                if _same_answer(item, value, v.old["answers"][item] if item != "q4"
                                else {"sympy": "exp(z[j])/sum(exp(z[k]))"}):
                    continue
                if size > 1 and any(item in s and _same_answer(item, value, s[item])
                                    for sheets in singles for s in sheets):
                    continue
                items.append(item)
            yield v, mistakes, sheet, items


def test_each_mistake_alone_is_diagnosed(variants):
    seen = set()
    for v, (m,), sheet, items in _cases(variants, 1):
        g = grade(v, sheet)
        for item in items:
            i = g.items[item]
            # (q12/q13 can be right: W within tolerance beside a wrong tiny gradient)
            assert i.status in ("wrong", "carried-forward", "correct"), (m.code, item)
            if i.status == "wrong" or i.diagnosis:
                assert m.code in i.diagnosis, (m.code, item, v.old["variant"], i.diagnosis)
                assert i.feedback
                seen.add(m.code)
    assert seen == {m.code for m in MISTAKES}


def test_each_pair_of_mistakes_is_diagnosed(variants):
    pairs = set()
    for v, mistakes, sheet, items in _cases(variants, 2):
        g = grade(v, sheet)
        codes = {m.code for m in mistakes}
        for item in items:
            i = g.items[item]
            if i.status == "wrong":
                assert codes <= set(i.diagnosis), (codes, item, v.old["variant"], i.diagnosis)
                pairs.add(frozenset(codes))
    assert frozenset({"transposed", "sign-flipped"}) in pairs
    assert len(pairs) >= 12


def test_transposed_and_sign_flipped_at_once(variants):
    v = variants["reference"]
    q6 = -np.asarray(v.old["answers"]["q6"]).T
    g = grade(v, {"q6": q6.tolist()}).items["q6"]
    assert g.status == "wrong" and g.points == 7.5 * RULES.mistake_credit ** 2
    assert g.diagnosis == ["sign-flipped", "transposed"]


def test_step_mistake_after_a_right_gradient_is_ascent_not_a_sign_flip(variants):
    v = variants["reference"]
    [sheet] = recompute(v.old, [m for m in MISTAKES if m.code == "ascent"])
    assert grade(v, {"q8": sheet["q8"]}).items["q8"].diagnosis == ["ascent"]


# --------------------------------------------------------------------------
# Error carried forward


def test_q8_and_q9_carry_their_own_wrong_q6_forward(variants):
    v = variants["v1"]
    p = v.params.softmax_layer
    q6 = np.asarray(v.old["answers"]["q6"]) + np.array([[0.1, 0, 0], [0, 0, 0.2]])
    q8 = np.asarray(p.W) - p.lr * q6
    g = grade(v, {"q6": q6.tolist(), "q8": q8.tolist()}, drop=("q9",))
    assert g.items["q6"].status == "wrong"
    assert g.items["q8"].status == "carried-forward" and g.items["q8"].points == 7.5
    # q9 from their q8: the probability after their step
    from derive.numerics.evaluate import forward_network
    (_,), (a,) = forward_network(p.network, np.asarray(p.x, float)[:, None],
                                 [q8[..., None]], [np.asarray(p.b, float)[:, None]])
    q9 = float(a[p.query_class, 0])
    g = grade(v, {"q6": q6.tolist(), "q9": q9}, drop=("q8",))  # through q8 left out
    assert g.items["q9"].status == "carried-forward", g.items["q9"]
    g = grade(v, {"q6": q6.tolist(), "q8": q8.tolist(), "q9": q9},
              rules=Rules(carried_forward=0.5))
    assert g.items["q8"].points == 3.75 and g.items["q9"].points == 2.5


def test_q14_from_their_weights_and_the_update_from_their_gradient(variants):
    params = REFERENCE.to_json()
    params["network"].update(W1=[[0.5, -0.5, 0.25, 0], [0.1, 0.2, -0.3, 0.4]],
                             W2=[[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2], [0.2, 0.1]], x=[1, 2],
                             b1=[0.5, 0.5, 0.5, 0.5])
    [v] = prepare([build_key(parse_params(params), "gentle")], RULES)
    n = v.params.network
    grad = np.asarray(v.old["answers"]["q12"]["grad"]) * 2 + 0.5
    W2 = np.asarray(n.W2) - n.lr * grad
    from derive.numerics.evaluate import forward_network
    W1 = np.asarray(v.old["answers"]["q13"]["W"])
    _, (_, a2) = forward_network(n.network, np.asarray(n.x, float)[:, None],
                                 [W1[..., None], W2[..., None]],
                                 [np.asarray(n.b1, float)[:, None], np.asarray(n.b2, float)[:, None]])
    assert not np.allclose(a2[:, 0], v.old["answers"]["q14"], rtol=1e-2)
    g = grade(v, {"q12": {"grad": grad.tolist(), "W": W2.tolist()}, "q14": a2[:, 0].tolist()})
    assert g.items["q12"].status == "carried-forward"
    assert g.items["q12"].points == 10 * RULES.carried_forward_update
    assert g.items["q14"].status == "carried-forward" and g.items["q14"].points == 5
    # the same W without its gradient: simply wrong
    g = grade(v, {"q12": {"W": W2.tolist()}})
    assert g.items["q12"].status == "wrong"


def test_a_right_answer_is_never_carried_forward(variants):
    v = variants["v2"]
    q6 = (np.asarray(v.old["answers"]["q6"]) * 3).tolist()
    g = grade(v, {"q6": q6})
    assert g.items["q8"].status == "correct" and g.items["q9"].status == "correct"


# --------------------------------------------------------------------------
# Numbers, shapes, formulas


def _rounded(key, figures, items=("q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13",
                                   "q14")):
    """The key's numbers rounded to ``figures`` significant figures."""
    def r(x):
        if isinstance(x, dict):
            return {k: r(v) for k, v in x.items() if k != "latex"}
        return np.vectorize(lambda e: float(f"{e:.{figures}g}"))(np.asarray(x)).tolist()
    return {q: r(key["answers"][q]) for q in items}


def test_the_precision_contract_three_figures_pass(variants):
    for v in variants.values():
        assert grade(v, _rounded(v.old, 3)).score == 100
    v = variants["reference"]
    assert grade(v, {"q5": 2.3}).items["q5"].status == "correct"   # the issue: it got 0
    assert grade(v, {"q5": 2.31}).items["q5"].status == "correct"  # within one unit
    assert grade(v, {"q5": 2.28}).items["q5"].status == "wrong"


def test_rounded_too_early_is_its_own_diagnosis_at_a_fixed_share(variants):
    v = variants["reference"]
    g = grade(v, {"q5": 2.26}).items["q5"]      # right to 2 figures, not 3
    assert g.diagnosis == ["rounded-too-early"] and g.points == 7.5 * RULES.rounded_credit
    assert "rounded too early" in g.feedback
    g = grade(v, {"q5": 2.26}, rules=Rules(rounded_credit=0.2)).items["q5"]
    assert g.points == 7.5 * 0.2
    # figures = 4 ([course] figures): three figures are now too few
    g = grade(v, _rounded(v.old, 3, ("q14",)), rules=Rules(figures=4)).items["q14"]
    assert g.diagnosis == ["rounded-too-early"] and g.points == 5 * RULES.rounded_credit
    assert grade(v, _rounded(v.old, 4), rules=Rules(figures=4)).score == 100


def test_credit_per_entry_counts_only_informative_entries(variants):
    v = variants["reference"]
    q6 = np.asarray(v.old["answers"]["q6"])
    q6[0, 1] += 1
    assert grade(v, {"q6": q6.tolist()}).items["q6"].points == pytest.approx(7.5 * 5 / 6)
    assert grade(v, {"q6": q6.tolist()}, rules=Rules(per_entry=False)).items["q6"].points == 0
    # q8: W copied except one entry done right earns that entry's share only
    p = v.params.softmax_layer
    W, key8 = np.asarray(p.W, float), np.asarray(v.old["answers"]["q8"])
    changed = ~np.isclose(W, key8)
    one = W.copy()
    first = tuple(np.argwhere(changed)[0])
    one[first] = key8[first]
    g = grade(v, {"q8": one.tolist()}).items["q8"]
    assert g.status == "wrong" and g.points == pytest.approx(7.5 / changed.sum())
    # q10: a wrong entry the key has as 0 counts against the informative ones
    q10 = np.asarray(v.old["answers"]["q10"])
    dead = np.flatnonzero(q10 == 0)
    assert dead.size and dead.size < q10.size
    q10[dead[0]] = -1.0
    g = grade(v, {"q10": q10.tolist()}).items["q10"]
    live = q10.size - dead.size
    assert g.points == pytest.approx(10 * live / (live + 1))


def test_a_scalar_as_a_one_element_list_is_accepted_with_a_note(variants):
    v = variants["reference"]
    g = grade(v, {"q7": [v.old["answers"]["q7"]]}).items["q7"]
    assert g.status == "correct" and "1-element list" in g.feedback


def test_shapes(variants):
    v = variants["reference"]
    q13 = np.asarray(v.old["answers"]["q13"]["W"])
    g = grade(v, {"q13": {"W": (q13.T + 1).tolist()}}).items["q13"]
    assert g.status == "wrong" and g.points == 0 and "still differ" in g.feedback
    g = grade(v, {"q10": [1, 2, 3]}).items["q10"]
    assert g.status == "wrong" and "Expected 4 entries, got 3 entries" in g.feedback


@pytest.mark.parametrize("item,text,right", [
    ("q1", "exp(z)/(1+exp(z))", True),
    ("q1", "1/(1+exp(z))", False),
    ("q2", "exp(-z)/(1+exp(-z))^2", True),
    ("q2", "sigma(z)*(1-sigma(z))", True),
    ("q2", "sigma(z)^2", False),
    ("q3", "a*x_k - y*x_k", True),
    ("q3", "(a - y)", False),
    ("q4", "exp(z_j - M)/sum(exp(z_k - M))", True),
    ("q4", "exp(z_j)/sum(exp(z_j))", False),
])
def test_formulas_by_sympy(variants, item, text, right):
    g = grade(variants["reference"], {item: {"sympy": text}}).items[item]
    assert (g.status == "correct") == right


def test_the_time_limit_interrupts():
    start = time.perf_counter()
    with pytest.raises(_Timeout):
        with time_limit(0.1):
            while True:
                pass
    assert time.perf_counter() - start < 2


def test_missing_and_invalid_items(variants):
    v = variants["reference"]
    g = grade(v, {"q7": "import os"}, drop=("q9",))
    assert g.items["q9"].status == "missing" and g.items["q9"].points == 0
    assert g.items["q7"].status == "invalid" and "Could not read" in g.items["q7"].feedback


# --------------------------------------------------------------------------
# Batches and rules


def test_a_batch_matches_variants_and_survives_bad_submissions(keys):
    entries = [key_submission(k, f"s{i}") for i, k in enumerate(keys)]
    entries += ["garbage", {"student": "x", "variant": "nope", "answers": {}},
                {"student": "y", "answers": {}}]
    subs = [parse_submission(e, i) for i, e in enumerate(entries)]
    out = grade_all(subs, keys)
    assert [g.score for g in out[:len(keys)]] == [100] * len(keys)
    bad = out[len(keys):]
    assert all(g.error and g.score == 0 for g in bad)
    assert "no key for variant 'nope'" in bad[1].error and "no variant" in bad[2].error
    assert {i.status for i in bad[0].items.values()} == {"invalid"}


def test_one_key_for_everybody_notes_other_variants(keys):
    sub = parse_submission(key_submission(keys[1], "s"), 0)
    [g] = grade_all([sub], keys[:1], single=True)
    assert g.score < 100 and "graded against the key of 'reference'" in g.notes[0]


def test_rules_from_the_config():
    assert parse_rules({}) == Rules()
    r = parse_rules({"mistake_credit": 0.25, "per_entry": False, "carried_forward": 0.5,
                     "rounded_credit": 0.0, "combinations": 1}, figures=4)
    assert (r.mistake_credit, r.per_entry, r.carried_forward, r.rounded_credit,
            r.combinations, r.figures) == (0.25, False, 0.5, 0.0, 1, 4)


@pytest.mark.parametrize("data,words", [
    ({"rel": 1}, "grading.rel: unknown field"),
    ({"rel_tol": 1e-3}, "grading.rel_tol: no longer exists: `figures` in [course]"),
    ({"abs_tol": 1e-6}, "grading.abs_tol: no longer exists: `figures` in [course]"),
    ({"figures": 3}, "grading.figures: unknown field"),
    ({"mistake_credit": "1/2"}, "grading.mistake_credit: expected a number"),
    ({"mistake_credit": -1}, "must be from 0"),
    ({"per_entry": 1}, "grading.per_entry: expected true or false"),
    ({"combinations": 2.5}, "whole number"),
    ({"carried_forward": 2}, "grading.carried_forward: must be from 0 to 1"),
])
def test_bad_rules_name_the_field(data, words):
    with pytest.raises(InputError, match=re.escape(words)):
        parse_rules(data)


# --------------------------------------------------------------------------
# Grading that cannot be gamed; equal cost for equal mistakes

FORWARD = ("q1", "q2", "q3", "q4", "q5", "q7", "q10", "q11")
LATER = ("q6", "q8", "q9", "q12", "q13", "q14")


def _nothing_done(v, how):
    """The later items answered with zeros, or with copies of the given data
    (a zero gradient and the given W as the update, the output before the step)."""
    s, n, ans = v.params.softmax_layer, v.params.network, v.old["answers"]
    zero = lambda a: np.zeros(np.shape(a)).tolist()  # noqa: E731
    update = lambda q, W: {"grad": zero(ans[q]["grad"]),  # noqa: E731
                           "W": zero(W) if how == "zeros" else [list(r) for r in W]}
    if how == "zeros":
        return {"q6": zero(ans["q6"]), "q8": zero(ans["q8"]), "q9": 0.0,
                "q12": update("q12", n.W2), "q13": update("q13", n.W1), "q14": [0.0, 0.0]}
    return {"q6": zero(ans["q6"]), "q8": [list(r) for r in s.W], "q9": ans["q7"],
            "q12": update("q12", n.W2), "q13": update("q13", n.W1), "q14": ans["q11"]}


@pytest.mark.parametrize("how", ["missing", "zeros", "copies"])
def test_the_forward_pass_only_scores_exactly_its_points(variants, how):
    forward = sum(POINTS[q] for q in FORWARD)
    assert forward == 55
    v = variants["reference"]
    g = grade(v, drop=LATER) if how == "missing" else grade(v, _nothing_done(v, how))
    assert g.score == forward, {q: (i.status, i.points) for q, i in g.items.items()}
    assert all(g.items[q].points == 0 and not g.items[q].diagnosis for q in LATER)


def test_a_zero_gradient_carries_nothing_forward_a_genuine_one_does(variants):
    v = variants["reference"]
    s = v.params.softmax_layer
    g = grade(v, {"q6": [[0, 0, 0], [0, 0, 0]], "q8": [list(r) for r in s.W]}, drop=("q9",))
    assert (g.items["q8"].status, g.items["q8"].points) == ("wrong", 0)
    assert "no credit" in g.items["q8"].feedback
    # the same step from a wrong but genuine gradient is carried forward
    q6 = np.asarray(v.old["answers"]["q6"]) + 0.5
    g = grade(v, {"q6": q6.tolist(), "q8": (np.asarray(s.W) - s.lr * q6).tolist()})
    assert g.items["q8"].status == "carried-forward"


def test_a_made_up_gradient_beside_W_earns_the_update_share_only(variants):
    v = variants["reference"]
    n = v.params.network
    grad = np.ones((4, 2))
    g = grade(v, {"q12": {"grad": grad.tolist(), "W": (np.asarray(n.W2) - n.lr * grad).tolist()}})
    item = g.items["q12"]
    assert item.status == "carried-forward" and item.diagnosis == []
    assert item.points == 10 * RULES.carried_forward_update < 10 * RULES.mistake_credit + 1e-9


def test_a_transposed_gradient_then_ascent_is_that_pair(variants):
    v = variants["reference"]
    [t] = recompute(v.old, [BY_CODE["transposed"]])
    [a] = recompute(v.old, [BY_CODE["ascent"]])
    for q in ("q12", "q13"):
        # the gradient transposed, the step up the (right) gradient
        g = grade(v, {q: {"grad": t[q]["grad"], "W": a[q]["W"]}}).items[q]
        assert g.diagnosis == ["transposed", "ascent"], q
        assert g.points == POINTS[q] * RULES.mistake_credit ** 2
    # q6 transposed, q8 the ascent step: its own answers show no sign flip
    g = grade(v, {"q6": t["q6"], "q8": a["q8"]}, drop=("q1", "q2", "q3", "q5", "q9", "q12",
                                                        "q13", "q14"))
    assert g.items["q6"].diagnosis == ["transposed"] and g.items["q8"].diagnosis == ["ascent"]


def test_each_diagnosed_mistake_costs_the_same_share_everywhere(variants):
    for v, (m,), sheet, items in _cases(variants, 1):
        g = grade(v, sheet)
        for q in items:
            i = g.items[q]
            if i.diagnosis:
                assert i.diagnosis == [m.code] or m.code in i.diagnosis, (m.code, q)
                assert i.points == pytest.approx(i.max * RULES.mistake_credit
                                                 ** len(i.diagnosis)), (m.code, q)


def test_the_scoring_rule_is_stated_in_the_readme():
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    for sentence in scoring_rules(RULES):
        assert sentence in readme, sentence
    assert "25 %" in scoring_rules(RULES)[3] and "50 %" in scoring_rules(RULES)[3]
    assert "100 %" in scoring_rules(Rules(mistake_credit=1))[3]
