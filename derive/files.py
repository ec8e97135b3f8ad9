"""Writing files whole, and fingerprints of files: shared by every stage that
writes outputs or caches."""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Iterable

TEMP_PREFIX = ".tmp-"  # files being written start with this


@lru_cache(maxsize=None)
def umask() -> int:
    """This process's umask (read without changing it for good)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: through a temporary file in the
    same folder, renamed over it (with the permissions of a new file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def files_digest(paths: Iterable[str | Path], *extra: str) -> str:
    """sha256 of files (name and bytes of each, in the order given) and of
    ``extra`` strings (versions, say)."""
    h = hashlib.sha256()
    for p in map(Path, paths):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for text in extra:
        h.update(text.encode() + b"\0")
    return h.hexdigest()
