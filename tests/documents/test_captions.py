"""Captions: every clause that depends on the numbers agrees with numbers
computed here independently (plain NumPy), over 200 variants of the
reference through the generic path. (The figures of the documents,
numbered and at natural size: test_kind_figures.py.)"""

import re

import numpy as np
import pytest

from derive.documents.captions import _change, _percent, _value, _where, edge_legend
from derive.documents.checks import numbered
from derive.documents.kind_figures import (figure_blocks, network_solution, question_figure_caption,
                                           question_figures, regions_question)
from derive.documents.numbers import Formatter
from derive.documents.regions import class_grid_of, part_params, part_regions
from tests.documents.reference_variants import COUNT, part, reference_variants

FMT = Formatter(4)


@pytest.fixture(scope="module")
def variants():
    return reference_variants()


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _net(Ws, bs, x):
    """z¹ and a² of the ReLU-softmax network, in plain NumPy."""
    (W1, W2), (b1, b2) = [[np.asarray(v, float) for v in vs] for vs in (Ws, bs)]
    z1 = W1.T @ np.asarray(x, float) + b1
    return z1, _softmax(W2.T @ np.maximum(z1, 0) + b2)


def _probability_question(p):
    return next(q for q in p.questions if q.kind == "probability" and q.get("after"))


def test_probability_changes_are_the_numbers(variants):
    for k, v, sols in variants:
        p, sol = part(v, "softmax-layer"), sols["softmax-layer"]
        q = _probability_question(p)
        assert "probabilities" in question_figures(p, q, sol)
        text = question_figure_caption("probabilities", p, q, sol, FMT)
        [W], [b], x = p.given.W, p.given.b, np.asarray(p.given.x, float)
        a = _softmax(np.asarray(W, float).T @ x + np.asarray(b, float))
        a_new = _softmax(np.asarray(sol.new["W1"], float).T @ x + np.asarray(sol.new["b1"], float))
        said = dict(re.findall(r"class (\d+)'s (?:probability )?(rises|falls|stays)", text))
        assert set(said) == {str(j + 1) for j in range(len(a))}, k
        for j in range(len(a)):
            same = FMT.number(a[j]) == FMT.number(a_new[j])
            verb = "stays" if same else ("rises" if a_new[j] > a[j] else "falls")
            assert said[str(j + 1)] == verb, (k, j)
            if not same:
                assert f"from {_value(FMT, a[j])} to {_value(FMT, a_new[j])}" in text
        target = int(np.argmax(p.given.y)) + 1
        assert f"the target class {target}'s probability" in text


def test_active_units_are_the_positive_z1(variants):
    for k, v, sols in variants:
        p = part(v, "network")
        z1, _ = _net(p.given.W, p.given.b, p.given.x)
        text = network_solution(p, sols["network"])
        active = re.search(r"units? ([\d, and]+?) (?:is|are) active", text)
        off = re.search(r"units? ([\d, and]+?) (?:is|are) off", text)
        numbers = lambda m: {int(n) for n in re.findall(r"\d+", m.group(1))} if m else set()  # noqa: E731
        assert numbers(active) == {j + 1 for j in np.flatnonzero(z1 > 0)}, k
        assert numbers(off) == {j + 1 for j in np.flatnonzero(z1 <= 0)}, k


def test_regions_captions_are_the_networks_predictions(variants):
    drawn = 0
    for k, v, sols in variants:
        p, sol = part(v, "network"), sols["network"]
        q = regions_question(p)
        before_params, after_params = part_params(p, sol)
        before = int(np.argmax(_net(*before_params, p.given.x)[1])) + 1
        after = int(np.argmax(_net(*after_params, p.given.x)[1])) + 1
        blocks = figure_blocks(p, q, 1, sol, FMT)
        if "regions" not in question_figures(p, q, sol):
            # no figure: a sentence says what the network predicts instead, truly
            [note] = [b["text"] for b in blocks if b["type"] == "text"]
            assert part_regions(p, sol) is None
            win_r = float(re.search(r"\[-(\S+), ", note).group(1))
            grids = [class_grid_of(p.network, Ws, bs, win_r, 64)
                     for Ws, bs in (before_params, after_params)]
            assert all(len(np.unique(g)) == 1 for g in grids)
            assert f"class {before}" in note and f"class {after}" in note
            continue
        drawn += 1
        assert not [b for b in blocks if b["type"] == "text"], k
        text = question_figure_caption("regions", p, q, sol, FMT)
        if before == after:
            assert f"lies in class {before}'s region both before and after" in text
        else:
            assert f"Before the step the input lies in class {before}'s region; " \
                   f"after it, in class {after}'s region." in text, k
        # the region's share, against the drawn (finer) grid, within 3 points
        target = int(np.argmax(p.given.y))
        data = part_regions(p, sol)
        shares = [np.mean(data[g] == target) * 100 for g in ("before", "after")]
        said = [float(s) for s in re.findall(r"about \$(\d+)\\,\\%\$", text)]
        for s, share in zip(said, shares):
            assert abs(s - share) <= 3, (k, said, shares)
        verb = re.search(r"region (grows|shrinks|covers)", text).group(1)
        if abs(shares[1] - shares[0]) > 3:
            assert verb == ("grows" if shares[1] > shares[0] else "shrinks"), k
    assert drawn >= 0.9 * COUNT


def test_a_percent_sign_is_escaped(variants):
    for _, v, sols in variants:
        for p in v.parts:
            sol = sols.get(p.id)
            texts = [network_solution(p, sol)] if sol is not None else []
            for number, q in enumerate(p.questions, 1):
                texts += [b["text"] for b in figure_blocks(p, q, number, sol, FMT)]
            for text in texts:
                assert not re.search(r"(?<!\\)%", text)


@pytest.mark.parametrize("a, expected", [
    ([0.2, 0.8], "in class 2's region"),
    ([0.5, 0.5], "where class 1 and class 2 tie"),
    ([0.4, 0.2, 0.4], "where class 1 and class 3 tie"),
])
def test_where(a, expected):
    assert _where(np.array(a)) == expected


def test_change_words():
    assert _change(FMT, 0.1, 0.2) == "rises from $0.1$ to $0.2$"
    assert _change(FMT, 0.66524, 0.5) == r"falls from $\approx 0.6652$ to $0.5$"
    # equal as printed: no direction claimed
    assert _change(FMT, 0.090031, 0.090029) == r"stays at $\approx 0.0900$"


def test_percent_words():
    assert _percent(0) == r"$0\,\%$" and _percent(1) == r"$100\,\%$"
    assert _percent(0.001) == r"under $1\,\%$" and _percent(0.999) == r"over $99\,\%$"
    assert _percent(0.414) == r"$41\,\%$"


def test_edge_legend_names_only_the_weights_present():
    assert edge_legend([np.array([[1.0, 2.0]])]).startswith("blue for positive;")
    assert edge_legend([np.array([[1.0, -2.0]]), np.zeros((1, 1))]).startswith(
        "blue for positive, red for negative and dotted grey for zero;")
    assert numbered([2], "unit") == "unit 3" and numbered([0, 1, 3], "unit") == "units 1, 2 and 4"
