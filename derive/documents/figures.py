"""Figures for one instance, drawn with matplotlib as reproducible vector PDFs.

Two stages, so that drawing can run anywhere (another thread or process):
:mod:`derive.documents.kind_figures` computes every number and label a
figure shows, and :func:`draw` turns one figure's data into PDF bytes.
Matplotlib is imported only when a figure is drawn.

No pyplot: each figure is a :class:`matplotlib.figure.Figure` with margins
fixed in inches from its measured labels (no layout engine), set in the
document's font (:mod:`derive.documents.plotting`) and saved with the PDF backend, so
nothing leaks between figures or threads. PDF metadata carry no date, so the
same numbers give the same bytes.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from derive.documents import plotting
from derive.documents.network_figure import network_figure, number
from derive.documents.plotting import BLUE, GREY, MAX_WIDTH, ORANGE, text_size
from derive.documents.numbers import Formatter
from derive.documents.regions import ties_show

# one light colour per class, up to spec.MAX_SIZE classes
CLASS_COLOURS = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9",
                 "#f7b6d2", "#dbdb8d", "#9edae5", "#c49c94"]
TICK_ROOM = 0.11    # inches: a tick (3.5 pt) and its label's pad (3.5 pt), and some air
LABEL_ROOM = 0.1    # inches: an axis label's pad (4 pt), and some air
TIE_COLOUR = "#e4e4e4"  # light grey: no class
TICK_STEPS = (1, 2, 2.5, 5, 10)  # the regions' axes: ticks at these times a power of ten

def figure_path(name: str, prefix: str = "") -> str:
    """Where figure ``name`` is written, relative to the .tex that shows it."""
    return f"figures/{prefix}{name.replace('_', '-')}.pdf"


def class_name(j: int) -> str:
    """Class ``j`` (0-based, as in the data) as the sheets name it: from 1."""
    return f"class {j + 1}"


# --------------------------------------------------------------------------
# Drawing: plain data in, a Figure out


def activation_figure(z, f, df, labels, xticks, yticks, jumps=(), legend_at="best"):
    """An activation f(z) (solid) and its derivative (dashed) over ``z``,
    ``labels`` their legend entries (at ``legend_at``, a corner where they
    cover no curve), ``xticks``/``yticks`` (value, label)
    pairs. At each of ``jumps`` (z, f′ there, the limit on the other side:
    a kink) the dashed line breaks, a filled dot marks the value taken there
    and an open one the other side's."""
    z, f, df = (np.asarray(v, float) for v in (z, f, df))
    left = max(text_size(t)[0] for _, t in yticks) + TICK_ROOM
    bottom = text_size("\u22126")[1] + text_size("$z$")[1] + TICK_ROOM + LABEL_ROOM
    fig = plotting.figure(3.4, 2.0, _margins(3.4, 2.0, left, bottom, 0.1, 0.08))
    ax = fig.add_subplot()
    ax.plot(z, f, color=BLUE, lw=1.3, label=labels[0])
    dashed = df.copy()
    for at, _, _ in jumps:  # no line across a jump
        dashed[int(np.argmin(np.abs(z - at))) + 1] = np.nan
    ax.plot(z, dashed, color=ORANGE, lw=1.3, ls="--", label=labels[1])
    for at, value, limit in jumps:
        ax.scatter([at], [value], s=14, color=ORANGE, zorder=3)
        ax.scatter([at], [limit], s=14, facecolor="white", edgecolor=ORANGE, lw=1, zorder=3)
    ax.axhline(0, color=GREY, lw=0.5, ls=":")
    ax.axvline(0, color=GREY, lw=0.5, ls=":")
    ax.set_xlabel("$z$")
    low = min(f.min(), df.min(), yticks[0][0])
    high = max(f.max(), df.max(), yticks[-1][0])
    pad = 0.04 * (high - low)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(z[0], z[-1])
    ax.set_xticks([t for t, _ in xticks], [label for _, label in xticks])
    ax.set_yticks([t for t, _ in yticks], [label for _, label in yticks])
    ax.legend(frameon=False, loc=legend_at)
    return fig


def _margins(width, height, left, bottom, right, top):
    """Margins in inches as subplot fractions (left, bottom, right, top)."""
    return (left / width, bottom / height, 1 - right / width, 1 - top / height)


