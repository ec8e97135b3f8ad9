"""Figures for one instance, drawn with matplotlib as reproducible vector PDFs.

Two stages, so that drawing can run anywhere (another thread or process):
:func:`figure_data` computes every number a figure shows (from the key and
:func:`derive.numeric.solve`), and :func:`draw` turns one figure's data into
PDF bytes. Matplotlib is imported only when a figure is drawn.

No pyplot: each figure is a :class:`matplotlib.figure.Figure` with fixed
margins (no layout engine) saved with the PDF backend, so nothing leaks
between figures or threads. PDF metadata carry no date, so the same numbers
give the same bytes. The σ/σ′ plot does not depend on the instance and is
drawn once per process.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from derive.spec import decimal_text

METADATA = {"CreationDate": None, "Creator": None, "Producer": None}
STYLE = {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7,
         "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False,
         "axes.spines.right": False, "pdf.compression": 6, "font.family": "DejaVu Sans",
         "path.simplify": True, "axes.linewidth": 0.6}
BLUE, ORANGE, GREY, RED = "#1f5fa8", "#d9822b", "#8a8a8a", "#b22222"
# one light colour per class, up to spec.MAX_SIZE classes
CLASS_COLOURS = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9",
                 "#f7b6d2", "#dbdb8d", "#9edae5", "#c49c94"]
GRID = 240  # points per axis of the decision-region plots

# The figure files of one instance, by name (the templates refer to these names)
FIGURES = ("sigmoid", "probabilities", "softmax_layer", "network", "regions")


def figure_path(name: str, prefix: str = "") -> str:
    """Where figure ``name`` is written, relative to the .tex that shows it."""
    return f"figures/{prefix}{name.replace('_', '-')}.pdf"


# --------------------------------------------------------------------------
# Matplotlib, imported on first use


def _figure(width: float, height: float, rect=None):
    """A plain Figure (no pyplot, no layout engine); with ``rect`` (left,
    bottom, right, top as fractions) the subplot margins are fixed."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    if rect:
        left, bottom, right, top = rect
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    return fig


def _style():
    from matplotlib import rc_context
    return rc_context(STYLE)


def _pdf_bytes(fig) -> bytes:
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    buf = io.BytesIO()
    FigureCanvasPdf(fig)
    fig.savefig(buf, format="pdf", metadata=METADATA)
    return buf.getvalue()


def _number(w: float) -> str:
    # weights are given data: printed exactly, as on the sheets
    return decimal_text(w).replace("-", "\u2212")


# --------------------------------------------------------------------------
# Drawing: plain data in, PDF bytes out


@lru_cache(maxsize=1)
def sigmoid_pdf() -> bytes:
    """σ(z) and σ′(z) = σ(z)(1 − σ(z)) on [−6, 6] (the same for every instance)."""
    from derive.numeric import evaluate_sigmoid
    z = np.linspace(-6, 6, 241)
    s, ds = evaluate_sigmoid(z)
    with _style():
        fig = _figure(3.2, 1.9, (0.11, 0.2, 0.98, 0.97))
        ax = fig.add_subplot()
        ax.plot(z, s, color=BLUE, lw=1.3, label=r"$\sigma(z)$")
        ax.plot(z, ds, color=ORANGE, lw=1.3, ls="--", label=r"$\sigma'(z)$")
        ax.axhline(0.5, color=GREY, lw=0.5, ls=":")
        ax.axvline(0, color=GREY, lw=0.5, ls=":")
        ax.set_xlabel("$z$")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(frameon=False, loc="center right")
        return _pdf_bytes(fig)


