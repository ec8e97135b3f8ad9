"""The mistake library: each mistake recomputed for a key, checked against an
independent NumPy computation of the same wrong step from the key's values."""

import numpy as np
import pytest

from tests.factories import varied

from tests.schema_1.keys import build_key, build_keys
from tests.schema_1.solve import solve
from tests.schema_1.mistakes import (BY_CODE, MISTAKES, alternatives, mistake_sets, mistaken_answers,
                             recompute, recompute_many)
from derive.problem.spec import parse_params

CODES = ("sign-flipped", "transposed", "ascent", "updated-weights-in-backprop",
         "missing-relu-mask", "wrong-class", "not-normalised")


@pytest.fixture(scope="module")
def key():
    return build_key()


def test_the_library_is_data_with_the_issue_codes():
    assert tuple(m.code for m in MISTAKES) == CODES
    for m in MISTAKES:
        assert m.feedback.endswith(".") and m.tex.endswith(".")
        assert set(m.items) <= {f"q{i}" for i in range(1, 15)}
        assert BY_CODE[m.code] is m


def test_mistaken_answers_has_every_code_and_only_its_items(key):
    wrong = mistaken_answers(key)
    assert set(wrong) == set(CODES)
    for code, items in wrong.items():
        assert set(items) == set(BY_CODE[code].items)
        for q in ("q12", "q13"):
            if q in items:
                assert set(items[q]) == {"grad", "W"}


def test_each_mistake_against_numpy(key):
    p = parse_params(key["params"])
    ans = {q: np.asarray(v, float) for q, v in key["answers"].items()
           if not isinstance(v, dict)}
    g6, W = ans["q6"], np.asarray(p.softmax_layer.W, float)
    lr = p.softmax_layer.lr
    wrong = mistaken_answers(key)
    np.testing.assert_allclose(wrong["sign-flipped"]["q6"], -g6)
    np.testing.assert_allclose(wrong["transposed"]["q6"], g6.T)
    np.testing.assert_allclose(wrong["ascent"]["q8"], W + lr * g6)
    np.testing.assert_allclose(wrong["sign-flipped"]["q5"]["value"], -key["answers"]["q5"]["value"])
    assert wrong["sign-flipped"]["q3"] == {"sympy": "-x_k*(a - y)"}
    assert wrong["not-normalised"]["q4"] == {"sympy": "exp(z[j])"}
    # the network: δ² = a² − y, back = W² δ², mask = 1[z¹ > 0]
    n = p.network
    x, W1, W2 = np.asarray(n.x, float), np.asarray(n.W1, float), np.asarray(n.W2, float)
    z1 = W1.T @ x + np.asarray(n.b1, float)
    d2 = np.asarray(key["answers"]["q11"]) - np.asarray(n.y, float)
    W2_new = np.asarray(key["answers"]["q12"]["W"])
    np.testing.assert_allclose(wrong["missing-relu-mask"]["q13"]["grad"], np.outer(x, W2 @ d2))
    np.testing.assert_allclose(wrong["updated-weights-in-backprop"]["q13"]["grad"],
                               np.outer(x, (W2_new @ d2) * (z1 > 0)))
    # not normalised: e^z instead of the softmax, here for the query class
    z = W.T @ np.asarray(p.softmax_layer.x, float) + np.asarray(p.softmax_layer.b, float)
    c = p.softmax_layer.query_class
    np.testing.assert_allclose(wrong["not-normalised"]["q7"], np.exp(z[c]))


def test_wrong_class_reads_every_other_class_off_by_one_first(key):
    p = parse_params(key["params"])
    c = p.softmax_layer.query_class
    sheets = recompute(key, [BY_CODE["wrong-class"]])
    assert len(sheets) == alternatives(p, [BY_CODE["wrong-class"]]) == 2
    a = solve([p])[0].layer.a
    assert sheets[0]["q7"] == pytest.approx(a[(c - 1) % 3])
    assert {round(s["q7"], 12) for s in sheets} == {round(a[k], 12) for k in range(3) if k != c}


def test_every_mistake_changes_some_answer(key):
    for code, items in mistaken_answers(key).items():
        changed = [q for q, v in items.items() if v != key["answers"][q]]
        assert changed, code


def test_pairs_compose(key):
    both = recompute(key, [BY_CODE["transposed"], BY_CODE["sign-flipped"]])[0]
    np.testing.assert_allclose(both["q6"], -np.asarray(key["answers"]["q6"]).T)
    assert len(mistake_sets(2)) == 7 + 21


def test_a_batch_equals_one_at_a_time():
    ps = varied(6, seed=3)
    keys = build_keys(ps, [f"v{k}" for k in range(6)])
    for mistakes in ([BY_CODE["not-normalised"]], [BY_CODE["ascent"], BY_CODE["wrong-class"]]):
        batch = recompute_many(keys, mistakes)
        for k, sheets in zip(keys, batch):
            assert sheets == recompute(k, mistakes)
