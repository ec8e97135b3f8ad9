import os
import shutil
import tempfile
import time
from pathlib import Path

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


def pytest_unconfigure(config):
    shutil.rmtree(SESSION_TMP, ignore_errors=True)
