"""Where the build tasks run: local worker processes, or a Dask cluster.

Both are :class:`concurrent.futures.Executor`s, so the build submits the same
tasks to either. A task takes plain data (an answer key, the config) and
returns the bytes of the files it made, so a cluster's workers need no shared
file system: only TeX (pdflatex with the packages of ``make tex``) and this
package installed, at the same version as the client.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterator

from derive.spec import InputError

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
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
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
