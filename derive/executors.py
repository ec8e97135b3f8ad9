"""Where the build tasks run: local worker processes, or a Dask cluster.

Both are :class:`concurrent.futures.Executor`s, so the build submits the same
tasks to either. A task takes plain data (an answer key, the config) and
returns the bytes of the files it made, so a cluster's workers need no shared
file system: only TeX (pdflatex with the packages of ``make tex``) and this
package installed, at the same version as the client.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import tempfile
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterator

from derive.files import remove_temp_folders, workers_temp_folder
from derive.problem.spec import InputError

EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_jobs(jobs) -> int:
    """``--jobs``: a whole number of worker processes, at least 1."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError("--jobs", f"expected a whole number of worker processes >= 1, "
                         f"got {jobs!r}")
    return jobs


@contextmanager
def open_executor(kind: str = "local", jobs: int | None = None,
                  scheduler: str | None = None, *, timeout: float = 10) -> Iterator[Executor]:
    """An executor for the build tasks; shut down (pending tasks cancelled) on exit."""
    if kind == "local":
        if scheduler:
            raise InputError("--scheduler", "only used with --executor dask")
        jobs = check_jobs(default_jobs() if jobs is None else jobs)
        # fork: workers start with the modules the parent has already imported
        with worker_pool(jobs, "fork" if "fork" in multiprocessing.get_all_start_methods()
                         else None) as pool:
            yield pool
    elif kind == "dask":
        with _dask_executor(scheduler, timeout) as pool:
            yield pool
    else:
        raise InputError("--executor", f"unknown executor {kind!r}; choose one of "
                         + ", ".join(EXECUTORS))


@contextmanager
def _dask_executor(scheduler: str | None, timeout: float) -> Iterator[Executor]:
    if not scheduler:
        raise InputError("--scheduler", "--executor dask needs the scheduler's address "
                         "(for example tcp://10.0.0.5:8786)")
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--executor", "dask is not installed; install the extra: "
                         "pip install 'handouts[dask]'") from None
    try:
        client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError("--scheduler", f"cannot connect to {scheduler}: "
                         f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    try:
        pool = client.get_executor(pure=False)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True)
    finally:
        client.close()


# --------------------------------------------------------------------------
# No orphans: workers and their pdflatex children end with the main process

_CHILDREN: set[int] = set()   # process groups of running pdflatex children
PR_SET_PDEATHSIG = 1


def track_child(pid: int) -> None:
    """A child started in its own process group, ended with its worker."""
    _CHILDREN.add(pid)


def untrack_child(pid: int) -> None:
    _CHILDREN.discard(pid)


def end_children() -> None:
    """Kill every tracked child's process group."""
    for pid in list(_CHILDREN):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    _CHILDREN.clear()


def die_with_parent(parent: int | None = None) -> None:
    """Linux: get SIGTERM when the parent process dies (prctl PR_SET_PDEATHSIG);
    exit at once if it is gone already. Elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(143)


_ROOT: list[str] = []  # a worker's folder of temporary folders, shared with the other workers


def _on_term(signum, frame) -> None:
    end_children()
    remove_temp_folders()
    for root in _ROOT:  # the last worker to leave removes it (the main process may be gone)
        try:
            os.rmdir(root)
        except OSError:
            pass
    os._exit(128 + signum)


def worker_init(parent: int, tmp: str | None = None) -> None:
    """In each worker: Ctrl-C is the main process's to handle (no tracebacks
    from workers); SIGTERM, or the main process dying, ends the worker, its
    pdflatex children and its temporary folders. Temporary files go under
    ``tmp``, a folder the main process removes once the workers are gone."""
    if tmp is not None:
        tempfile.tempdir = tmp
        _ROOT[:] = [tmp]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    die_with_parent(parent)


@contextmanager
def worker_pool(jobs: int, start_method: str | None = "fork") -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers end with this process: on an error or
    an interrupt they are terminated at once (not waited for). The workers'
    temporary folders live in one folder of this process's, removed after
    them: a worker killed before it could clean up leaves nothing behind."""
    with workers_temp_folder() as tmp:
        pool = ProcessPoolExecutor(max_workers=jobs,
                                   mp_context=multiprocessing.get_context(start_method),
                                   initializer=worker_init, initargs=(os.getpid(), str(tmp)))
        try:
            yield pool
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True, cancel_futures=True)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 3) -> None:
    """Terminate a pool's workers (SIGTERM, then SIGKILL after ``grace`` s)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API in 3.11
    for p in processes:
        p.terminate()
    for p in processes:
        p.join(grace)
        if p.is_alive():
            p.kill()
            p.join()
    pool.shutdown(wait=False, cancel_futures=True)
