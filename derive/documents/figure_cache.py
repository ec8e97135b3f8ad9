"""Figure bytes kept on disk by their content, between runs and processes.

A figure's bytes depend only on its format, its name and its data (as
:func:`derive.documents.figures.draw` gets them), the code that draws it
(:data:`DRAWING`, and whatever a caller adds: the PNG's rasteriser), the
versions of matplotlib and NumPy and the document's font files. So they are
kept in ``figures/`` of the code cache's folder
(:func:`derive.diskcache.cache_dir`) under a name that hashes exactly
those: a run whose figures all hit never imports matplotlib. Entries are
written whole (:func:`derive.files.write_atomic`); a missing, truncated or
corrupt one (a PDF not from ``%PDF-`` to ``%%EOF``, a PNG without its
signature or its ``IEND``) is a miss and is drawn and written again; an
unwritable folder leaves the cache off; ``HANDOUTS_CACHE=off`` switches it
off. The folder is kept under :data:`LIMIT` bytes: a hit refreshes an entry's
time, and the least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import derive
from derive import diskcache
from derive.files import files_digest

FOLDER = "figures"
# the code that turns a figure's data into its PDF
DRAWING = ("documents/figures.py", "documents/plotting.py", "documents/network_figure.py",
           "documents/figure_cache.py")
LIMIT = 256 * 2**20     # bytes in the folder; beyond it the least recently used go
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def whole(fmt: str, data: bytes) -> bool:
    """Whether ``data`` is a whole file of format ``fmt`` (``pdf`` or ``png``)."""
    if fmt == "pdf":
        return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END)


@lru_cache(maxsize=1)
def fingerprint() -> str | None:
    """What every figure's bytes depend on besides its data: the drawing
    code, matplotlib's and NumPy's versions, the font files; ``None`` (no
    cache) where matplotlib or a font is missing (drawing then says why)."""
    from importlib.metadata import PackageNotFoundError, version

    from derive.documents.plotting import font_paths
    try:
        fonts = font_paths()
        versions = (version("matplotlib"), version("numpy"), derive.__version__)
    except (OSError, PackageNotFoundError):
        return None
    package = Path(derive.__file__).parent
    return files_digest([*(package / name for name in DRAWING), *fonts], *versions)


def folder() -> Path | None:
    """The cache's folder, ``None`` when the cache is off."""
    base = diskcache.cache_dir()
    return None if base is None else base / FOLDER


def entry(fmt: str, name: str, data: dict[str, Any], extra: Iterable[str] = ()) -> Path | None:
    """Where figure ``name`` drawn from ``data`` as ``fmt`` is kept
    (``extra``: what else decides its bytes); ``None`` when the cache is off."""
    where, common = folder(), fingerprint()
    if where is None or common is None:
        return None
    h = hashlib.sha256(pickle.dumps((fmt, name, data, common, *extra), protocol=4))
    return where / f"{name}-{h.hexdigest()[:40]}.{fmt}"


def load(path: Path | None, fmt: str) -> bytes | None:
    """The bytes kept at ``path``, or ``None`` (no entry, unreadable, not whole)."""
    data = diskcache.read(path)
    return data if data is not None and whole(fmt, data) else None


def store(path: Path | None, data: bytes) -> None:
    """Keep ``data`` at ``path``; silently skipped when it cannot be written."""
    diskcache.keep(path, data, LIMIT)


def cached(fmt: str, name: str, data: dict[str, Any], make: Callable[[], bytes],
           extra: Iterable[str] = ()) -> bytes:
    """Figure ``name`` as ``fmt`` bytes: kept ones, else ``make()``'s (then kept)."""
    extra = tuple(extra)
    path = entry(fmt, name, data, extra)
    out = load(path, fmt)
    if out is None:
        out = make()
        if whole(fmt, out):
            store(path, out)
    return out


def kept_pdf(name: str, data: dict[str, Any]) -> bytes | None:
    """Figure ``name``'s PDF when the cache holds it whole, else ``None``."""
    return load(entry("pdf", name, data), "pdf")


def pdf(name: str, data: dict[str, Any]) -> bytes:
    """Figure ``name`` drawn from ``data`` as PDF bytes
    (:func:`derive.documents.figures.draw`), through the cache."""
    from derive.documents.figures import draw
    return cached("pdf", name, data, lambda: draw(name, data))
