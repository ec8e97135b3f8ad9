"""No test can hang (issue 15): the project's per-test time limit applies to
every test, none switches it off, and every process a test starts ends with
it: one left running is killed and fails its test, and one still running at
the time limit is killed before the test process exits. The inner sessions
run in a subprocess (pytester), with the project's pytest configuration and
conftest.py; only the limit is shortened there."""

import json
import re
import tomllib
from pathlib import Path

import psutil
import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]


@pytest.fixture
def project(pytester, monkeypatch):
    """A pytester folder with the project's pytest configuration and conftest.py;
    the inner session's temporary files stay in it (one that times out cannot
    remove them)."""
    (pytester.path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(pytester.path / "tmp"))
    lines = [f"{k} = {json.dumps(v)}" for k, v in CONFIG.items() if k != "testpaths"]
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n" + "\n".join(lines) + "\n")
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    yield pytester
    for pid_file in pytester.path.glob("*.pid"):   # what a failing check left running
        if not _gone(pid_file):
            psutil.Process(int(pid_file.read_text())).kill()


def _gone(pid_file: Path) -> bool:
    pid = int(pid_file.read_text())
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


CHILD = """
import subprocess, time
from pathlib import Path


def start_sleep(name="child"):
    child = subprocess.Popen(["sleep", "60"])
    Path(f"{name}.pid").write_text(str(child.pid))
    return child
"""


def test_the_project_limits_every_test_with_the_thread_method(request):
    # the thread method: SIGALRM is the grader's own formula time limit
    assert float(request.config.getini("timeout")) == 300
    assert request.config.getini("timeout_method") == "thread"
    assert CONFIG["timeout"] == 300 and CONFIG["timeout_method"] == "thread"


def test_a_test_past_the_limit_fails_and_its_child_is_killed(project):
    project.makepyfile(CHILD + """

def test_stuck():
    start_sleep()
    time.sleep(60)


def test_next():
    pass
""")
    result = project.runpytest_subprocess("-o", "timeout=2", "-p", "no:cacheprovider",
                                          timeout=120)
    assert result.ret != 0
    out = result.stdout.str() + result.stderr.str()
    assert "Timeout" in out
    assert "processes running at the timeout (killed): pid" in out and "sleep 60" in out
    assert _gone(project.path / "child.pid")


def test_a_test_past_the_limit_fails_under_xdist(project):
    project.makepyfile(CHILD + """

def test_stuck():
    start_sleep()
    time.sleep(60)
""")
    # the test process is the worker: it exits at the limit, its child first
    result = project.runpytest_subprocess("-o", "timeout=2", "-n", "1", "--max-worker-restart=0",
                                          "-p", "no:cacheprovider", timeout=120)
    out = result.stdout.str()
    assert result.ret != 0 and "worker 'gw0' crashed while running" in out and "1 failed" in out
    assert _gone(project.path / "child.pid")


def test_a_child_left_running_is_killed_and_fails_its_test(project):
    project.makepyfile(CHILD + """

def test_leaks():
    start_sleep()


def test_stops_its_child():
    child = start_sleep("stopped")
    child.kill()
    child.wait()
""")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=2, errors=1)
    out = result.stdout.str()
    assert "processes left running at the end of the test (killed): pid" in out
    assert "sleep 60" in out and "ERROR at teardown of test_leaks" in out
    assert _gone(project.path / "child.pid")


PATTERNS = [r"mark\.timeout\(\s*(0|None)\b", r"timeout\s*=\s*(0|None)\b",
            r"--timeout[= ]0\b", r"timeout_method\s*=\s*[\"']?signal"]


def test_no_test_switches_the_limit_off():
    found = []
    for path in [*(ROOT / "tests").rglob("*.py"), ROOT / "pyproject.toml", ROOT / "Makefile"]:
        if path == Path(__file__).resolve():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "settimeout" not in line and any(re.search(p, line) for p in PATTERNS):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found
