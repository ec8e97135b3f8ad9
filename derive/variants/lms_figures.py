"""A variant's figures as PNG for an LMS: each figure's PDF (the one the
documents show, drawn once, through :mod:`derive.documents.figure_cache`)
rasterised by poppler's ``pdftoppm`` (about 15 ms a figure, against about
110 ms for drawing it again with Agg), as a 64-colour palette PNG (a few KB;
the figures are flat colours and anti-aliased lines). No metadata: the same
PDF gives the same bytes. PNGs are kept in the figure cache as the PDFs are
(keyed by poppler's and Pillow's versions too), and a figure made once is
kept for the process (by its data), so an export makes each figure once,
however many variants or questions show it."""

from __future__ import annotations

import errno
import hashlib
import io
import pickle
import subprocess
from collections import OrderedDict
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from derive.files import files_digest

DPI = 120          # the figures are sized in inches for the page: a 3.4 in plot is 408 px
COLOURS = 64       # the palette: the figures' few colours and their anti-aliasing
# zlib level of the PNGs: 8 takes a third of the time of 9 (optimize=True, about
# 8.5 against 3 ms a figure) for PNGs 1.4 % larger; 7 and below grow them 6 % or more
COMPRESS_LEVEL = 8
_CACHE: OrderedDict[str, bytes] = OrderedDict()
CACHE_SIZE = 2048   # about 6 a variant, a few KB each


def png_name(variant: str, path: str) -> str:
    """The file name of a figure of ``variant`` (its documents' ``path``,
    ``figures/part-2-network.pdf``): ``<variant>-part-2-network.png``,
    unique across the variants of a set."""
    return f"{variant}-{PurePosixPath(path).stem}.png"


def _digest(name: str, data: dict[str, Any]) -> str:
    return hashlib.sha256(pickle.dumps((name, data), protocol=4)).hexdigest()


def png(name: str, data: dict[str, Any], pdf: bytes | None = None) -> bytes:
    """Figure ``name`` (:data:`derive.documents.figures.BUILD`) drawn from
    ``data`` as PNG bytes: ``pdf`` (its PDF, where the caller has it) or
    its PDF from the figure cache (drawn there when missing), rasterised."""
    from derive.documents import figure_cache
    key = _digest(name, data)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    make = lambda: rasterise(pdf if pdf is not None else figure_cache.pdf(name, data))  # noqa: E731
    _CACHE[key] = figure_cache.cached("png", name, data, make, _versions())
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return _CACHE[key]


@lru_cache(maxsize=1)
def _versions() -> tuple[str, ...]:
    """What decides a PNG's bytes besides its PDF: this code, poppler's and Pillow's versions."""
    from importlib.metadata import version
    return (files_digest([__file__]), _pdftoppm(["-v"]).stderr.decode("latin-1").strip(),
            version("pillow"))


def _pdftoppm(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run pdftoppm (its image on stdout; its messages, and its version, on
    stderr). A missing or failing pdftoppm is an OSError: one line on the
    command line."""
    try:
        proc = subprocess.run(["pdftoppm", *args], input=stdin, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "pdftoppm not found; install poppler-utils "
                                "(make setup installs it)", "pdftoppm") from None
    message = proc.stderr.decode("latin-1")
    if proc.returncode != 0:
        raise OSError(f"pdftoppm failed: {message.strip().splitlines()[-1:]}")
    return proc


def rasterise(pdf: bytes) -> bytes:
    """A one-page PDF as a :data:`COLOURS`-colour PNG at :data:`DPI`."""
    from PIL import Image
    # raw PPM on stdout (no file; PNG's compression would take half pdftoppm's time)
    ppm = _pdftoppm(["-r", str(DPI), "-singlefile", "-"], pdf).stdout
    with Image.open(io.BytesIO(ppm)) as page:
        image = page.convert("RGB")
    out = io.BytesIO()
    image.quantize(COLOURS).save(out, "PNG", compress_level=COMPRESS_LEVEL)
    return out.getvalue()


def variant_pngs(assignment, solutions: dict, pdfs: dict[str, bytes] | None = None,
                 plans: dict | None = None) -> dict[str, bytes]:
    """Every figure of an instance (``plans``, else
    :func:`derive.documents.kind_figures.assignment_figures`), by its
    documents' path, as ``{path: PNG bytes}``; ``pdfs``: the figures' PDFs
    by the same paths, where the caller has them."""
    from derive.documents.kind_figures import assignment_figures
    pdfs = pdfs or {}
    plans = assignment_figures(assignment, solutions) if plans is None else plans
    return {path: png(name, data, pdfs.get(path)) for path, (name, data) in plans.items()}
