"""The drawing of a feed-forward network with every weight on its edge.

:func:`network_layout` places everything in inches, measuring each label in
the figures' font (:func:`derive.documents.plotting.text_size`), so that no label
touches another label or a node and every label lies inside the figure;
:func:`network_figure` draws that layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derive.documents import plotting
from derive.documents.plotting import BLUE, GREY, LABEL_PT, MAX_WIDTH, RED, SMALL_PT
from derive.problem.spec import decimal_text

NODE_R = 0.17           # node radius, inches
PAD = 1.5 / 72          # the padding of a weight label's box, inches
GAP = 0.05              # inches kept free between two labels, so they never read as one
MARGIN = 0.06           # inches around the drawing
UNIT_GAP = 0.62         # inches between the units of a layer
DENSE_GAP = 0.56        # and in a network whose weights are too many to print on its edges
# weights are printed on the edges while no two adjacent layers have more edges
# than this between them (a 2-4-2 or 3-4-2 network; not a 10-10 layer pair)
MAX_LABELLED_EDGES = 24
MAX_UNIT_GAP = 1.0      # and at most, where many labels need room
# label positions tried along an edge, as fractions from the source end
EDGE_T = tuple(np.round(np.r_[np.arange(0.22, 0.62, 0.04), np.arange(0.2, 0.64, 0.04)], 2))


def number(w: float) -> str:
    """A given weight as printed on the sheets (exactly), with a true minus."""
    return decimal_text(w).replace("-", "\u2212")


def overlap(a, b, gap: float = 0.0) -> bool:
    """Whether boxes (x0, y0, x1, y1) come closer than ``gap``."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def label_box(x: float, y: float, text: str, pad: float = PAD) -> tuple:
    """The box (inches) of ``text`` centred at (x, y) with ``pad`` around it."""
    return _box(x, y, *plotting.text_size(text), pad)


def _box(x, y, w, h, pad: float) -> tuple:
    """(x0, y0, x1, y1) of a w × h box centred at (x, y), ``pad`` around it
    (numbers, or arrays of them)."""
    return (x - w / 2 - pad, y - h / 2 - pad, x + w / 2 + pad, y + h / 2 + pad)


@dataclass(frozen=True)
class NetworkLayout:
    """Where everything of a network drawing goes, in inches from the bottom
    left: nodes (x, y), edges (x0, y0, x1, y1, weight), the weight labels
    (x, y, text) and the bias labels (x, y, text)."""

    width: float
    height: float
    nodes: list
    edges: list
    labels: list
    biases: list

    def boxes(self) -> list[tuple]:
        """Every label's box and every node's, as the layout reserves them."""
        return ([label_box(x, y, t) for x, y, t in self.labels]
                + [label_box(x, y, t, 0.0) for x, y, t in self.biases]
                + [(x - NODE_R, y - NODE_R, x + NODE_R, y + NODE_R) for x, y in self.nodes])


def crosses(segment, box) -> bool:
    """Whether the segment (x0, y0, x1, y1) passes through the box (Liang–Barsky)."""
    return bool(crossings(np.array([segment], float), np.array([box], float))[0, 0])


