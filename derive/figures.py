"""Figures for one instance, drawn with matplotlib as reproducible vector PDFs.

No pyplot: each figure is a :class:`matplotlib.figure.Figure` saved with the
PDF backend, so nothing leaks between figures or threads. PDF metadata carry
no date, so the same numbers give the same bytes. The σ/σ′ plot does not
depend on the instance and is drawn once per process.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from derive.numeric import forward_network, solve
from derive.spec import Params, parse_params

METADATA = {"CreationDate": None, "Creator": None, "Producer": None}
STYLE = {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7,
         "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False,
         "axes.spines.right": False, "pdf.compression": 6, "font.family": "DejaVu Sans",
         "path.simplify": True, "axes.linewidth": 0.6}
BLUE, ORANGE, GREY, RED = "#1f5fa8", "#d9822b", "#8a8a8a", "#b22222"
CLASS_COLOURS = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]
GRID = 240  # points per axis of the decision-region plots

# The figure files of one instance, by name (the templates refer to these names)
FIGURES = ("sigmoid", "probabilities", "softmax_layer", "network", "regions")


def _pdf_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasPdf(fig)
    fig.savefig(buf, format="pdf", metadata=METADATA)
    return buf.getvalue()


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


@lru_cache(maxsize=1)
def sigmoid_pdf() -> bytes:
    """σ(z) and σ′(z) = σ(z)(1 − σ(z)) on [−6, 6] (the same for every instance)."""
    with rc_context(STYLE):
        fig = _figure(3.2, 1.9)
        ax = fig.add_subplot()
        z = np.linspace(-6, 6, 241)
        s = 1 / (1 + np.exp(-z))
        ax.plot(z, s, color=BLUE, lw=1.3, label=r"$\sigma(z)$")
        ax.plot(z, s * (1 - s), color=ORANGE, lw=1.3, ls="--", label=r"$\sigma'(z)$")
        ax.axhline(0.5, color=GREY, lw=0.5, ls=":")
        ax.axvline(0, color=GREY, lw=0.5, ls=":")
        ax.set_xlabel("$z$")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(frameon=False, loc="center right")
        return _pdf_bytes(fig)


def probabilities_pdf(a, a_new, target: int, query: int) -> bytes:
    """Class probabilities of the softmax layer before and after the step."""
    with rc_context(STYLE):
        fig = _figure(3.2, 1.9)
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


def _weight_label(w: float) -> str:
    return f"{w:g}" if float(w).is_integer() else f"{w:.2f}"


def network_pdf(weights, biases, labels, width: float = 3.4) -> bytes:
    """A feed-forward network with every weight on its edge; ``labels`` name
    the units of each layer, the input first."""
    sizes = [len(weights[0])] + [len(b) for b in biases]
    with rc_context(STYLE):
        fig = Figure(figsize=(width, 0.42 * max(sizes) + 0.3))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ys = [np.linspace(-(s - 1) / 2, (s - 1) / 2, s)[::-1] for s in sizes]
        xs = np.arange(len(sizes)) * 2.4
        for l, W in enumerate(weights):
            W = np.asarray(W, float)
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    w = W[i, j]
                    x0, y0, x1, y1 = xs[l], ys[l][i], xs[l + 1], ys[l + 1][j]
                    ax.plot([x0, x1], [y0, y1], lw=0.4 + 0.5 * min(abs(w), 3),
                            color=GREY if w == 0 else (BLUE if w > 0 else RED),
                            ls=":" if w == 0 else "-", zorder=1)
                    t = 0.3  # near the source unit, where the edges of one unit fan out
                    ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), _weight_label(w),
                            fontsize=6.5, ha="center", va="center", zorder=3,
                            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none"})
        for l, (x, y) in enumerate(zip(xs, ys)):
            for i, yi in enumerate(y):
                ax.scatter([x], [yi], s=260, color="white", edgecolor="black", lw=0.8, zorder=2)
                ax.text(x, yi, labels[l][i], ha="center", va="center", fontsize=7, zorder=4)
            if l > 0:
                for i, yi in enumerate(y):
                    ax.text(x + 0.42, yi, f"$w_0={_weight_label(biases[l - 1][i])}$",
                            fontsize=6.5, ha="left", va="center", color=GREY)
        ax.set_xlim(xs[0] - 0.5, xs[-1] + 1.3)
        ax.set_ylim(-max(sizes) / 2, max(sizes) / 2)
        return _pdf_bytes(fig)


def regions_pdf(p: Params, W1_new, W2_new) -> bytes:
    """The predicted class over the input plane before and after the update,
    with the training point marked."""
    net = p.network
    x = np.asarray(net.x, float)
    r = 1.5 * max(np.abs(x).max(), 1.0)
    u = np.linspace(-r, r, GRID)
    X1, X2 = np.meshgrid(u, u)
    pts = np.stack([X1.ravel(), X2.ravel()])
    n2 = len(net.b2)
    cmap = ListedColormap(CLASS_COLOURS[:n2])
    with rc_context(STYLE):
        fig = _figure(5.6, 2.6)
        axes = fig.subplots(1, 2, sharey=True)
        for ax, W1, W2, title in ((axes[0], net.W1, net.W2, "before the update"),
                                  (axes[1], W1_new, W2_new, "after the update")):
            _, (_, a2) = forward_network(net.network, pts,
                                         [np.asarray(W1, float)[..., None],
                                          np.asarray(W2, float)[..., None]],
                                         [np.asarray(net.b1, float)[:, None],
                                          np.asarray(net.b2, float)[:, None]])
            cls = np.argmax(a2, axis=0).reshape(X1.shape)
            ax.imshow(cls, origin="lower", extent=(-r, r, -r, r), cmap=cmap,
                      vmin=-0.5, vmax=n2 - 0.5, interpolation="nearest", aspect="equal",
                      rasterized=False)
            ax.scatter([x[0]], [x[1]], marker="*", s=70, color="black", zorder=3)
            ax.set_title(title)
            ax.set_xlabel("$x_1$")
        axes[0].set_ylabel("$x_2$")
        handles = [Patch(color=CLASS_COLOURS[k], label=f"class {k}") for k in range(n2)]
        handles.append(Line2D([], [], marker="*", ls="", color="black", markersize=8,
                              label=f"training point\n(class {int(np.argmax(net.y))})"))
        axes[1].legend(handles=handles, frameon=False, loc="upper left",
                       bbox_to_anchor=(1.0, 1.0))
        return _pdf_bytes(fig)


def draw_figures(key: dict) -> dict[str, bytes]:
    """Every figure of one instance as PDF bytes, by name."""
    p = parse_params(key["params"])
    [sol] = solve([p])
    pl, pn, ans = p.softmax_layer, p.network, key["answers"]
    m, n = len(pl.x), len(pl.b)
    m1, n1, n2 = len(pn.x), len(pn.b1), len(pn.b2)
    inputs = lambda k: [f"$x_{i + 1}$" for i in range(k)]  # noqa: E731
    return {
        "sigmoid": sigmoid_pdf(),
        "probabilities": probabilities_pdf(sol.layer.a, sol.layer.a_new,
                                           int(np.argmax(pl.y)), pl.query_class),
        "softmax_layer": network_pdf([pl.W], [pl.b], [inputs(m), [f"$a_{j}$" for j in range(n)]],
                                     width=3.0),
        "network": network_pdf([pn.W1, pn.W2], [pn.b1, pn.b2],
                               [inputs(m1), [f"$a^1_{i + 1}$" for i in range(n1)],
                                [f"$a^2_{j + 1}$" for j in range(n2)]]),
        "regions": regions_pdf(p, ans["q13"]["W"], ans["q12"]["W"]),
    }


def write_figures(key: dict, folder: str | Path, prefix: str = "") -> dict[str, str]:
    """Draw the figures of one instance into ``folder/figures/``; returns the
    paths relative to ``folder`` (as the .tex refers to them), by name."""
    folder = Path(folder)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in draw_figures(key).items():
        rel = f"figures/{prefix}{name.replace('_', '-')}.pdf"
        (folder / rel).write_bytes(data)
        out[name] = rel
    return out
