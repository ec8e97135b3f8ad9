"""Grading against schema 2 keys: a simulated class for each example
assignment (perfect, each mistake of each kind, a pair, zeros, copies of
the given data, nothing done, rounded, a formula bomb, a malformed entry),
graded with the mistakes named and the scores right; and random instances."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.grading.kind_answers import as_submitted, items_of, submission_parser
from derive.grading.scoring import NOT_GENUINE
from derive.grading.kind_grade import grade_all_kinds
from derive.grading.rules import Rules
from derive.numerics import kind_mistakes as km
from derive.numerics.mistake_kinds import MISTAKE_KINDS, ORDER
from derive.problem.catalogue import NUMERIC_KINDS
from derive.numerics.key import build_assignment_key, build_assignment_keys
from derive.problem.assignment import PartData
from tests.grading.examples import EXAMPLES, NAMES

NUMERIC = NUMERIC_KINDS


def _json(value):
    return json.loads(json.dumps(value))


def _perfect(key) -> dict:
    return {q: as_submitted(v) for q, v in key["answers"].items()}


def _zeros(value):
    return (np.zeros_like(np.asarray(value, float)) + 0.0).tolist()


def _round2(value):
    """Every number to 2 significant figures (one fewer than the contract)."""
    if isinstance(value, dict):
        return {k: _round2(v) for k, v in value.items()}
    return np.vectorize(lambda v: float(f"{v:.2g}"))(np.asarray(value, float)).tolist()


def _formula_mistakes(key, code) -> dict:
    """The formula answers a student making ``code`` writes (by the key's formula)."""
    out = {}
    for item in items_of(key):
        if item.formula:
            wrong = km.formula_mistakes(item.question, item.expected).get(code)
            if wrong is not None:
                out[item.id] = str(wrong)
    return out


def simulated_class(assignment, key) -> list[dict]:
    """About 20 students, each a dict submission; the name says what they did."""
    perfect = _perfect(key)
    kinds = {q: v["kind"] for q, v in key["questions"].items()}
    numeric = [q for q, k in kinds.items() if k in NUMERIC]
    nothing = key_nothing(key)
    students = [("perfect", perfect)]
    codes = list(dict.fromkeys(c for p in assignment.parts for c in km.applicable(p)))
    for code in codes:
        wrong = {**perfect, **_json(km.by_part(assignment, codes=(code,))),
                 **_formula_mistakes(key, code)}
        students.append((f"mistake {code}", wrong))
    for pair in (("transposed", "ascent"), ("sign-flipped", "transposed")):
        if set(pair) <= set(codes):
            students.append((f"pair {'+'.join(pair)}",
                             {**perfect, **_json(km.by_part(assignment, codes=pair))}))
    students.append(("zeros", {**perfect, **{q: _zeros(perfect[q]) if kinds[q] != "gradient-step"
                                             else {p: _zeros(v) for p, v in perfect[q].items()}
                                             for q in numeric}}))
    copied = dict(perfect)
    for q in numeric:
        if kinds[q] == "gradient-step":
            copied[q] = {"grad": perfect[q]["grad"], "new": nothing[f"{q}.new"]}
        elif q in nothing:
            copied[q] = nothing[q]
    students.append(("copied", copied))
    done = {q: perfect[q] for q in numeric if kinds[q] == "forward"}
    done |= {q: (nothing[q] if q in nothing else {"new": nothing[f"{q}.new"]}
                 if kinds[q] == "gradient-step" else _zeros(perfect[q]))
             for q in numeric if kinds[q] != "forward"}
    students.append(("nothing done", done))
    students.append(("rounded", {**perfect, **{q: _round2(perfect[q]) for q in numeric}}))
    formula = next(q for q, k in kinds.items() if k in ("activation", "activation-derivative"))
    students.append(("formula bomb", {**perfect, formula: "e**e**e**e**e**e**e"}))
    subs = [{"student": name, "variant": key["variant"], "answers": answers}
            for name, answers in students]
    subs.append({"student": "malformed", "variant": key["variant"], "answers": "q1 = 3"})
    return subs


def key_nothing(key):
    from derive.numerics.key import nothing_done
    return _json(nothing_done(key))


def grade(key, subs, rules=Rules()):
    parse = submission_parser(items_of(key))
    return {g.student: g for g in grade_all_kinds([parse(s, i) for i, s in enumerate(subs)],
                                                  [key], rules)}


@pytest.fixture(scope="module", params=NAMES)
def graded(request):
    assignment = EXAMPLES[request.param]()
    key = _json(build_assignment_key(assignment))
    return assignment, key, grade(key, simulated_class(assignment, key))


def _auto(g) -> float:
    """The points graded automatically (the key gives a formula or a number)."""
    return sum(i.max for i in g.items.values() if i.status != "manual")


def test_perfect_gets_every_point(graded):
    _, key, grades = graded
    g = grades["perfect"]
    assert g.max == sum(q["points"] for q in key["questions"].values())
    assert all(i.status in ("correct", "manual") for i in g.items.values())
    assert g.score == _auto(g)


def test_each_mistake_is_named_and_costs_its_share(graded):
    assignment, key, grades = graded
    right = key["answers"]
    mistakes = [name for name in grades if name.startswith("mistake ")]
    assert mistakes
    for name in mistakes:
        code = name.split()[1]
        g = grades[name]
        named = [q for q, i in g.items.items() if i.diagnosis]
        assert named, name
        lost = 0.0
        for q, i in g.items.items():
            assert i.status in ("correct", "carried-forward", "wrong", "manual"), (name, q)
            if i.status == "wrong":
                if i.feedback.startswith(NOT_GENUINE):
                    lost += i.max    # the mistake happens to give what doing nothing gives
                    continue
                assert i.diagnosis == [code], (name, q, i.diagnosis)
                assert i.points == pytest.approx(i.max / 2)
                lost += i.max / 2
            elif i.status == "carried-forward":
                assert i.points == i.max and right[q] is not None
        assert g.score == pytest.approx(_auto(g) - lost), name


def test_pairs_are_named_together(graded):
    _, _, grades = graded
    for name, g in grades.items():
        if name.startswith("pair "):
            pair = name.split()[1].split("+")
            found = {tuple(i.diagnosis) for i in g.items.values() if i.diagnosis}
            assert tuple(sorted(pair, key=ORDER.index)) in found, (name, found)


def test_zeros_copies_and_nothing_done_earn_nothing(graded):
    _, key, grades = graded
    kinds = {q: v["kind"] for q, v in key["questions"].items()}
    forward = sum(v["points"] for v in key["questions"].values() if v["kind"] == "forward")
    for name in ("zeros", "copied"):
        for q, i in grades[name].items.items():
            if kinds[q] in NUMERIC and i.status != "correct":
                assert i.points == 0 and i.feedback.startswith(NOT_GENUINE), (name, q)
    assert all(i.points == 0 for q, i in grades["zeros"].items.items() if kinds[q] in NUMERIC)
    assert grades["nothing done"].score == forward


def test_rounded_answers_are_named(graded):
    _, _, grades = graded
    g = grades["rounded"]
    statuses = {(i.status, tuple(i.diagnosis)) for i in g.items.values()}
    assert ("wrong", ("rounded-too-early",)) in statuses
    assert statuses <= {("correct", ()), ("manual", ()), ("carried-forward", ()),
                        ("wrong", ("rounded-too-early",))}


def test_a_formula_bomb_is_invalid_and_the_rest_graded(graded):
    _, _, grades = graded
    g = grades["formula bomb"]
    bad = [i for i in g.items.values() if i.status == "invalid"]
    assert len(bad) == 1 and "too large" in bad[0].feedback
    assert g.score == _auto(g) - bad[0].max


def test_a_malformed_entry_is_not_graded(graded):
    _, key, grades = graded
    g = grades["malformed"]
    assert g.error and g.score == 0 and set(g.items) == set(key["questions"])


def test_formula_answers_are_compared_by_value():
    assignment = EXAMPLES["tanh-mse"]()
    key = _json(build_assignment_key(assignment))
    z = sp.Symbol("z")
    subs = [{"student": "a", "variant": "reference",
             "answers": {**_perfect(key), "q1": "tanh(z)", "q2": "1 - tanh(z)^2"}},
            {"student": "b", "variant": "reference",
             "answers": {**_perfect(key), "q1": str(sp.tanh(-z)), "q2": "tanh(z)**2 - 1"}}]
    grades = grade(key, subs)
    assert grades["a"].items["q1"].status == grades["a"].items["q2"].status == "correct"
    assert grades["b"].items["q2"].diagnosis == ["sign-flipped"]
    assert grades["b"].items["q1"].status == "wrong"


def _instance(part, draw) -> PartData:
    g = part.given
    pick = st.sampled_from([-1.0, -0.5, 0.5, 1.0])
    W = tuple(tuple(tuple(draw(pick) for _ in r) for r in w) for w in g.W)
    b = tuple(tuple(draw(st.sampled_from([-0.5, 0.0, 0.5])) for _ in v) for v in g.b)
    x = tuple(draw(st.sampled_from([-2.0, -1.0, 1.0, 2.0])) for _ in g.x)
    return PartData(W, b, x, g.y, g.lr)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["tanh-mse", "sigmoid-softmax", "logistic"]))