def probabilities_figure(a, a_new, values, values_new, ticks):
    """Class probabilities of the softmax layer before and after the step:
    a pair of bars per class, each bar as wide as its printed value, so no
    value touches a neighbour; where the page is too narrow for that (many
    classes) each value stands turned on its bar. The legend above the axes."""
    n = len(a)
    label_w = max(text_size(t)[0] for t in values + values_new)
    bar = max(label_w + 0.06, 0.3)
    slot = max(2 * bar + 0.25, max(text_size(t.split("\n")[0])[0] for t in ticks) + 0.15)
    # the y tick labels, ticks and the rotated axis label, with matplotlib's pads
    left = text_size("0.75")[0] + text_size("probability")[1] + TICK_ROOM + LABEL_ROOM
    lines = max(t.count("\n") + 1 for t in ticks)
    right, bottom, top = 0.1, lines * text_size("class")[1] * 1.25 + TICK_ROOM, 0.32
    width = min(left + right + n * slot, MAX_WIDTH)
    slot = (width - left - right) / n
    upright = 2 * bar + 0.1 <= slot
    label_h = text_size("0.9")[1] + 0.06
    if not upright:  # turned labels: as high as the widest is wide
        bar, label_h = (slot - 0.15) / 2, label_w + 0.06
    height = 2.2 + label_h - text_size("0.9")[1] - 0.06
    fig = plotting.reused_figure("probabilities", width, height,
                  _margins(width, height, left, bottom, right, top), _probabilities_axes)
    ax = fig.axes[0]
    k = np.arange(n)
    half = bar / slot  # a bar's width in data units (one class per unit)
    ax.bar(k - half / 2, a, half, color=BLUE, label="before the step")
    ax.bar(k + half / 2, a_new, half, color=ORANGE, label="after the step")
    # room above the highest bar for its value: a label's height plus a gap
    axes_h = height - bottom - top
    ax.set_ylim(0, 1 / (1 - label_h / axes_h))
    for i, (p, q) in enumerate(zip(a, a_new)):
        for dx, v, text in ((-half / 2, p, values[i]), (half / 2, q, values_new[i])):
            ax.annotate(text, (i + dx, v), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", rotation=0 if upright else 90)
    ax.set_xticks(k, ticks)
    ax.set_xlim(-0.5, n - 0.5)
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, loc="upper center",
               ncols=2, bbox_to_anchor=(0.5 + (left - right) / 2 / width, 1.0))
    return fig


