"""``grade --execute``: notebooks run in real kernels (ipykernel), without
network, in their own folders; what they show read as saved outputs are.
Kernels take a second or two each: a handful of tests."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from derive.cli import main
from derive.grading import notebook_run as nr
from derive.grading.kind_answers import key_submission
from derive.grading.notebook_answers import load_notebook, read_outputs
from derive.numerics.key import dumps, reference_key
from derive.problem.spec import InputError
from tests.grading import notebook_factory as nf


def ours(marker: str = "never shown") -> list[str]:
    """Processes of this test process's kernels (their command lines name its
    temporary folder), or with ``marker`` in their command line."""
    here = tempfile.gettempdir()
    out = []
    for p in psutil.process_iter(["cmdline"]):
        line = " ".join(p.info["cmdline"] or [])
        if here in line and "ipykernel" in line or marker in line:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def key():
    return reference_key()


def test_a_run_shows_what_the_saved_outputs_show(tmp_path, key):
    right = key_submission(key)["answers"]
    wrong = {**right, "q7": 0.5, "q12": {"grad": right["q12"]["grad"], "new": [[1, 2], [3, 4]]}}
    paths = [nf.write(nf.notebook(key, a, outputs=False), tmp_path / f"{i}.ipynb")
             for i, a in enumerate((right, wrong))]
    ran = nr.execute_all([Path(p) for p in paths], timeout=60, jobs=2)
    for a, nb in zip((right, wrong), ran):
        assert read_outputs(nb) == read_outputs(nf.notebook(key, a))
    assert read_outputs(ran[1])[2]["q7"] == 0.5
    assert load_notebook(paths[0])["cells"][-1]["outputs"] == []   # the file is left as it was
    assert not ours()


def test_a_notebook_has_no_network_and_writes_only_in_its_folder(tmp_path, key):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    probe = f"""\
import socket, os, subprocess
for where in [("1.1.1.1", 53), ("127.0.0.1", {port})]:
    try:
        socket.create_connection(where, timeout=3).close()
        print("connected", where)
    except OSError as e:
        print("refused", where, e.__class__.__name__)
open("written.txt", "w").write("x")
open(os.path.expanduser("~/home.txt"), "w").write("x")
for outside in [{str(tmp_path / "outside.txt")!r}, "/dev/shm/handouts-test"]:
    try:
        open(outside, "w").write("x")
    except OSError as e:
        print("not written", e.__class__.__name__)
subprocess.Popen(["sleep", "4242.125"], start_new_session=True)
print("folder", os.getcwd() == os.path.expanduser("~"))
# the keys and the other notebooks are out of sight: the submitted file, the project
for secret in [{str(tmp_path / "p.ipynb")!r}, {str(Path.cwd() / "derive")!r}]:
    print("sees" if os.path.exists(secret) else "hidden", secret)
