"""What every figure shares: the document's fonts, the style, a plain Figure,
text measurement and PDF output. Matplotlib is imported on first use.

The figures are set in the handout's own typeface at the handout's sizes:
URW Palladio (the Palatino of pxfonts/mathpazo) for text and for mathtext's
letters and digits, and the Greek of pxfonts for σ, so ``$x_1$`` and
``$\\sigma(z)$`` in a figure match the page. The Type 1 files come with TeX
(texlive-fonts-recommended), found with kpsewhich.
"""

from __future__ import annotations

import errno
import io
import shutil
import subprocess
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

METADATA = {"CreationDate": None, "Creator": None, "Producer": None}
FAMILY = "URW Palladio L"
GREEK = "pxfonts Greek"
PACKAGE = "texlive-fonts-recommended"
# family, style, weight -> the Type 1 file (as kpsewhich names it)
FONT_FILES = {(FAMILY, "normal", 400): "uplr8a.pfb", (FAMILY, "italic", 400): "uplri8a.pfb",
              (FAMILY, "normal", 700): "uplb8a.pfb", (GREEK, "italic", 400): "rpxmi.pfb"}
# \footnotesize and \small of an 11 pt document
SMALL_PT, LABEL_PT = 10, 9
STYLE = {"font.size": LABEL_PT, "axes.titlesize": SMALL_PT, "axes.labelsize": SMALL_PT,
         "legend.fontsize": LABEL_PT, "xtick.labelsize": LABEL_PT, "ytick.labelsize": LABEL_PT,
         "axes.spines.top": False, "axes.spines.right": False, "pdf.compression": 6,
         "font.family": FAMILY, "mathtext.fontset": "custom", "mathtext.rm": FAMILY,
         "mathtext.it": f"{FAMILY}:italic", "mathtext.bf": f"{FAMILY}:bold",
         # mathtext takes lowercase Greek from the italic font, which Palladio lacks;
         # \mathcal is unused otherwise, so it names the Greek font (see greek())
         "mathtext.cal": f"{GREEK}:italic", "mathtext.fallback": "stix",
         "axes.unicode_minus": True, "path.simplify": True, "axes.linewidth": 0.6}
BLUE, ORANGE, GREY, RED = "#1f5fa8", "#d9822b", "#8a8a8a", "#b22222"
MAX_WIDTH = 6.2         # inches: the text width of an A4 page with 2.3 cm margins


def greek(name: str) -> str:
    """A Greek letter in mathtext, set in the document's Greek (``sigma`` -> σ)."""
    return rf"\mathcal{{\{name}}}"


def font_path(name: str) -> str:
    """The path of a TeX font file; a missing one is an error naming the package."""
    return _kpsewhich((name,))[0]


@lru_cache(maxsize=1)
def font_paths() -> tuple[str, ...]:
    """The paths of :data:`FONT_FILES`' files, in order (one kpsewhich run)."""
    return _kpsewhich(tuple(FONT_FILES.values()))


def _kpsewhich(names: tuple[str, ...]) -> tuple[str, ...]:
    found = {}
    if shutil.which("kpsewhich"):
        out = subprocess.run(["kpsewhich", *names], capture_output=True, text=True).stdout
        found = {Path(line).name: line for line in out.splitlines() if line.strip()}
    for name in names:
        if name not in found:
            raise FileNotFoundError(errno.ENOENT, f"font of the figures not found: install the "
                                    f"TeX package {PACKAGE} (sudo apt-get install {PACKAGE})", name)
    return tuple(found[name] for name in names)


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Make the document's Type 1 fonts known to matplotlib (once per process).
    ``fontManager.addfont`` reads only TrueType/OpenType names, so each file is
    entered as a FontEntry; FreeType, which draws the glyphs, reads Type 1."""
    from matplotlib import font_manager as fm
    for ((family, style, weight), _), path in zip(FONT_FILES.items(), font_paths()):
        fm.fontManager.ttflist.append(fm.FontEntry(
            fname=path, name=family, style=style, variant="normal",
            weight=weight, stretch="normal", size="scalable"))
    fm.fontManager._findfont_cached.cache_clear()


MATH_CACHE = 4096       # mathtext layouts kept per process (a few KB each)


@lru_cache(maxsize=1)
def share_math_parses() -> None:
    """One cache of mathtext layouts for the whole process. Matplotlib keeps
    the last 50 per parser, and every PDF it saves makes a new parser: each
    figure parsed its ``$x_1$``, ``$a^1_2$`` and legends anew (pyparsing, the
    larger part of drawing). The layouts are the same, so the bytes are; where
    matplotlib's internals differ from what this expects, nothing changes."""
    from matplotlib.mathtext import MathTextParser
    parse = getattr(MathTextParser._parse_cached, "__wrapped__", None)
    if parse is None:
        return
    parsers = {}

    @lru_cache(maxsize=MATH_CACHE)
    def shared(output_type, *args):
        parser = parsers.setdefault(output_type, MathTextParser(
            {"vector": "path", "raster": "agg"}[output_type]))
        return parse(parser, *args)
    MathTextParser._parse_cached = lambda self, *args: shared(self._output_type, *args)


