"""What the on-disk caches share: their folder, and entries read and kept
safely (the lambdified code, the derived text, the figures, the reports).

An entry is a file under a name that hashes everything that decides its
content (each cache names its own). It is written whole
(:func:`derive.files.write_atomic`); one that cannot be read is a miss, and
each cache also refuses one that is not of its shape; an unwritable folder
leaves the entry unkept; ``HANDOUTS_CACHE=off`` switches every cache off. A
cache given a limit is trimmed, least recently used entries first.
"""

from __future__ import annotations

import os
from pathlib import Path

from derive.files import TEMP_PREFIX, write_atomic

TRIM_EVERY = 64         # entries kept in a folder between two looks at its size
_kept: dict[Path, int] = {}


def cache_dir() -> Path | None:
    """``$HANDOUTS_CACHE``, else ``$XDG_CACHE_HOME/handouts``, else
    ``~/.cache/handouts``; ``None`` when switched off."""
    setting = os.environ.get("HANDOUTS_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "handouts"


def read(path: Path | None) -> bytes | None:
    """The bytes of the entry at ``path`` (made recently used), or ``None``."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return data


def keep(path: Path | None, data: bytes, limit: int | None = None) -> None:
    """Keep ``data`` as the entry at ``path`` (its folder made); silently
    not where it cannot be written. With a ``limit`` (bytes), the folder is
    trimmed to it at the first entry a process keeps and every
    :data:`TRIM_EVERY` after."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError:
        return
    if limit is not None:
        count = _kept.get(path.parent, 0)
        if count % TRIM_EVERY == 0:
            trim(path.parent, limit)
        _kept[path.parent] = count + 1


def trim(where: Path, limit: int) -> None:
    """Remove the least recently used entries of ``where`` until the rest
    take at most ``limit`` bytes (down to 3/4 of it, so this runs seldom)."""
    try:
        entries = [(s.st_mtime, s.st_size, p) for p in where.iterdir()
                   if not p.name.startswith(TEMP_PREFIX) for s in [p.stat()]]
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return
    for _, size, p in sorted(entries):
        if total <= limit * 3 // 4:
            break
        try:
            p.unlink()
        except OSError:
            continue
        total -= size