def regions_figure(before, after, r: float, ticks, tick_labels, point, classes, tie, marker):
    """The predicted class over the input plane [−r, r]² before and after the
    update (``before``/``after``: class indices on a square grid, :data:`TIE`
    where outputs tie), the input marked; below the panels a legend: the
    ``classes``' names, ``tie`` (the ties' name, or empty where none shows)
    and ``marker`` (the input's)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    n2 = len(classes)
    entries = n2 + 1 + bool(tie)
    panel, gap = 2.1, 0.3
    left = (max(text_size(t)[0] for t in tick_labels) + text_size("$x_2$")[1]
            + TICK_ROOM + LABEL_ROOM)
    cols = min(entries, 4)
    rows = -(-entries // cols)
    legend_h = rows * text_size("class")[1] * 1.6
    below = text_size("0")[1] + text_size("$x_1$")[1] + TICK_ROOM + LABEL_ROOM
    bottom, top, right = below + 0.2 + legend_h, 0.3, 0.12
    width, height = left + 2 * panel + gap + right, bottom + panel + top
    fig = plotting.reused_figure("regions", width, height, _margins(width, height, left, bottom, right, top),
                  _regions_axes, gap / panel)
    axes = fig.axes
    # colour 0 is the ties' (TIE + 1), then one per class
    cmap = ListedColormap([TIE_COLOUR] + CLASS_COLOURS[:n2])
    for ax, cls in zip(axes, (before, after)):
        ax.imshow(np.asarray(cls) + 1, origin="lower", extent=(-r, r, -r, r), cmap=cmap,
                  vmin=-0.5, vmax=n2 + 0.5, interpolation="none", aspect="equal")
        ax.scatter([point[0]], [point[1]], marker="*", s=80, color="black", zorder=3)
        ax.set_xticks(ticks, tick_labels)
        ax.set_yticks(ticks, tick_labels)
        ax.set_xlim(-r, r)
        ax.set_ylim(-r, r)
    handles = [Patch(color=CLASS_COLOURS[k], label=classes[k]) for k in range(n2)]
    if tie:
        handles.append(Patch(facecolor=TIE_COLOUR, edgecolor=GREY, lw=0.5, label=tie))
    handles.append(Line2D([], [], marker="*", ls="", color="black", markersize=9, label=marker))
    fig.legend(handles=handles, frameon=False, loc="lower center", ncols=cols,
               bbox_to_anchor=(0.5 + (left - right) / 2 / width, 0.0), borderaxespad=0.2)
    return fig


def _regions_axes(fig) -> None:
    fig.subplots(1, 2, sharey=True)
    for ax, title in zip(fig.axes, ("before the step", "after the step")):
        ax.set_title(title)
        ax.set_xlabel("$x_1$")
    fig.axes[0].set_ylabel("$x_2$")


def _probabilities_axes(fig) -> None:
    ax = fig.add_subplot()
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel("probability")


BUILD = {"activation": activation_figure,
         "probabilities": probabilities_figure,
         "network": network_figure, "regions": regions_figure}


def build_figure(name: str, data: dict[str, Any]):
    """Figure ``name`` as a matplotlib Figure (call inside :func:`plotting.style`)."""
    return BUILD[name](**data)


def draw(name: str, data: dict[str, Any]) -> bytes:
    """Figure ``name`` as PDF bytes from its data (plain, picklable: this
    runs in a worker process as well)."""
    with plotting.style():
        return plotting.pdf_bytes(build_figure(name, data))


def warm_up() -> None:
    """Import matplotlib and load its fonts and mathtext: for a worker
    process started before the numbers are known."""
    with plotting.style():
        fig = plotting.figure(1.0, 1.0)
        fig.text(0.5, 0.5, "$z$ 0.5")
        plotting.pdf_bytes(fig)


# --------------------------------------------------------------------------
# The numbers each figure shows


def _axis_ticks(r: float) -> list[float]:
    """The ticks of [−r, r] that matplotlib's ``MaxNLocator(5, steps=TICK_STEPS)``
    gives (its arithmetic, without importing matplotlib), none at the edges:
    the panels' edge labels would meet between them."""
    raw = 2 * r / 5
    scale = 10 ** (math.log10(raw) // 1)
    step = next(s * scale for s in TICK_STEPS if s * scale >= raw)
    start = (-r // step) * step
    ticks = (i * step + start for i in range(int(2 * r / step) + 3))
    return [float(t) for t in ticks if -r < t < r]


def _as_text(tex: str) -> str:
    """A number the Formatter printed, as a figure's label: plain text with a
    true minus when it is a decimal (no mathtext to parse), else mathtext."""
    if re.fullmatch(r"-?[0-9.]+", tex):
        return tex.replace("-", "\u2212")
    return f"${tex}$"


def probabilities_data(a, a_new, target: int, asked: int) -> dict[str, Any]:
    """The data of the probabilities figure: a softmax output ``a`` before
    and ``a_new`` after the step, each printed to 2 decimals; the classes
    named from 1, the ``target`` (0-based) and the class ``asked`` marked."""
    bar = lambda v: [_as_text(Formatter(2).number(p)) for p in v]  # noqa: E731
    ticks = [class_name(j) + ("\n(target)" if j == target else "")
             + ("\n(asked)" if j == asked and j != target else "") for j in range(len(a))]
    return {"a": a, "a_new": a_new, "values": bar(a), "values_new": bar(a_new), "ticks": ticks}


def regions_figure_data(regions: dict[str, Any], names: list[str], target: int) -> dict[str, Any]:
    """The data of the regions figure from the grids of ``regions`` (``r``,
    ``before``, ``after``, ``point``), the classes' ``names`` and the input's
    ``target`` (0-based)."""
    ticks = _axis_ticks(regions["r"])
    grids = (regions["before"], regions["after"])
    return {"before": regions["before"], "after": regions["after"], "r": regions["r"],
            "ticks": ticks, "tick_labels": [number(t) for t in ticks], "point": regions["point"],
            "classes": names, "tie": "tie" if ties_show(grids, len(names)) else "",
            "marker": f"input $x$ (target: {names[target]})"}