# matplotlib is not thread-safe (rcParams, the mathtext parser): a worker
# that runs tasks in threads (dask) draws one figure at a time
_MATPLOTLIB = threading.RLock()
_STYLED = threading.local()


@contextmanager
def style():
    """The rc settings of every figure, as a context (held by one thread at a
    time): matplotlib's defaults, whatever a matplotlibrc says, and :data:`STYLE`."""
    from matplotlib import rc_context, rcdefaults, rcParams
    with _MATPLOTLIB:
        if getattr(_STYLED, "on", False):   # inside style() already (measuring text while drawing)
            yield
            return
        register_fonts()
        share_math_parses()
        with rc_context():
            rcdefaults()
            rcParams.update(STYLE)
            _STYLED.on = True
            try:
                yield
            finally:
                _STYLED.on = False


def figure(width: float, height: float, rect=None):
    """A plain Figure (no pyplot, no layout engine); with ``rect`` (left,
    bottom, right, top as fractions) the subplot margins are fixed."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    if rect:
        left, bottom, right, top = rect
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    return fig


_KEPT: dict[str, Any] = {}     # this process's figures that are reused, by name


def reused_figure(name: str, width: float, height: float, rect, make,
                  wspace: float | None = None):
    """This process's figure ``name`` at ``width`` × ``height`` inches with
    subplot margins ``rect`` (as :func:`figure`'s; None: the axes placed by
    ``make``): its axes, titles, labels and fixed ticks made once by
    ``make(fig)`` (more than half of drawing a regions figure);
    each figure then sets only its size, margins and data, after the last
    one's data (images, bars, lines, points, texts, legends) are taken away.
    So a figure returned before is no longer itself once the next is built."""
    fig = _KEPT.get(name)
    if fig is None:
        fig = _KEPT[name] = figure(width, height)
        make(fig)
    for artist in [*fig.legends, *(c for ax in fig.axes for c in ax.containers)]:
        artist.remove()     # a container (the bars) takes its patches with it
    for artist in [a for ax in fig.axes for a in (*ax.images, *ax.collections, *ax.lines,
                                                   *ax.patches, *ax.texts)]:
        artist.remove()
    fig.set_size_inches(width, height)
    if rect is not None:
        left, bottom, right, top = rect
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top, wspace=wspace)
    return fig


def pdf_bytes(fig) -> bytes:
    """The figure as PDF bytes, without a date (same figure, same bytes)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    buf = io.BytesIO()
    FigureCanvasPdf(fig)
    fig.savefig(buf, format="pdf", metadata=METADATA)
    return buf.getvalue()


@lru_cache(maxsize=4096)
def text_size(text: str, size: float = LABEL_PT) -> tuple[float, float]:
    """Width and height (inches) of the box matplotlib gives ``text`` set at
    ``size`` points in the figures' font (mathtext where there is a ``$``):
    the box a label's frame is drawn around."""
    from matplotlib.text import Text
    fig, renderer = _measuring()
    with style():
        label = Text(0, 0, text, fontsize=size)  # not added to the figure: nothing shared changes
        label.set_figure(fig)
        box = label.get_window_extent(renderer)
    return box.width / 72, box.height / 72


@lru_cache(maxsize=1)
def _measuring():
    """A figure and renderer at 72 dpi (one pixel is one point) to measure text on."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = figure(1, 1)
    fig.set_dpi(72)
    return fig, FigureCanvasAgg(fig).get_renderer()