def probabilities_pdf(a, a_new, target: int, query: int) -> bytes:
    """Class probabilities of the softmax layer before and after the step."""
    with _style():
        fig = _figure(3.2, 1.9, (0.14, 0.13, 0.98, 0.97))
        ax = fig.add_subplot()
        k = np.arange(len(a))
        ax.bar(k - 0.18, a, 0.36, color=BLUE, label="before the step")
        ax.bar(k + 0.18, a_new, 0.36, color=ORANGE, label="after the step")
        for i, (p, q) in enumerate(zip(a, a_new)):
            ax.text(i - 0.18, p + 0.02, f"{p:.2f}", ha="center", fontsize=6)
            ax.text(i + 0.18, q + 0.02, f"{q:.2f}", ha="center", fontsize=6)
        ax.set_xticks(k, [f"class {i}" + (" (target)" if i == target else "")
                          + (" (asked)" if i == query and i != target else "")
                          for i in k])
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("probability")
        ax.legend(frameon=False, loc="upper left", ncols=2)
        return _pdf_bytes(fig)


LABEL_PT = 6.5          # font size of the weight labels
NODE_R = 0.13           # node radius, in inches
MAX_WIDTH = 6.2         # inches: the text width of an A4 page with 2.3 cm margins
# label positions tried along an edge, as fractions from the source end
EDGE_T = (0.24, 0.36, 0.48, 0.3, 0.42, 0.18, 0.54, 0.6, 0.66, 0.21, 0.27, 0.33, 0.39, 0.45, 0.51, 0.57)


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _text_box(x: float, y: float, text: str, pad: float = 0.025) -> tuple:
    """The box (inches) a label of ``text`` centred at (x, y) covers."""
    w = 0.62 * LABEL_PT / 72 * len(text) + 2 * pad
    h = 1.15 * LABEL_PT / 72 + 2 * pad
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _place_labels(edges, blocked) -> list[tuple[float, float]]:
    """A position for each edge's label: near the source end, at the first
    place along the edge (``EDGE_T``) where it covers no label placed before
    and no node; the least crowded place when there is none."""
    placed = list(blocked)
    out = []
    for (x0, y0, x1, y1, text) in edges:
        best = None
        for t in EDGE_T:
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            box = _text_box(x, y, text)
            hits = sum(_boxes_overlap(box, b) for b in placed)
            if best is None or hits < best[0]:
                best = (hits, x, y, box)
            if hits == 0:
                break
        placed.append(best[3])
        out.append(best[1:3])
    return out


@dataclass(frozen=True)
class NetworkLayout:
    """Where everything of a network drawing goes, in inches from the
    bottom left: nodes, edges (x0, y0, x1, y1, weight), the weight labels
    (x, y, text) and the bias labels (x, y, text)."""

    width: float
    height: float
    nodes: list
    edges: list
    labels: list
    biases: list


def network_layout(weights, biases, width: float = 3.4) -> NetworkLayout:
    """The layout of a feed-forward network: layers left to right, each
    weight's label near the source end of its edge where it touches no other
    label and no node, each bias above its unit (edges leave a unit sideways)."""
    weights = [np.asarray(W, float) for W in weights]
    sizes = [weights[0].shape[0]] + [len(b) for b in biases]
    gap = 0.55                               # inches between units of a layer
    height = gap * max(sizes) + 0.3
    # inches between layers: the given width, wider where many edges need room for labels
    # (at most the text width of the page)
    steps = [max((width - 1.0) / (len(sizes) - 1), 0.08 * m * n) for m, n in zip(sizes, sizes[1:])]
    steps = [st * min(1.0, (MAX_WIDTH - 1.0) / sum(steps)) for st in steps]
    xs = [0.45 + float(sum(steps[:l])) for l in range(len(sizes))]
    width = xs[-1] + 0.55
    ys = [height / 2 + gap * (np.arange(s)[::-1] - (s - 1) / 2) - 0.05 for s in sizes]
    nodes = [(xs[l], float(y)) for l in range(len(sizes)) for y in ys[l]]
    bias_at = [(xs[l + 1], float(y) + NODE_R + 0.085, f"w\u2080 = {_number(b)}")
               for l, bs in enumerate(biases) for y, b in zip(ys[l + 1], bs)]
    blocked = [(x - NODE_R, y - NODE_R, x + NODE_R, y + NODE_R) for x, y in nodes]
    blocked += [_text_box(x, y, text) for x, y, text in bias_at]
    edges = [(xs[l], float(ys[l][i]), xs[l + 1], float(ys[l + 1][j]), float(W[i, j]))
             for l, W in enumerate(weights) for i in range(W.shape[0]) for j in range(W.shape[1])]
    texts = [_number(e[4]) for e in edges]
    at = _place_labels([(*e[:4], t) for e, t in zip(edges, texts)], blocked)
    return NetworkLayout(width, height, nodes, edges,
                         [(x, y, t) for (x, y), t in zip(at, texts)], bias_at)


