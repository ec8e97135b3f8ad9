"""Lambdified code, kept on disk between processes.

Deriving a network and lambdifying it takes SymPy most of a second; the code
``lambdify`` prints is plain NumPy and depends only on the network and on the
code that derives and prints it. So the printed source is stored under a name
that hashes exactly those (the network, the sources of the modules that
derive it, and the versions of SymPy, NumPy and this package), and a later
process executes that source in lambdify's own NumPy namespace instead of
deriving again. Functions lambdified from expressions that are cheap to
build (a loss, an activation and its slope) are named by the expressions
themselves (:func:`lambdified`). A missing, unreadable or broken entry (one that does not
compile, or raises when called) is simply derived anew; an unwritable folder
leaves the cache off; ``HANDOUTS_CACHE=off`` switches it off.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import sympy as sp

import derive
from derive import diskcache
from derive.files import files_digest
from derive.problem.spec import Network

FUNCTION = "_lambdifygenerated"


# the modules whose code decides what is derived and printed
SOURCES = ("calculus/rules.py", "calculus/backprop.py", "problem/spec.py", "numerics/evaluate.py",
           "numerics/codecache.py")


@lru_cache(maxsize=None)
def _fingerprint() -> str:
    """What the printed code depends on, besides the network."""
    package = Path(derive.__file__).parent
    return files_digest((package / name for name in SOURCES),
                        sp.__version__, np.__version__, derive.__version__)


def entry_name(net: Network, role: str) -> str:
    """The file name of one cached function of ``net``."""
    h = hashlib.sha256(f"{_fingerprint()} {net!r} {role}".encode())
    return f"{role}-{h.hexdigest()[:32]}.py"


@lru_cache(maxsize=None)
def _namespace() -> dict:
    """What lambdify's NumPy printer refers to: NumPy's names, and ``reduce``
    (for Max) from functools."""
    return {**vars(np), "reduce": functools.reduce, "builtins": builtins, "range": range}


def load(net: Network, role: str) -> Callable | None:
    """The cached function, or ``None`` when there is none (or it is broken)."""
    return _load(entry_name(net, role), role)


def store(net: Network, role: str, function: Callable) -> None:
    """Keep the source of a lambdified function; silently skipped when the
    cache folder cannot be written."""
    _store(entry_name(net, role), function)


def lambdified(role: str, args: Sequence[sp.Symbol], exprs: Sequence[sp.Expr],
               make: Callable[[], Callable] | None = None) -> Callable:
    """``sympy.lambdify(args, exprs, "numpy")``, or ``make()`` (a lambdify of
    them whose options a module of SOURCES fixes), from the cache when it
    holds it: the entry is named by ``role`` and the expressions themselves."""
    args, exprs = list(args), list(exprs)
    h = hashlib.sha256(f"{_fingerprint()} {role} {sp.srepr(args)} {sp.srepr(exprs)}".encode())
    name = f"{role}-{h.hexdigest()[:32]}.py"
    function = _load(name, role)
    if function is None:
        function = make() if make is not None else sp.lambdify(args, exprs, "numpy")
        _store(name, function)
    return function


def _load(name: str, role: str) -> Callable | None:
    folder = diskcache.cache_dir()
    source = diskcache.read(folder / name) if folder is not None else None
    if source is None:
        return None
    try:
        namespace = dict(_namespace())
        exec(compile(source, f"<handouts cache {role}>", "exec"), namespace)
        function = namespace[FUNCTION]
        _try(function)
        return function
    except (Exception, SystemExit):  # noqa: BLE001 - any broken entry means: derive again
        return None


def _try(function: Callable) -> None:
    """Call a loaded function once on ones: an entry that raises when called
    is as broken as one that does not compile."""
    ones = [np.ones(1)] * len(inspect.signature(function).parameters)
    with np.errstate(all="ignore"):
        result = function(*ones)
    if not isinstance(result, (list, tuple)):
        raise TypeError("a cached function returns a list")


def _store(name: str, function: Callable) -> None:
    folder = diskcache.cache_dir()
    if folder is not None:
        diskcache.keep(folder / name, inspect.getsource(function).encode())