def test_random_instances_a_consistent_mistake_is_named_where_it_enters(data, name):
    """On any instance: the key's answers score every automatic point, and a
    student making one mistake consistently is diagnosed with that mistake
    only, and only in the kinds it enters or carried forward elsewhere."""
    assignment = EXAMPLES[name]()
    inst = {p.id: _instance(p, data.draw) for p in assignment.parts if p.given is not None}
    [key] = build_assignment_keys(assignment, [inst], ["r"])
    key = _json(key)
    a = assignment.with_given(inst)
    code = data.draw(st.sampled_from(sorted({c for p in a.parts for c in km.applicable(p)})))
    subs = [{"student": "ok", "variant": "r", "answers": _perfect(key)},
            {"student": "m", "variant": "r",
             "answers": {**_perfect(key), **_json(km.by_part(a, codes=(code,)))}}]
    grades = grade(key, subs)
    assert grades["ok"].score == _auto(grades["ok"])
    kinds = {q: v["kind"] for q, v in key["questions"].items()}
    given = _json(km.by_part(a, codes=(code,)))
    for q, i in grades["m"].items.items():
        if i.diagnosis not in ([], [code], ["rounded-too-early"]):
            # on some instances two mistakes give the same answer (a sign-flipped
            # gradient of zeros is the gradient): either name is right
            [other] = i.diagnosis
            assert _same(_json(km.by_part(a, codes=(other,)))[q], given[q]), (q, i.diagnosis)
        if i.diagnosis == [code]:
            assert kinds[q] in MISTAKE_KINDS[code].kinds, (q, kinds[q], code)


