"""What a report compiles, kept between runs by everything it is made from.

``handouts report`` on the same inputs derives the same key, renders the same
.tex sources and draws the same figures. So after a build its key text, its
sources and the names of its figures' entries in the figure cache
(:mod:`derive.documents.figure_cache`) are kept in ``reports/`` of the code
cache's folder (:func:`derive.diskcache.cache_dir`), under a name that hashes
every input: the assignment as loaded (each field's value), the config,
the override templates' files, the package's code and templates, the
versions of Python, SymPy, NumPy and Jinja2, and the figures' fingerprint
(matplotlib, the fonts). A later run with the same inputs compiles those
sources as always, without importing SymPy, solving or rendering. A missing,
unreadable or malformed entry, or one naming a figure the figure cache no
longer holds whole, is a miss: the report is built anew and kept again.
``HANDOUTS_CACHE=off`` switches it off; an unwritable folder leaves it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterable

import derive
from derive.documents import figure_cache
from derive.documents.render import source_digest
from derive import diskcache

FOLDER = "reports"
_SOURCE = re.compile(r"[A-Za-z0-9_-]+\.tex")
_FIGURE = re.compile(r"figures/[A-Za-z0-9_.-]+\.pdf")
LIMIT = 32 * 2**20      # bytes in the folder; beyond it the least recently used go
LIBRARIES = ("sympy", "numpy", "jinja2")


@dataclass(frozen=True)
class Kept:
    """A kept build: the key's text, the .tex sources (file name -> text, in
    compile order) and each figure's PDF bytes (path -> bytes)."""

    key: str
    sources: dict[str, str]
    figures: dict[str, bytes]


def entry(assignment, config, extra_dirs: Iterable[str | Path] = ()) -> Path | None:
    """Where the build of ``assignment`` with ``config`` (and override
    templates ``extra_dirs``) is kept; ``None`` when the cache is off."""
    base, figures = diskcache.cache_dir(), figure_cache.fingerprint()
    if base is None or figures is None:
        return None
    try:
        versions = [version(name) for name in LIBRARIES]
        overrides = _folders_digest(extra_dirs)
    except (OSError, PackageNotFoundError):
        return None
    text = json.dumps([repr(assignment), repr(config), overrides, source_digest(), figures,
                       sys.version, derive.__version__, *versions])
    return base / FOLDER / f"report-{hashlib.sha256(text.encode()).hexdigest()[:40]}.json"


def _folders_digest(folders: Iterable[str | Path]) -> str:
    """sha256 of the override folders: each file's path within its folder
    and bytes, in order (symlinked subfolders followed, as Jinja2 reads them)."""
    h = hashlib.sha256()
    for i, folder in enumerate(folders):
        h.update(f"{i}\0{folder}\0".encode())
        for root, dirs, files in sorted(os.walk(folder, followlinks=True)):
            dirs.sort()
            for name in sorted(files):
                path = Path(root, name)
                rel = path.relative_to(folder).as_posix()
                h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def load(path: Path | None) -> Kept | None:
    """The build kept at ``path``, or ``None`` (none, unreadable, malformed,
    or a figure no longer kept whole)."""
    text = diskcache.read(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
        key, sources, names = data["key"], data["sources"], data["figures"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(key, str) and _strings(sources) and _strings(names)
            and all(_SOURCE.fullmatch(name) for name in sources)
            and all(_FIGURE.fullmatch(rel) for rel in names)):
        return None   # (names become paths in the stage: nothing but a plain name)
    figures = {}
    where = figure_cache.folder()
    for rel, name in names.items():
        pdf = figure_cache.load(where / Path(name).name, "pdf") if where else None
        if pdf is None:
            return None
        figures[rel] = pdf
    return Kept(key, sources, figures)


def _strings(value) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def store(path: Path | None, key: str, sources: dict[str, str],
          figures: dict[str, Path | None]) -> None:
    """Keep a build at ``path``: its key text, sources and the figure cache
    entries of its figures (path -> entry); skipped when a figure has no
    entry or the folder cannot be written."""
    if path is None or any(e is None for e in figures.values()):
        return
    text = json.dumps({"key": key, "sources": sources,
                       "figures": {rel: e.name for rel, e in figures.items()}})
    diskcache.keep(path, text.encode(), LIMIT)
