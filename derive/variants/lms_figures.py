"""A variant's figures as PNG for an LMS: drawn by matplotlib from the same
data as the documents' PDFs (:func:`derive.documents.figures.build_figure`),
rasterised by Agg (no PDF and no converter on the way: about half the time
of PDF + ``pdftoppm``), as a 64-colour palette PNG (a few KB; the figures are
flat colours and anti-aliased lines). No metadata: the same data give the
same bytes. A figure drawn once is kept for the process (by its data), so an
export draws each figure once, however many variants or questions show it."""

from __future__ import annotations

import hashlib
import io
import pickle
from collections import OrderedDict
from pathlib import PurePosixPath
from typing import Any

DPI = 120          # the figures are sized in inches for the page: a 3.4 in plot is 408 px
COLOURS = 64       # the palette: the figures' few colours and their anti-aliasing
_CACHE: OrderedDict[str, bytes] = OrderedDict()
CACHE_SIZE = 2048   # about 6 a variant, a few KB each


def png_name(variant: str, path: str) -> str:
    """The file name of a figure of ``variant`` (its documents' ``path``,
    ``figures/part-2-network.pdf``): ``<variant>-part-2-network.png``,
    unique across the variants of a set."""
    return f"{variant}-{PurePosixPath(path).stem}.png"


def _digest(name: str, data: dict[str, Any]) -> str:
    return hashlib.sha256(pickle.dumps((name, data), protocol=4)).hexdigest()


def png(name: str, data: dict[str, Any]) -> bytes:
    """Figure ``name`` (:data:`derive.documents.figures.BUILD`) drawn from
    ``data`` as PNG bytes."""
    key = _digest(name, data)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from derive.documents import plotting
    from derive.documents.figures import build_figure
    with plotting.style():
        fig = build_figure(name, data)
        fig.set_dpi(DPI)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    out = io.BytesIO()
    image.quantize(COLOURS).save(out, "PNG", optimize=True)
    _CACHE[key] = out.getvalue()
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return _CACHE[key]


def variant_pngs(assignment, solutions: dict) -> dict[str, bytes]:
    """Every figure of an instance (:func:`derive.documents.kind_figures.assignment_figures`),
    by its documents' path, as ``{path: PNG bytes}``."""
    from derive.documents.kind_figures import assignment_figures
    return {path: png(name, data)
            for path, (name, data) in assignment_figures(assignment, solutions).items()}