def _same(x, y) -> bool:
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    return np.shape(x) == np.shape(y) and np.allclose(np.asarray(x, float), np.asarray(y, float))


def _forward(net, Ws, bs, a):
    """Plain NumPy forward from an activation ``a`` through the layers given."""
    acts = {"tanh": np.tanh, "identity": lambda z: z, "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
            "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()}
    for layer, W, b in zip(net, Ws, bs):
        a = acts[layer.activation](np.asarray(W).T @ a + np.asarray(b))
    return a


def test_errors_carry_forward_by_kind():
    """A wrong hidden activation carries to the output and the loss; a wrong
    gradient to the step; wrong updated weights to the value after the step;
    a new value from a wrong gradient beside it earns the update share."""
    a = EXAMPLES["tanh-mse"]()
    key = _json(build_assignment_key(a))
    part = a.parts[0]
    g, net = part.given, part.network.layers
    a1 = np.asarray(key["answers"]["q4"]) + np.array([0.3, 0, 0, 0])
    out = _forward(net[1:], g.W[1:], g.b[1:], a1)
    loss = 0.5 * np.sum((out - np.asarray(g.y)) ** 2)
    grad2 = np.asarray(key["answers"]["q7"]["grad"]) * 1.5          # no mistake explains it
    new2 = np.asarray(g.W[1]) - g.lr * grad2
    new1 = np.asarray(key["answers"]["q8"]["new"])
    after = _forward(net, [new1, new2], g.b, np.asarray(g.x))
    after_loss = 0.5 * np.sum((after - np.asarray(g.y)) ** 2)
    answers = {**_perfect(key), "q4": a1.tolist(), "q5": out.tolist(), "q6": float(loss),
               "q7": {"grad": grad2.tolist(), "new": new2.tolist()}, "q9": float(after_loss)}
    g_ = grade(key, [{"student": "c", "variant": "reference", "answers": answers}])["c"]
    items = g_.items
    assert items["q4"].status == "wrong" and not items["q4"].diagnosis
    assert items["q5"].status == items["q6"].status == "carried-forward"
    assert items["q5"].points == items["q5"].max
    assert items["q7"].status == "carried-forward"
    assert items["q7"].points == items["q7"].max * Rules().carried_forward_update
    assert items["q9"].status == "carried-forward" and items["q9"].points == items["q9"].max


def test_a_probability_carries_from_the_students_own_output():
    a = EXAMPLES["sigmoid-softmax"]()
    key = _json(build_assignment_key(a))
    wrong = np.asarray(key["answers"]["q6"])[::-1]          # the output, classes swapped
    answers = {**_perfect(key), "q6": wrong.tolist(), "q7": float(wrong[1])}
    g = grade(key, [{"student": "p", "variant": "reference", "answers": answers}])["p"]
    assert g.items["q6"].status == "wrong" and g.items["q7"].status == "carried-forward"


def test_the_loss_carries_from_a_hidden_activation_when_no_output_is_asked():
    """logistic asks for the output and the loss; tanh-mse without its output
    question: the loss then follows from the student's own a1."""
    a = EXAMPLES["tanh-mse"]()
    key = _json(build_assignment_key(a))
    del key["questions"]["q5"], key["answers"]["q5"]
    g, net = a.parts[0].given, a.parts[0].network.layers
    a1 = np.asarray(key["answers"]["q4"]) * 0.5
    out = _forward(net[1:], g.W[1:], g.b[1:], a1)
    answers = {**_perfect(key), "q4": a1.tolist(),
               "q6": float(0.5 * np.sum((out - np.asarray(g.y)) ** 2))}
    got = grade(key, [{"student": "l", "variant": "reference", "answers": answers}])["l"]
    assert got.items["q6"].status == "carried-forward"