def crossings(segments: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Whether each of ``segments`` (rows: x0, y0, x1, y1) passes through
    each of ``boxes`` (rows: x0, y0, x1, y1), as a boxes × segments array:
    :func:`crosses` for all pairs at once, with the same arithmetic (so the
    same verdicts)."""
    x0, y0, x1, y1 = (segments[None, :, k] for k in range(4))
    dx, dy = x1 - x0, y1 - y0
    shape = (len(boxes), len(segments))
    lo, hi, outside = np.zeros(shape), np.ones(shape), np.zeros(shape, bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - boxes[:, :1]), (dx, boxes[:, 2:3] - x0),
                     (-dy, y0 - boxes[:, 1:2]), (dy, boxes[:, 3:4] - y0)):
            p = np.broadcast_to(p, shape)
            t = q / p
            outside |= (p == 0) & (q < 0)
            lo = np.where(p < 0, np.maximum(lo, t), lo)
            hi = np.where(p > 0, np.minimum(hi, t), hi)
    return ~outside & (lo <= hi)


def overlaps(boxes: np.ndarray, others: np.ndarray, gap: float) -> np.ndarray:
    """For each of ``boxes``, how many of ``others`` it comes closer to than
    ``gap`` (:func:`overlap` for all pairs at once)."""
    if not len(others):
        return np.zeros(len(boxes), int)
    a, b = boxes[:, None, :], others[None, :, :]
    near = ((a[..., 0] < b[..., 2] + gap) & (b[..., 0] < a[..., 2] + gap)
            & (a[..., 1] < b[..., 3] + gap) & (b[..., 1] < a[..., 3] + gap))
    return np.count_nonzero(near, axis=1)


def _place_labels(edges, blocked) -> tuple[list, int]:
    """A position for each edge's label: the first place along the edge
    (:data:`EDGE_T`) where it keeps :data:`GAP` from every label placed before
    and every node, and, if there is one such place, where no other edge
    runs through it (a label on a crossing would seem to name either edge);
    the least crowded place where there is none. Also returns how many labels
    found no free place. Every place along an edge is scored at once."""
    placed, out, crowded = list(blocked), [], 0
    segments = np.array([e[:4] for e in edges], float).reshape(-1, 4)
    ts = np.asarray(EDGE_T, float)
    size = np.array([plotting.text_size(e[4]) for e in edges], float).reshape(-1, 2)
    # every place of every edge's label (edges × places), and the edges through each
    x = segments[:, :1] + ts * (segments[:, 2:3] - segments[:, :1])
    y = segments[:, 1:2] + ts * (segments[:, 3:4] - segments[:, 1:2])
    w, h = size[:, :1], size[:, 1:]
    boxes = np.stack(_box(x, y, w, h, PAD), 2)
    through = crossings(segments, boxes.reshape(-1, 4)).reshape(len(edges), len(ts), len(edges))
    through[np.arange(len(edges)), :, np.arange(len(edges))] = False   # not its own edge
    through = through.sum(axis=2)
    for i in range(len(edges)):
        near = overlaps(boxes[i], np.array(placed, float).reshape(-1, 4), GAP)
        # the first place with the least (near, through), as a pair (lexicographic)
        best = int(np.lexsort((through[i], near))[0])
        crowded += near[best] > 0
        placed.append(tuple(float(v) for v in boxes[i, best]))
        out.append((float(x[i, best]), float(y[i, best])))
    return out, crowded


def labelled(sizes) -> bool:
    """Whether a network of these sizes (inputs first) gets its weights printed
    on its edges: 100 numbers between two layers of 10 would be unreadable."""
    return all(m * n <= MAX_LABELLED_EDGES for m, n in zip(sizes[:-1], sizes[1:]))


def _attempt(weights, biases, step: float, gap: float):
    sizes = [weights[0].shape[0]] + [len(b) for b in biases]
    xs = [l * step for l in range(len(sizes))]
    ys = [gap * (np.arange(s)[::-1] - (s - 1) / 2) for s in sizes]
    nodes = [(xs[l], float(y)) for l in range(len(sizes)) for y in ys[l]]
    bias_at = []
    dense = not labelled(sizes)  # its numbers are given beside it, not on it
    for l, bs in enumerate(biases if not dense else []):
        for y, b in zip(ys[l + 1], bs):
            text = f"$w_0 = {decimal_text(b)}$"
            h = plotting.text_size(text)[1]
            bias_at.append((xs[l + 1], float(y) + NODE_R + 0.03 + h / 2, text))
    blocked = [(x - NODE_R, y - NODE_R, x + NODE_R, y + NODE_R) for x, y in nodes]
    blocked += [label_box(x, y, t, 0.0) for x, y, t in bias_at]
    edges = [(xs[l], float(ys[l][i]), xs[l + 1], float(ys[l + 1][j]), float(W[i, j]))
             for l, W in enumerate(weights) for i in range(W.shape[0]) for j in range(W.shape[1])]
    if not labelled(sizes):
        return nodes, edges, [], bias_at, 0
    texts = [number(e[4]) for e in edges]
    at, crowded = _place_labels([(*e[:4], t) for e, t in zip(edges, texts)], blocked)
    return nodes, edges, [(x, y, t) for (x, y), t in zip(at, texts)], bias_at, crowded


def network_layout(weights, biases, width: float = 3.4) -> NetworkLayout:
    """The layout of a feed-forward network: layers left to right, each
    weight's label near the source end of its edge where it keeps clear of
    every other label and node, each bias above its unit. Layers start
    ``width``/(layers) apart and move apart (up to the page's text width),
    then units move apart (up to :data:`MAX_UNIT_GAP`), until every label
    finds a free place. A network too dense for that (:func:`labelled`) gets
    no weight labels, its units closer together."""
    weights = [np.asarray(W, float) for W in weights]
    layers = len(weights)
    step, widest = max(width - 1.0, 1.0) / layers, (MAX_WIDTH - 1.0) / layers
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    gap = UNIT_GAP if labelled(sizes) else DENSE_GAP
    if not labelled(sizes):  # lines only: as wide as the page allows, to tell them apart
        step = widest
    while True:
        nodes, edges, labels, bias_at, crowded = _attempt(weights, biases, step, gap)
        if not crowded or gap >= MAX_UNIT_GAP:
            break
        if step < widest:
            step = min(step * 1.15, widest)
        else:
            gap = min(gap * 1.15, MAX_UNIT_GAP)
    lay = NetworkLayout(0, 0, nodes, edges, labels, bias_at)
    boxes = lay.boxes()
    x0, y0 = min(b[0] for b in boxes) - MARGIN, min(b[1] for b in boxes) - MARGIN
    x1, y1 = max(b[2] for b in boxes) + MARGIN, max(b[3] for b in boxes) + MARGIN
    move = lambda items: [(x - x0, y - y0, *rest) for x, y, *rest in items]  # noqa: E731
    return NetworkLayout(x1 - x0, y1 - y0, move(nodes),
                         [(a - x0, b - y0, c - x0, d - y0, w) for a, b, c, d, w in edges],
                         move(labels), move(bias_at))


def _bare_axes(fig) -> None:
    fig.add_axes((0, 0, 1, 1)).set_axis_off()


def network_figure(weights, biases, labels, width: float = 3.4):
    """A feed-forward network as a Figure: every weight in a box on its edge
    (blue positive, red negative, dotted grey zero; the larger its magnitude,
    the thicker), each bias above its unit; ``labels`` name the units of each
    layer, the input first."""
    lay = network_layout(weights, biases, width)
    fig = plotting.reused_figure("network", lay.width, lay.height, None, _bare_axes)
    # one data unit is one inch, so the layout's inches are the axes' coordinates
    ax = fig.axes[0]
    ax.set(xlim=(0, lay.width), ylim=(0, lay.height))
    largest = max(abs(e[4]) for e in lay.edges) or 1.0
    for x0, y0, x1, y1, w in lay.edges:
        # the larger |w|, the thicker (strictly: the caption says so)
        ax.plot([x0, x1], [y0, y1], lw=0.4 + 1.4 * abs(w) / largest, zorder=1,
                color=GREY if w == 0 else (BLUE if w > 0 else RED), ls=":" if w == 0 else "-")
    for x, y, text in lay.labels:
        ax.text(x, y, text, ha="center", va="center", zorder=3,
                bbox={"boxstyle": f"round,pad={PAD * 72 / LABEL_PT}", "fc": "white",
                      "ec": "#d0d0d0", "lw": 0.3})
    ax.scatter([x for x, _ in lay.nodes], [y for _, y in lay.nodes],
               s=(2 * NODE_R * 72) ** 2, color="white", edgecolor="black", lw=0.8, zorder=4)
    for (x, y), label in zip(lay.nodes, [u for layer in labels for u in layer]):
        ax.text(x, y, label, ha="center", va="center", fontsize=SMALL_PT, zorder=5)
    for x, y, text in lay.biases:  # on white: an edge running behind one does not strike it out
        ax.text(x, y, text, ha="center", va="center", color="#444444", zorder=3,
                bbox={"boxstyle": "square,pad=0", "fc": "white", "ec": "none"})
    return fig