def network_pdf(weights, biases, labels, width: float = 3.4) -> bytes:
    """A feed-forward network with every weight on its edge (a boxed label
    near the source end, placed so that no two labels touch) and each bias
    above its unit; ``labels`` name the units of each layer, the input first."""
    lay = network_layout(weights, biases, width)
    with _style():
        fig = _figure(lay.width, lay.height)
        # one data unit is one inch, so label boxes can be placed in inches
        ax = fig.add_axes((0, 0, 1, 1), xlim=(0, lay.width), ylim=(0, lay.height))
        ax.set_axis_off()
        for x0, y0, x1, y1, w in lay.edges:
            ax.plot([x0, x1], [y0, y1], lw=0.4 + 0.5 * min(abs(w), 3), zorder=1,
                    color=GREY if w == 0 else (BLUE if w > 0 else RED), ls=":" if w == 0 else "-")
        for x, y, text in lay.labels:
            ax.text(x, y, text, fontsize=LABEL_PT, ha="center", va="center", zorder=3,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#d0d0d0",
                          "lw": 0.3})
        ax.scatter([x for x, _ in lay.nodes], [y for _, y in lay.nodes],
                   s=(2 * NODE_R * 72) ** 2, color="white", edgecolor="black", lw=0.8, zorder=4)
        for (x, y), label in zip(lay.nodes, [u for layer in labels for u in layer]):
            ax.text(x, y, label, ha="center", va="center", fontsize=7, zorder=5)
        for x, y, text in lay.biases:
            ax.text(x, y, text, fontsize=LABEL_PT, ha="center", va="center", color="#555555",
                    zorder=3, bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none"})
        return _pdf_bytes(fig)


def regions_pdf(before, after, r: float, point, target: int, classes: int) -> bytes:
    """The predicted class over the input plane [−r, r]² before and after the
    update (``before``/``after``: class indices on a square grid), with the
    training point marked."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    n2 = classes
    cmap = ListedColormap(CLASS_COLOURS[:n2])
    with _style():
        fig = _figure(5.6, 2.6, (0.08, 0.15, 0.78, 0.92))
        axes = fig.subplots(1, 2, sharey=True)
        for ax, cls, title in ((axes[0], before, "before the update"),
                               (axes[1], after, "after the update")):
            ax.imshow(cls, origin="lower", extent=(-r, r, -r, r), cmap=cmap,
                      vmin=-0.5, vmax=n2 - 0.5, interpolation="none", aspect="equal")
            ax.scatter([point[0]], [point[1]], marker="*", s=70, color="black", zorder=3)
            ax.set_title(title)
            ax.set_xlabel("$x_1$")
        axes[0].set_ylabel("$x_2$")
        handles = [Patch(color=CLASS_COLOURS[k], label=f"class {k}") for k in range(n2)]
        handles.append(Line2D([], [], marker="*", ls="", color="black", markersize=8,
                              label=f"training point\n(class {target})"))
        axes[1].legend(handles=handles, frameon=False, loc="upper left",
                       bbox_to_anchor=(1.0, 1.0))
        return _pdf_bytes(fig)


def _sigmoid(**_: Any) -> bytes:
    return sigmoid_pdf()


DRAW = {"sigmoid": _sigmoid, "probabilities": probabilities_pdf,
        "softmax_layer": network_pdf, "network": network_pdf, "regions": regions_pdf}


def draw(name: str, data: dict[str, Any]) -> bytes:
    """Figure ``name`` as PDF bytes from its :func:`figure_data` entry (plain,
    picklable data: this runs in a worker process as well)."""
    return DRAW[name](**data)


def warm_up() -> None:
    """Import matplotlib, load its fonts and mathtext, and draw the figure that
    is the same for every instance: for a worker process started before the
    numbers are known."""
    sigmoid_pdf()


# --------------------------------------------------------------------------
# The numbers each figure shows


def _class_grid(net, W1, W2, pts, shape) -> np.ndarray:
    from derive.numeric import forward_network
    _, (_, a2) = forward_network(net.network, pts,
                                 [np.asarray(W1, float)[..., None], np.asarray(W2, float)[..., None]],
                                 [np.asarray(net.b1, float)[:, None], np.asarray(net.b2, float)[:, None]])
    return np.argmax(a2, axis=0).reshape(shape)


def figure_names(key: dict) -> tuple[str, ...]:
    """The figures one instance has: all of :data:`FIGURES`, but the decision
    regions (a picture of the input plane) only for a network with 2 inputs."""
    two_d = len(key["params"]["network"]["x"]) == 2
    return tuple(name for name in FIGURES if name != "regions" or two_d)


def figure_data(key: dict, solution=None) -> dict[str, dict[str, Any]]:
    """The data of every figure of one instance, by name: numbers from the key
    and from ``solution`` (:func:`derive.numeric.solve` of the key's params)."""
    # numeric (and so SymPy) imported here, not at the top: only what draws σ needs it too
    from derive.numeric import solve
    from derive.spec import parse_params
    p = parse_params(key["params"])
    sol = solution or solve([p])[0]
    pl, pn, ans = p.softmax_layer, p.network, key["answers"]
    m, n = len(pl.x), len(pl.b)
    m1, n1, n2 = len(pn.x), len(pn.b1), len(pn.b2)
    inputs = lambda k: [f"$x_{i + 1}$" for i in range(k)]  # noqa: E731
    x = np.asarray(pn.x, float)
    r = 1.5 * max(np.abs(x).max(), 1.0)
    u = np.linspace(-r, r, GRID)
    X1, X2 = np.meshgrid(u, u)
    pts = np.stack([X1.ravel(), X2.ravel()])
    figures = {
        "sigmoid": {},
        "probabilities": {"a": sol.layer.a, "a_new": sol.layer.a_new,
                          "target": int(np.argmax(pl.y)), "query": pl.query_class},
        "softmax_layer": {"weights": [pl.W], "biases": [pl.b], "width": 3.0,
                          "labels": [inputs(m), [f"$a_{j}$" for j in range(n)]]},
        "network": {"weights": [pn.W1, pn.W2], "biases": [pn.b1, pn.b2],
                    "labels": [inputs(m1), [f"$a^1_{i + 1}$" for i in range(n1)],
                               [f"$a^2_{j + 1}$" for j in range(n2)]]},
    }
    if "regions" in figure_names(key):
        figures["regions"] = {
            "before": _class_grid(pn, pn.W1, pn.W2, pts, X1.shape),
            "after": _class_grid(pn, ans["q13"]["W"], ans["q12"]["W"], pts, X1.shape),
            "r": r, "point": x, "target": int(np.argmax(pn.y)), "classes": n2}
    return figures


def draw_figures(key: dict, solution=None) -> dict[str, bytes]:
    """Every figure of one instance as PDF bytes, by name."""
    return {name: draw(name, data) for name, data in figure_data(key, solution).items()}


def write_figures(key: dict, folder: str | Path, prefix: str = "",
                  solution=None) -> dict[str, str]:
    """Draw the figures of one instance into ``folder/figures/``; returns the
    paths relative to ``folder`` (as the .tex refers to them), by name."""
    folder = Path(folder)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in draw_figures(key, solution).items():
        out[name] = figure_path(name, prefix)
        (folder / out[name]).write_bytes(data)
    return out
