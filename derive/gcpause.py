"""The garbage collector paused around work that makes many objects and no cycles."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    """Collections off inside the block (importing SymPy and NumPy, or a
    batch of keys, makes hundreds of young containers and no garbage), on
    again after it if they were on before."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