q7 = 0.25"""
    path = nf.write(nf.notebook(key, sources={"q7": probe}, outputs=False), tmp_path / "p.ipynb")
    [nb] = nr.execute_all([Path(path)], timeout=60)
    server_got = []
    try:
        server_got.append(server.accept())
    except socket.timeout:
        pass
    finally:
        server.close()
    [cell] = [c for c in nf.tagged(nb, "answer") if "probe" in c.source or "socket" in c.source]
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "connected" not in text and text.count("refused") == 2 and "folder True" in text
    assert text.count("not written") == 1 and not Path("/dev/shm/handouts-test").exists()
    assert text.count("hidden") == 2 and "sees" not in text
    assert not server_got
    assert read_outputs(nb)[2]["q7"] == 0.25
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.ipynb"]
    assert not (Path.home() / "home.txt").exists() and not Path("written.txt").exists()
    assert not ours("sleep 4242.125")


def test_a_cell_past_the_timeout_stops_the_run_there(tmp_path, capsys, key):
    (tmp_path / "key.json").write_text(dumps(key))
    folder = tmp_path / "in"
    folder.mkdir()
    right = key_submission(key)["answers"]
    nf.write(nf.notebook(key, right, sources={"q6": "import time\ntime.sleep(60)"},
                         outputs=False), folder / "ada.ipynb")
    nf.write(nf.notebook(key, right, outputs=False), folder / "bob.ipynb")
    assert main(["grade", "--notebooks", str(folder), "--key", str(tmp_path / "key.json"),
                 "--execute", "--timeout", "2", "--jobs", "1", "--json"]) == 0
    ada, bob = json.loads(capsys.readouterr().out)["students"]
    # graded as far as the run went, as a run stopped at an exception is
    assert "error" not in ada and ada["variant"] == "reference"
    assert any("cell q6-answer raised TimeoutError" in n and "did not run" in n
               for n in ada["notes"])
    assert ada["items"]["q5"]["status"] == "correct" and ada["items"]["q6"]["status"] == "missing"
    assert bob["score"] == 100 and "error" not in bob
    assert not ours()


def test_without_a_namespace_nothing_is_run(monkeypatch):
    monkeypatch.setattr(nr, "SANDBOX", ("unshare", "--no-such-option"))
    with pytest.raises(InputError, match="refusing to run"):
        nr.sandbox()
    monkeypatch.setattr(nr.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="needs setpriv, prlimit and unshare"):
        nr.sandbox()


def test_a_dead_kernel_or_a_flood_of_output_is_that_student_s_error(tmp_path, key, monkeypatch):
    monkeypatch.setattr(nr, "MAX_OUTPUT", 50_000)
    sources = [{"q6": "import os\nos._exit(1)"}, {"q7": "for i in range(100):\n    print('x' * 1000)"}]
    paths = [Path(nf.write(nf.notebook(key, sources=s, outputs=False), tmp_path / f"{i}.ipynb"))
             for i, s in enumerate(sources)]
    dead, flood = nr.execute_all(paths, timeout=30, jobs=2)
    assert dead.startswith("the kernel died in cell q6-answer")
    assert flood.startswith("the notebook's outputs exceed")
    assert not ours()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL])
def test_a_grader_stopped_leaves_no_kernel_running(tmp_path, key, stop):
    source = 'import subprocess, time\nsubprocess.Popen(["sleep", "4242.25"])\ntime.sleep(100)'
    path = nf.write(nf.notebook(key, sources={"q6": source}, outputs=False), tmp_path / "a.ipynb")
    left = tempfile.mkdtemp(prefix="ho-", dir="/tmp")   # what a grader killed leaves there
    try:
        grader = subprocess.Popen([sys.executable, "-c", "import sys; from derive.grading "
                                   "import notebook_run as nr; nr.execute_all([sys.argv[1]], 60)",
                                   path], env={**os.environ, "TMPDIR": left})
        deadline = time.monotonic() + 30
        while not ours("sleep 4242.25") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ours("sleep 4242.25")
        grader.send_signal(stop)
        grader.wait(timeout=20)
    finally:
        shutil.rmtree(left)
    deadline = time.monotonic() + 10
    while ours("sleep 4242.25") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not ours("sleep 4242.25")


def test_a_run_stops_at_a_student_s_exception_as_run_all_does(tmp_path, key):
    right = key_submission(key)["answers"]
    path = nf.write(nf.notebook(key, right, sources={"q8": "q8 = W_undefined"}, outputs=False),
                    tmp_path / "e.ipynb")
    [nb] = nr.execute_all([Path(path)], timeout=60)
    _, _, answers, notes = read_outputs(nb)
    assert answers["q7"] == right["q7"] and "q8" not in answers and "q14" not in answers
    assert any("raised NameError" in n and "did not run" in n for n in notes)
    assert not ours()


def test_without_nbclient_nothing_is_run(monkeypatch):
    monkeypatch.setitem(sys.modules, "nbclient", None)   # `import nbclient` fails
    with pytest.raises(InputError, match=r"needs nbclient and ipykernel: pip install "
                                         r"'handouts\[notebooks\]'"):
        nr.sandbox()
