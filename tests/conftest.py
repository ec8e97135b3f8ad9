import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

# every test run is reproducible and does not depend on the caller's locale or TeX
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764288000")

# the suite's temporary files go to a folder of its own (one per process), so
# that what the code leaves behind is seen, and removed at the end
SESSION_TMP = Path(tempfile.mkdtemp(prefix="handouts-tests-"))
os.environ["TMPDIR"] = str(SESSION_TMP)
tempfile.tempdir = None  # read TMPDIR again

# lambdified code is cached on disk (derive.numerics.codecache): keep the tests' own
os.environ.setdefault("HANDOUTS_CACHE", str(SESSION_TMP / "cache"))

# what the suite itself makes there: pytest's tmp_path folders, the caches, the
# scratch space of the test Dask clusters
EXPECTED = ("pytest-of-", "cache", "_jinja2-cache", "dask-scratch-space")


def leftovers(folder: Path) -> list[str]:
    """Temporary folders the code left (not one kept for a LaTeX log)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(EXPECTED)
                  and not (p.is_dir() and any(p.rglob("*.log"))))


@pytest.fixture(scope="session", autouse=True)
def no_leftovers():
    """Fails the session's last test when the code left temporary folders."""
    yield
    # a process a test stopped may still be removing its folder: give it a moment
    deadline = time.monotonic() + 10
    while (left := leftovers(SESSION_TMP)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"temporary folders left in TMPDIR: {left}"


# Processes that live as long as the test process by design (multiprocessing's
# helpers, started once and reused): not a test's to stop.
LONG_LIVED = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def _running(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE and not any(
            name in " ".join(p.cmdline()) for name in LONG_LIVED)
    except psutil.Error:   # gone meanwhile
        return False


def descendants() -> dict[tuple[int, float], psutil.Process]:
    """The test process's running descendants (an xdist worker's, under
    ``-n``), by (pid, start time) so that a reused pid is a new process;
    zombies are not running (their owner has yet to reap them)."""
    out = {}
    for p in psutil.Process().children(recursive=True):
        try:
            if _running(p):
                out[p.pid, p.create_time()] = p
        except psutil.Error:
            pass
    return out


def _command(p: psutil.Process) -> str:
    try:
        return f"pid {p.pid}: " + (" ".join(p.cmdline()) or p.name())
    except psutil.Error:
        return f"pid {p.pid}"


def stop(processes, grace: float = 3) -> list[str]:
    """Terminate ``processes`` (SIGKILL after ``grace`` s); the command line
    of each, for the message that names them."""
    processes = list(processes)
    named = [_command(p) for p in processes]
    for p in processes:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(processes, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return named


@pytest.fixture(autouse=True)
def no_leaked_processes():
    """Every process a test starts ends with it, pdflatex included: one still
    running at its end (after a second's grace) is killed, and the test
    fails naming its command line. Processes of fixtures of a wider scope
    were started before this and are theirs to stop."""
    before = set(descendants())
    yield
    left = [p for k, p in descendants().items() if k not in before]
    if left:
        _, left = psutil.wait_procs(left, timeout=1)
    if left:
        pytest.fail("processes left running at the end of the test (killed): "
                    + "; ".join(stop(left)), pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    """pytest-timeout's thread method (the project's: SIGALRM is the grader's
    own formula time limit), with one step first: the test process's
    descendants are killed and named before the process exits, so a hung
    pdflatex dies with its test instead of running on, orphaned."""
    if settings.method != "thread":
        return None
    import pytest_timeout

    def expire():
        if not settings.disable_debugger_detection and pytest_timeout.is_debugging():
            return
        killed = stop(descendants().values())
        if killed:
            sys.stderr.write("processes running at the timeout (killed): "
                             + "; ".join(killed) + "\n")
            sys.stderr.flush()
        pytest_timeout.timeout_timer(item, settings)

    timer = threading.Timer(settings.timeout, expire)
    timer.name = f"pytest_timeout {item.nodeid}"

    def cancel():
        timer.cancel()
        timer.join()

    item.cancel_timeout = cancel
    timer.start()
    return True


def pytest_unconfigure(config):
    shutil.rmtree(SESSION_TMP, ignore_errors=True)
