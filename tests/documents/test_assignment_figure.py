"""The network drawing of any network within the limits: weights on the edges
while they can be read, colours only for a dense network; every node and
label inside the figure, no two labels on each other."""

import numpy as np
import pytest

from derive.documents import network_figure as nf
from derive.documents.kind_figures import network_data
from derive.documents.figures import draw
from derive.problem.assignment import load_assignment


@pytest.mark.parametrize("sizes, labelled", [
    ((2, 4, 2), True), ((3, 4, 2), True), ((2, 3, 3, 2), True), ((2, 1), True),
    ((4, 6, 3), True), ((5, 5, 2), False), ((10, 10, 10, 10, 10), False), ((10, 1), True)])
def test_weights_are_printed_while_they_can_be_read(sizes, labelled):
    assert nf.labelled(sizes) is labelled


def _layout(sizes, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.choice([-1, -0.5, 0, 0.5, 1], size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    bs = [rng.choice([-0.5, 0, 0.5], size=n) for n in sizes[1:]]
    return nf.network_layout(Ws, bs), Ws


@pytest.mark.parametrize("sizes", [(10, 10, 10, 10, 10), (3, 4, 2), (2, 3, 3, 2), (6, 8, 4)])
def test_every_node_and_label_lies_inside_and_apart(sizes):
    lay, Ws = _layout(sizes)
    assert len(lay.nodes) == sum(sizes)
    assert len(lay.edges) == sum(W.size for W in Ws)
    assert len(lay.labels) == (len(lay.edges) if nf.labelled(sizes) else 0)
    assert len(lay.biases) == (sum(sizes[1:]) if nf.labelled(sizes) else 0)
    for x0, y0, x1, y1 in lay.boxes():
        assert 0 <= x0 < x1 <= lay.width and 0 <= y0 < y1 <= lay.height
    # the biases and nodes never overlap one another
    boxes = [nf.label_box(x, y, t, 0.0) for x, y, t in lay.biases]
    boxes += [(x - nf.NODE_R, y - nf.NODE_R, x + nf.NODE_R, y + nf.NODE_R) for x, y in lay.nodes]
    assert not any(nf.overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # a 10-unit layer stays within a page of text (about 9.7 inches)
    assert lay.height < 6.5


def test_each_shipped_network_is_drawn():
    for name in ("tanh-mse", "sigmoid-softmax", "logistic"):
        part = next(p for p in load_assignment(name).parts if p.given is not None)
        data = network_data(part)
        assert [len(layer) for layer in data["labels"]] == list(part.network.sizes)
        pdf = draw("network", data)
        assert pdf.startswith(b"%PDF-") and pdf == draw("network", data)
