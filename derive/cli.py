"""The command line: ``handouts`` (also ``python -m derive``).

Each command is a module of :mod:`derive.commands` with a
``register(subparsers)`` function that adds its parser and sets ``func``
(and ``pipeline``, the modules it imports when it runs); every module there
is a command, and imports its pipeline only when it runs. Bad input
anywhere raises :class:`derive.problem.spec.InputError`, printed as one line with exit
status 2; a fault of the environment (a read-only or full disk, another run
holding the folder) is one line naming the path, exit status 1; Ctrl-C or
SIGTERM is one line, exit status 130 or 143, after the workers are stopped
and the temporary folders removed.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import gc
import importlib
import os
import pkgutil
import signal
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from derive import __version__
from derive.files import temp_folder
from derive.gcpause import paused_gc
from derive.problem.spec import InputError, printable


def _command_modules() -> list[str]:
    import derive.commands
    return sorted(f"derive.commands.{m.name}" for m in pkgutil.iter_modules(derive.commands.__path__))


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other bad input
        self.exit(2, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="handouts", description="Worked-solution handouts, variants "
                     "and grading for the gradients of small neural networks.")
    parser.add_argument("--version", action="version", version=f"handouts {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for name in _command_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):   # not a command's helper module
            module.register(sub)
    return parser


def _import_pipeline(modules) -> None:
    """Import a command's pipeline with the garbage collector paused
    (importing SymPy and NumPy makes some 150 collections, 80 ms, that free
    nothing), then move what it made out of later collections' way."""
    if all(m in sys.modules for m in modules):
        return
    with paused_gc():
        for module in modules:
            importlib.import_module(module)
        gc.freeze()


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so every cleanup runs."""


def _terminate(signum, frame):
    raise Terminated(signum)


def environment_error(e: OSError) -> str:
    """One line for a fault of the environment: the path and what is wrong."""
    what = e.strerror or str(e) or type(e).__name__
    if e.errno == errno.ENOSPC:
        what += " (free some space, or set TMPDIR to a larger disk)"
    if e.filename is None:
        return what
    path = f"{e.filename} -> {e.filename2}" if e.filename2 is not None else str(e.filename)
    return f"{path}: {what}"


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = make_parser().parse_args(argv)
    handlers = _signals()
    try:
        with _matplotlib_config():
            _import_pipeline(getattr(args, "pipeline", ()))
            return args.func(args) or 0
    except InputError as e:
        print(f"handouts: error: {printable(str(e))}", file=sys.stderr)
        return 2
    except RecursionError:
        print("handouts: error: an input nests too deeply", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"handouts: error: {printable(environment_error(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        print("handouts: interrupted" if not isinstance(e, Terminated) else
              f"handouts: stopped by signal {e.args[0]}", file=sys.stderr)
        return 128 + (e.args[0] if isinstance(e, Terminated) else signal.SIGINT)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _signals() -> dict:
    """SIGTERM and SIGHUP raise :class:`Terminated` (in the main thread only)."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}


@contextmanager
def _matplotlib_config() -> Iterator[None]:
    """Matplotlib's config folder in a temporary folder of this run (removed
    at the end) when its usual one cannot be written: matplotlib would make
    a ``matplotlib-*`` folder in TMPDIR and leave it there."""
    if os.environ.get("MPLCONFIGDIR") or _writable(_mpl_default()):
        yield
        return
    with temp_folder("handouts-mpl-") as folder:
        os.environ["MPLCONFIGDIR"] = str(folder)
        try:
            yield
        finally:
            del os.environ["MPLCONFIGDIR"]


def _mpl_default() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path(os.environ.get("HOME") or "/") / ".config"
    return Path(base) / "matplotlib"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def main_exit() -> None:
    """Console-script entry point: exits with :func:`main`'s status, without
    the interpreter's teardown of every module (0.1-0.2 s) when nothing is
    left to wait for."""
    status = main()
    if _nothing_pending():
        _exit_now(status)
    sys.exit(status)


def _nothing_pending() -> bool:
    """No thread the interpreter would wait for, no child process alive."""
    threading = sys.modules.get("threading")
    if threading is not None and any(t.is_alive() and not t.daemon
                                     for t in threading.enumerate()
                                     if t is not threading.main_thread()):
        return False
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is None or not multiprocessing.active_children()


def _exit_now(status: int) -> None:
    """The exit handlers (tempfile's and multiprocessing's finalizers among
    them), stdout and stderr flushed, then the process ends; a stream that
    cannot be flushed makes the status 120, as at the interpreter's exit."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            status = status or 120
    os._exit(status)
