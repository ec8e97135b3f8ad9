"""The console entry point ends the process without the interpreter's
teardown (:func:`derive.cli.main_exit`): output whole, status kept, exit
handlers run, and the normal exit whenever something is still running."""

import json
import os
import subprocess
import sys
from pathlib import Path

from derive.numerics.key import reference_key


def _env(tmp_path) -> dict:
    env = {**os.environ, "HANDOUTS_CACHE": str(tmp_path / "cache")}
    env.pop("PYTHONUNBUFFERED", None)   # stdout buffered, as for a user
    return env


def _python(code: str, tmp_path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), cwd=tmp_path,
                          timeout=600, **kwargs)


def test_the_output_is_whole_in_a_file_and_through_a_pipe(tmp_path):
    out = tmp_path / "key.json"
    with out.open("w") as f:
        to_file = subprocess.run([sys.executable, "-m", "derive", "key"], stdout=f,
                                 env=_env(tmp_path), timeout=600)
    piped = subprocess.run([sys.executable, "-m", "derive", "key"], capture_output=True,
                           text=True, env=_env(tmp_path), timeout=600)
    assert to_file.returncode == piped.returncode == 0
    assert out.read_text() == piped.stdout
    assert json.loads(piped.stdout) == json.loads(json.dumps(reference_key()))


def test_the_exit_status_is_kept(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "derive", "key", "--params", "missing.toml"],
                         capture_output=True, text=True, env=_env(tmp_path), cwd=tmp_path,
                         timeout=600)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "missing.toml" in bad.stderr
    with open("/dev/full", "w") as full:   # the line after writing the file cannot be written
        done = subprocess.run([sys.executable, "-m", "derive", "init", "mine.toml"],
                              stdout=full, env=_env(tmp_path), cwd=tmp_path, timeout=600)
    assert done.returncode == 120 and (tmp_path / "mine.toml").is_file()


EXIT_HANDLERS = """
import atexit, sys, tempfile
from derive import cli
kept = tempfile.TemporaryDirectory()   # removed by its finalizer, an exit handler
print(kept.name)
atexit.register(print, "handler ran")
sys.stdout.write("x" * 100_000 + "\\n")
cli.main = lambda argv=None: 3
cli.main_exit()
print("not reached")
"""


def test_exit_handlers_run_and_temporary_folders_are_removed(tmp_path):
    done = _python(EXIT_HANDLERS, tmp_path, capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    folder, xs, handler = done.stdout.splitlines()
    assert xs == "x" * 100_000 and handler == "handler ran"
    assert folder and not Path(folder).exists()


RUNNING = """
import multiprocessing, sys, threading, time
from derive import cli
def late():
    time.sleep(0.5)
    print("thread done", flush=True)
if sys.argv[1] == "thread":
    threading.Thread(target=late).start()
else:
    child = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(0.5,))
    child.start()
print(cli._nothing_pending())
cli.main = lambda argv=None: 0
cli.main_exit()
"""


def test_the_normal_exit_when_a_thread_or_a_child_runs(tmp_path):
    thread = subprocess.run([sys.executable, "-c", RUNNING, "thread"], capture_output=True,
                            text=True, env=_env(tmp_path), cwd=tmp_path, timeout=600)
    assert thread.returncode == 0 and thread.stdout.split() == ["False", "thread", "done"]
    child = subprocess.run([sys.executable, "-c", RUNNING, "child"], capture_output=True,
                           text=True, env=_env(tmp_path), cwd=tmp_path, timeout=600)
    assert child.returncode == 0 and child.stdout.split() == ["False"], child.stderr
