"""Text the documents derive with SymPy from a network and a question alone
(never from the numbers), kept on disk between processes.

What a formula mistake makes of the key's formula takes SymPy's ``simplify``
a fifth of a second per process, and is the same for every instance of the
question. The text is stored as JSON in the folder of the code cache
(:func:`derive.diskcache.cache_dir`: ``HANDOUTS_CACHE``, ``off``
switches it off) under a name that hashes the role, the key and everything
that decides the text: the sources of the package and the versions of SymPy
and of the package. It is written atomically; a missing, unreadable,
truncated or malformed entry is computed anew, and an unwritable folder
only leaves it uncached.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import sympy as sp

import derive
from derive import diskcache
from derive.documents.render import source_digest


@lru_cache(maxsize=None)
def fingerprint() -> str:
    """What the cached text depends on besides its key: every module of the
    package (the derivations, the printer, the mistakes; hashed once per
    process, :func:`derive.documents.render.source_digest`) and the versions."""
    text = f"{source_digest()}\0{sp.__version__}\0{derive.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()


def entry_path(folder: Path, role: str, key: str) -> Path:
    """Where the text of ``role`` for ``key`` is kept in ``folder``."""
    h = hashlib.sha256(f"{fingerprint()}\0{role}\0{key}".encode())
    return folder / f"{role}-{h.hexdigest()[:32]}.json"


def cached(role: str, key: str, compute: Callable[[], Any],
           valid: Callable[[Any], bool]) -> Any:
    """``compute()`` (JSON data), or what an earlier process kept for
    (``role``, ``key``) when ``valid`` accepts it; kept when it could not be read."""
    folder = diskcache.cache_dir()
    path = entry_path(folder, role, key) if folder is not None else None
    data = diskcache.read(path)
    if data is not None:
        try:
            value = json.loads(data)
            if valid(value):
                return value
        except ValueError:
            pass
    value = compute()
    diskcache.keep(path, json.dumps(value).encode())
    return value
