"""Captions: every clause that depends on the numbers agrees with numbers
computed here independently (plain NumPy), over 200 variants. (The figures
of the documents, numbered and at natural size: test_kind_figures.py.)"""

import re

import numpy as np
import pytest

from derive.documents.captions import (_change, _value, edge_legend, _percent, _where, figure_captions,
                             no_regions_note)
from derive.documents.checks import numbered
from derive.documents.numbers import Formatter
from derive.documents.regions import class_grid, regions_data, regions_window
from derive.numerics.key import build_key
from derive.numerics.evaluate import solve
from derive.problem.spec import parse_params
from derive.variants.generate import generate_keys
from derive.variants.settings import parse_settings

SEED, COUNT = 20261128, 200
FMT = Formatter(4)


@pytest.fixture(scope="module")
def variants():
    keys = generate_keys(SEED, COUNT, parse_settings({}))
    sols = solve([parse_params(k["params"]) for k in keys])
    return [(k, s, figure_captions(k, s, FMT)) for k, s in zip(keys, sols)]


def _net(W1, b1, W2, b2, x):
    """z¹ and a² of the ReLU-softmax network, in plain NumPy."""
    z1 = np.asarray(W1, float).T @ np.asarray(x, float) + np.asarray(b1, float)
    z2 = np.asarray(W2, float).T @ np.maximum(z1, 0) + np.asarray(b2, float)
    e = np.exp(z2 - z2.max())
    return z1, e / e.sum()


def test_probability_changes_are_the_numbers(variants):
    for key, _, caps in variants:
        pl = parse_params(key["params"]).softmax_layer
        W, b, x = (np.asarray(v, float) for v in (pl.W, pl.b, pl.x))
        G = np.outer(x, _softmax(W.T @ x + b) - np.asarray(pl.y, float))
        a, a_new = _softmax(W.T @ x + b), _softmax((W - pl.lr * G).T @ x + b)
        said = dict(re.findall(r"class (\d+)'s (?:probability )?(rises|falls|stays)",
                               caps["probabilities"]["text"]))
        assert set(said) == {str(j + 1) for j in range(len(a))}, key["variant"]
        for j in range(len(a)):
            same = FMT.number(a[j]) == FMT.number(a_new[j])
            verb = "stays" if same else ("rises" if a_new[j] > a[j] else "falls")
            assert said[str(j + 1)] == verb, (key["variant"], j)
            if not same:
                assert f"from {_value(FMT, a[j])} to {_value(FMT, a_new[j])}" \
                    in caps["probabilities"]["text"]
        target = int(np.argmax(pl.y)) + 1
        assert f"the target class {target}'s probability" in caps["probabilities"]["text"]


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_active_units_are_the_positive_z1(variants):
    for key, _, caps in variants:
        pn = parse_params(key["params"]).network
        z1, _ = _net(pn.W1, pn.b1, pn.W2, pn.b2, pn.x)
        text = caps["network"]["solution"]
        active = re.search(r"units? ([\d, and]+?) (?:is|are) active", text)
        off = re.search(r"units? ([\d, and]+?) (?:is|are) off", text)
        numbers = lambda m: {int(n) for n in re.findall(r"\d+", m.group(1))} if m else set()  # noqa: E731
        assert numbers(active) == {j + 1 for j in np.flatnonzero(z1 > 0)}, key["variant"]
        assert numbers(off) == {j + 1 for j in np.flatnonzero(z1 <= 0)}, key["variant"]


def test_regions_captions_are_the_networks_predictions(variants):
    drawn = 0
    for key, sol, caps in variants:
        pn, ans = parse_params(key["params"]).network, key["answers"]
        before = int(np.argmax(_net(pn.W1, pn.b1, pn.W2, pn.b2, pn.x)[1])) + 1
        after = int(np.argmax(_net(ans["q13"]["W"], pn.b1, ans["q12"]["W"], pn.b2, pn.x)[1])) + 1
        if "regions" not in caps:
            # no figure: the note says what the network predicts instead, truly
            note = caps["no_regions"]["text"]
            assert regions_data(key) is None
            win_r = re.search(r"\[-(\S+), ", note).group(1)
            grids = [class_grid(pn, W1, W2, float(win_r), 64) for W1, W2 in
                     ((pn.W1, pn.W2), (ans["q13"]["W"], ans["q12"]["W"]))]
            assert all(len(np.unique(g)) == 1 for g in grids)
            assert f"class {before}" in note and f"class {after}" in note
            continue
        drawn += 1
        text = caps["regions"]["text"]
        assert "no_regions" not in caps
        if before == after:
            assert f"lies in class {before}'s region both before and after" in text
        else:
            assert f"Before the step the input lies in class {before}'s region; " \
                   f"after it, in class {after}'s region." in text, key["variant"]
        # the region's share, against the drawn (finer) grid, within 3 points
        target = int(np.argmax(pn.y))
        data = regions_data(key)
        shares = [np.mean(data[g] == target) * 100 for g in ("before", "after")]
        said = [float(p) for p in re.findall(r"about \$(\d+)\\,\\%\$", text)]
        for p, s in zip(said, shares):
            assert abs(p - s) <= 3, (key["variant"], said, shares)
        verb = re.search(r"region (grows|shrinks|covers)", text).group(1)
        if abs(shares[1] - shares[0]) > 3:
            assert verb == ("grows" if shares[1] > shares[0] else "shrinks"), key["variant"]
    assert drawn >= 0.9 * COUNT


def test_a_percent_sign_is_escaped(variants):
    for _, _, caps in variants:
        for cap in caps.values():
            assert not re.search(r"(?<!\\)%", cap["text"] + cap["solution"])


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


def test_no_note_where_the_figure_is():
    key = build_key()
    win = regions_window(key)
    assert win is not None and no_regions_note(key, win) is None


def test_a_network_without_2_inputs_has_no_regions_and_no_note():
    keys = generate_keys(SEED, 2, parse_settings({"network": {"inputs": 3}}))
    sols = solve([parse_params(k["params"]) for k in keys])
    for key, sol in zip(keys, sols):
        caps = figure_captions(key, sol, FMT)
        assert "regions" not in caps and "no_regions" not in caps
        assert "$x_{1}, x_{2}, x_{3}$" in caps["network"]["text"]
