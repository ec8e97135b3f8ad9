"""Figures: vector PDFs, reproducible, one set per instance, readable labels,
matplotlib imported only to draw."""

import pickle
import subprocess
import sys
from itertools import combinations

import numpy as np
import pytest

from derive.figures import (FIGURES, NODE_R, _boxes_overlap, _text_box, draw, draw_figures,
                            figure_data, network_layout, sigmoid_pdf, write_figures)
from derive.key import build_key
from derive.spec import REFERENCE


def test_figures_are_reproducible_vector_pdfs(tmp_path):
    key = build_key()
    first, second = draw_figures(key), draw_figures(key)
    assert set(first) == set(FIGURES)
    for name, data in first.items():
        assert data.startswith(b"%PDF") and data == second[name], name
        assert b"CreationDate" not in data
    paths = write_figures(key, tmp_path, prefix="v1-")
    assert paths["network"] == "figures/v1-network.pdf"
    assert (tmp_path / paths["regions"]).read_bytes() == first["regions"]


def test_sigmoid_figure_is_shared():
    assert sigmoid_pdf() is sigmoid_pdf()


def test_figure_data_is_plain_and_picklable():
    # drawing runs in another process: its input must cross a process boundary
    data = figure_data(build_key())
    assert set(data) == set(FIGURES)
    again = pickle.loads(pickle.dumps(data))
    assert draw("softmax_layer", again["softmax_layer"]) == draw("softmax_layer", data["softmax_layer"])


def test_regions_are_the_networks_predictions():
    data = figure_data(build_key())["regions"]
    # the training point is class 1; the update moves it there (q14: a² ≈ [0.12, 0.88])
    r, grid = data["r"], data["after"]
    ij = np.rint((np.asarray(REFERENCE.network.x) + r) / (2 * r) * (grid.shape[0] - 1)).astype(int)
    assert grid[ij[1], ij[0]] == 1 and data["classes"] == 2


@pytest.mark.parametrize("sizes", [(2, 4, 2), (2, 3), (3, 5, 3), (2, 6, 3), (4, 6, 4)])
def test_network_labels_touch_no_other_label_and_no_node(sizes):
    rng = np.random.default_rng(sum(sizes))
    weights = [rng.integers(-3, 4, (m, n)).astype(float) for m, n in zip(sizes, sizes[1:])]
    biases = [rng.integers(-2, 3, n).astype(float) for n in sizes[1:]]
    lay = network_layout(weights, biases)
    labels = [_text_box(x, y, t) for x, y, t in lay.labels + lay.biases]
    nodes = [(x - NODE_R, y - NODE_R, x + NODE_R, y + NODE_R) for x, y in lay.nodes]
    assert len(lay.labels) == sum(W.size for W in weights)
    assert not any(_boxes_overlap(a, b) for a, b in combinations(labels, 2))
    assert not any(_boxes_overlap(a, b) for a in labels for b in nodes)
    # every label sits on its own edge, nearer the source than the target
    for (x0, y0, x1, y1, _), (x, y, _) in zip(lay.edges, lay.labels):
        t = (x - x0) / (x1 - x0)
        assert 0 < t < 0.7 and np.isclose(y, y0 + t * (y1 - y0))


def test_matplotlib_is_imported_only_to_draw():
    code = ("import sys, derive.build, derive.figures; "
            "assert 'matplotlib' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
