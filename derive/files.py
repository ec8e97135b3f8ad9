"""Writing files and folders whole, fingerprints of files, temporary folders:
shared by every stage that writes outputs or caches."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from derive.problem.spec import InputError

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


def sha256_file(path: str | Path) -> str | None:
    """sha256 of a file's bytes; ``None`` when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


# --------------------------------------------------------------------------
# Temporary folders that signal handlers can remove (worker processes end
# through os._exit, so no finally block runs there)

_LIVE: set[Path] = set()


@contextmanager
def temp_folder(prefix: str = "handouts-", dir: str | Path | None = None) -> Iterator[Path]:
    """A temporary folder, removed on exit and by :func:`remove_temp_folders`;
    kept (its path in the error) when the error carries a ``log_path`` inside it."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
    _LIVE.add(path)
    try:
        yield path
    except BaseException as e:
        if not _holds_log(path, e):
            shutil.rmtree(path, ignore_errors=True)
        raise
    else:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        _LIVE.discard(path)


def _holds_log(folder: Path, error: BaseException) -> bool:
    log = getattr(error, "log_path", None)
    return bool(log) and folder in Path(log).parents and Path(log).is_file()


@contextmanager
def workers_temp_folder(prefix: str = "handouts-workers-") -> Iterator[Path]:
    """A folder for other processes' temporary folders, emptied on exit of
    everything but the folders that keep a LaTeX log (whose paths were
    reported), and removed when nothing is left in it."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        for path in root.iterdir() if root.is_dir() else ():  # the last worker removes it
            if not (path.is_dir() and any(path.rglob("*.log"))):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
        try:
            root.rmdir()
        except OSError:  # gone already, or a log is kept in it
            pass


def remove_temp_folders() -> None:
    """Remove every live temporary folder (from a signal handler)."""
    for path in list(_LIVE):
        shutil.rmtree(path, ignore_errors=True)
    _LIVE.clear()


# --------------------------------------------------------------------------
# A folder's outputs replaced whole or not at all
#
# A run builds into a stage, a folder inside the output folder (so on the
# same file system), and commits: it writes the list of entries to move into
# ``.complete`` (the commit point), then renames each entry over its old
# version. After a kill the next run finds the stage: with ``.complete`` it
# finishes the renames (every entry still in the stage is new), without it
# the stage is removed. Only the holder of the folder's lock does either.

STAGE_PREFIX = ".stage-"
_COMPLETE = ".complete"
_OLD = ".old"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (flock on the folder itself, so the
    kernel releases it when this process dies); a second run is refused."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BlockingIOError(errno.EWOULDBLOCK, "another handouts run is writing "
                                  "this folder; try again when it has finished",
                                  str(folder)) from None
        yield
    finally:
        os.close(fd)


@contextmanager
def updating(out: Path, field: str = "--out") -> Iterator[Path]:
    """Lock ``out`` (made if missing), finish or remove what a killed run
    left, and yield a new stage to build into; :func:`commit` moves its
    entries in. The stage is removed unless committed, except when the error
    carries a ``log_path`` inside it (the next run removes it)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(field, f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        recover(out)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        try:
            os.chmod(stage, 0o777 & ~umask())  # mkdtemp makes it private
            yield stage
        except BaseException as e:
            # kept: a committed stage (the next run finishes it), or one with the log
            if not (stage / _COMPLETE).is_file() and not _holds_log(stage, e):
                shutil.rmtree(stage, ignore_errors=True)
            raise
        else:
            shutil.rmtree(stage, ignore_errors=True)


def commit(stage: Path, out: Path, entries: Iterable[str]) -> list[Path]:
    """Move ``entries`` (names of files or folders in ``stage``) into ``out``,
    each replacing its old version; all of them, even after a kill (see above)."""
    entries = list(dict.fromkeys(entries))
    write_atomic(stage / _COMPLETE, json.dumps(entries).encode())
    _sync(stage / _COMPLETE)
    _roll_forward(stage, out)
    return [out / name for name in entries]


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _roll_forward(stage: Path, out: Path) -> None:
    for name in json.loads((stage / _COMPLETE).read_text(encoding="utf-8")):
        new, dest = stage / name, out / name
        if not os.path.lexists(new):
            continue  # moved already
        if new.is_dir() and dest.is_dir() and not dest.is_symlink():
            (stage / _OLD).mkdir(exist_ok=True)
            os.replace(dest, stage / _OLD / name)  # a folder cannot be renamed over another
        os.replace(new, dest)
    shutil.rmtree(stage, ignore_errors=True)


def recover(out: Path) -> None:
    """Finish the commit of a stage a killed run left complete; remove any other."""
    for stage in out.glob(f"{STAGE_PREFIX}*"):
        if (stage / _COMPLETE).is_file():
            _roll_forward(stage, out)
        else:
            shutil.rmtree(stage, ignore_errors=True)


def swap_in(new: Path, dest: Path) -> None:
    """Put folder ``new`` at ``dest`` in one step (Linux: renameat2 exchange,
    so ``dest`` is never missing), then remove the old version."""
    if not dest.exists():
        os.replace(new, dest)
        return
    if _exchange(new, dest):
        shutil.rmtree(new, ignore_errors=True)  # now the old version
        return
    old = new.with_name(new.name + _OLD)
    os.replace(dest, old)
    os.replace(new, dest)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # not supported by this file system
    raise OSError(err, os.strerror(err), str(b))


def spreadsheet_cell(text) -> str:
    """A CSV cell that a spreadsheet never reads as a formula (``=``, ``+``,
    ``-``, ``@`` first: quoted with ``'``)."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
