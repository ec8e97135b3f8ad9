"""Fault injection: what the tool promises when things go wrong (README,
"What the tool promises when things go wrong"). A pdflatex that writes no
PDF or garbage, a full disk, a read-only folder, two runs into one folder,
kill -9 / SIGTERM / Ctrl-C, an unwritable HOME, hostile arguments."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import derive.documents.assignment_build
import derive.documents.build
import derive.numerics.key
from derive.cli import main
from derive.files import STAGE_PREFIX, folder_lock, recover

ROOT = Path(__file__).resolve().parents[1]
HANDOUTS = [sys.executable, "-m", "derive"]


def files_of(folder: Path) -> dict[str, bytes]:
    """The outputs in a folder (not a stage kept for its log)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(STAGE_PREFIX)}


def stages(folder: Path) -> list[Path]:
    return list(folder.glob(f"{STAGE_PREFIX}*"))


def leftovers(tmp: Path) -> list[str]:
    """Temporary folders and files left in a TMPDIR (Jinja's bytecode cache
    is a cache, kept on purpose)."""
    return [p.name for p in tmp.iterdir() if not p.name.startswith("_jinja2-cache")]


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def old_report(tmp_path_factory) -> Path:
    """A real report, built once; tests work on copies."""
    out = tmp_path_factory.mktemp("old") / "reports"
    assert main(["report", "--out", str(out)]) == 0
    return out


@pytest.fixture
def report_copy(old_report, tmp_path) -> Path:
    out = tmp_path / "reports"
    shutil.copytree(old_report, out)
    return out


def fake_pdflatex(folder: Path, body: str) -> Path:
    """A pdflatex stand-in: a shell script; ``$job`` is the job name."""
    script = folder / "pdflatex"
    script.write_text('#!/bin/sh\nfor a; do last="$a"; done\njob=$(basename "$last" .tex)\n'
                      + body + "\n")
    script.chmod(0o755)
    return script


# --------------------------------------------------------------------------
# report: the folder replaced whole or not at all

GARBAGE = 'printf "not a pdf" > "$job.pdf"\n' \
          'echo "Output written on $job.pdf (1 page, 9 bytes)." > "$job.log"'


@pytest.mark.parametrize("body,words,kept", [
    ("exit 0", "pdflatex wrote no", False),
    (GARBAGE, "is not a whole PDF", True),
    ('cp "$PDF" "$job.pdf"\necho "Output written on $job.pdf (99 pages, 9 bytes)." > "$job.log"',
     "the log says 99", True),
], ids=["no-pdf", "garbage", "page-count"])
def test_report_keeps_old_outputs_when_pdflatex_lies(report_copy, tmp_path, monkeypatch,
                                                      capsys, body, words, kept):
    monkeypatch.setattr(derive.documents.build, "PDFLATEX", str(fake_pdflatex(tmp_path, body)))
    monkeypatch.setenv("PDF", str(report_copy / "problems.pdf"))
    before = files_of(report_copy)
    assert main(["report", "--out", str(report_copy)]) == 1
    err = one_line(capsys.readouterr().err)
    assert words in err
    assert files_of(report_copy) == before
    left = stages(report_copy)
    if kept:  # kept for its log, named in the message; the next run removes it
        assert len(left) == 1 and str(left[0].name) in err
        recover(report_copy)
    assert stages(report_copy) == [] and files_of(report_copy) == before


def test_report_disk_full_is_one_line_and_old_outputs_intact(report_copy, monkeypatch, capsys):
    def full(work, *args, **kw):
        (work / "handout.tex").write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(work / "handout.tex"))
    monkeypatch.setattr(derive.documents.assignment_build, "compile_sources", full)
    before = files_of(report_copy)
    assert main(["report", "--out", str(report_copy)]) == 1
    err = one_line(capsys.readouterr().err)
    assert "handout.tex: No space left on device" in err
    assert files_of(report_copy) == before and stages(report_copy) == []


@pytest.fixture
def tmpfs(tmp_path):
    """A small tmpfs (root and a working mount only)."""
    where = tmp_path / "mnt"
    where.mkdir()

    def mount(size: str) -> Path:
        try:
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            pytest.skip("cannot mount a tmpfs here")
        return where
    yield mount
    subprocess.run(["umount", str(where)], capture_output=True)


def test_report_on_a_really_full_disk(old_report, tmpfs, capsys):
    disk = tmpfs("1m")
    out = disk / "reports"
    shutil.copytree(old_report, out)
    free = shutil.disk_usage(disk).free
    (disk / "filler").write_bytes(b"\0" * max(free - 64 * 1024, 0))
    before = files_of(out)
    assert main(["report", "--out", str(out)]) == 1
    err = one_line(capsys.readouterr().err)
    assert "No space left" in err or "LaTeX error" in err
    assert files_of(out) == before
    assert all(s.name in err for s in stages(out))  # none, or the one named for its log


def test_read_only_folders_are_one_line(old_report, tmpfs, tmp_path, capsys):
    disk = tmpfs("2m")
    shutil.copytree(old_report, disk / "reports")
    (disk / "v").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"student": "Ada", "answers": {"q7": 0.5}}))
    for argv, path in [
            (["report", "--out", str(disk / "reports")], disk / "reports"),
            (["variants", "--count", "1", "--seed", "1", "--jobs", "1", "--out", str(disk / "v")],
             disk / "v"),
            (["grade", "--answers", str(answers), "--key", str(old_report / "answer-key.json"),
              "--no-pdf", "--out", str(disk / "g")], disk / "g")]:
        capsys.readouterr()
        assert main(argv) == 1, argv
        err = one_line(capsys.readouterr().err)
        assert str(path) in err and "Read-only file system" in err


def test_two_runs_into_one_folder_one_is_refused(report_copy, tmp_path, capsys):
    before = files_of(report_copy)
    with folder_lock(report_copy):
        assert main(["report", "--out", str(report_copy)]) == 1
        err = one_line(capsys.readouterr().err)
        assert str(report_copy) in err and "another handouts run is writing" in err
        (tmp_path / "v").mkdir()
        with folder_lock(tmp_path / "v"):
            assert main(["variants", "--count", "1", "--seed", "1", "--out",
                         str(tmp_path / "v")]) == 1
            assert "another handouts run" in one_line(capsys.readouterr().err)
    assert files_of(report_copy) == before


def test_the_lock_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from derive.files import folder_lock\n"
                               "with folder_lock(Path(sys.argv[1])):\n"
                               "    print('held', flush=True); time.sleep(60)", str(tmp_path)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(BlockingIOError):
        with folder_lock(tmp_path):
            pass
    holder.kill()
    holder.wait()
    with folder_lock(tmp_path):  # released by the kernel
        pass


# --------------------------------------------------------------------------
# variants: a PDF that is not one is never installed, nor marked current

def test_variants_never_install_a_garbage_pdf(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(derive.documents.build, "PDFLATEX", str(fake_pdflatex(tmp_path, GARBAGE)))
    out = tmp_path / "v"
    assert main(["variants", "--count", "1", "--seed", "4", "--jobs", "1", "--out", str(out)]) == 1
    err = one_line(capsys.readouterr().err)
    assert "s4-0: " in err and "is not a whole PDF" in err
    assert not (out / "s4-0").exists() and not (out / "manifest.json").exists()


# --------------------------------------------------------------------------
# no orphans: kill the main process, look for survivors in /proc

def _marked(mark: bytes) -> list[int]:
    """Live processes whose environment carries ``mark`` (zombies have none)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if mark in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def _sleeping_compiles(pids: list[int]) -> int:
    count = 0
    for pid in pids:
        try:
            count += b"sleep" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            pass
    return count


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL", "SIGINT"])
def test_killing_variants_leaves_no_process_and_no_folder(tmp_path, how):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_pdflatex(bin_dir, "exec sleep 120")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    mark = f"handouts-fault-{uuid.uuid4().hex}"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "TMPDIR": str(tmp),
           "FAULT_MARK": mark, "PYTHONPATH": str(ROOT)}
    main_proc = subprocess.Popen(HANDOUTS + ["variants", "--count", "2", "--seed", "9",
                                             "--jobs", "2", "--out", str(tmp_path / "v")],
                                 cwd=tmp_path, env=env, start_new_session=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while _sleeping_compiles(_marked(mark.encode())) < 2:
            assert main_proc.poll() is None, main_proc.communicate()
            assert time.monotonic() < deadline, "the compiles never started"
            time.sleep(0.2)
        if how == "SIGINT":  # Ctrl-C: the terminal signals the whole foreground group
            os.killpg(main_proc.pid, signal.SIGINT)
        else:
            main_proc.send_signal(getattr(signal, how))
        _, err = main_proc.communicate(timeout=30)
        deadline = time.monotonic() + 5
        while _marked(mark.encode()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _marked(mark.encode()) == []
    finally:
        for pid in _marked(mark.encode()):
            os.kill(pid, signal.SIGKILL)
    if how != "SIGKILL":
        assert err.decode().count("\n") == 1 and "Traceback" not in err.decode(), err
        assert main_proc.returncode == 128 + getattr(signal, how)
    assert leftovers(tmp) == []
    # what a kill -9 leaves in the set folder is removed by the next run
    if (tmp_path / "v").exists():
        recover(tmp_path / "v")
        assert stages(tmp_path / "v") == []


# --------------------------------------------------------------------------
# the environment: one line each

def test_unwritable_home_leaves_no_matplotlib_folder(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HANDOUTS_CACHE")}
    env.update(HOME="/proc/nonexistent", TMPDIR=str(tmp), PYTHONPATH=str(ROOT))
    proc = subprocess.run(HANDOUTS + ["report", "--out", str(tmp_path / "r")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "matplotlib-" not in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "r" / "handout.pdf").is_file()
    assert leftovers(tmp) == []


def test_missing_pdflatex_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(derive.documents.build, "PDFLATEX", str(tmp_path / "no-such-pdflatex"))
    assert main(["report", "--out", str(tmp_path / "r")]) == 1
    err = one_line(capsys.readouterr().err)
    assert "not found; install TeX" in err
    assert [p.name for p in (tmp_path / "r").iterdir()] == []


@pytest.mark.parametrize("argv,words", [
    (["variants", "--count", "1", "--seed", "9" * 300], "--seed: at most 40 digits"),
    (["variants", "--count", "1", "--seed", "1", "--config", "{deep}"], "nested too deeply"),
    (["report", "--config", "{deep}"], "nested too deeply"),
    (["report", "--out", "{file}"], "--out: {file} exists and is not a folder"),
    (["variants", "--count", "1", "--seed", "1", "--out", "{file}"], "is not a folder"),
    (["grade", "--answers", "{answers}", "--key", "{key}", "--out", "{file}"], "not a folder"),
], ids=["long-seed", "deep-toml-variants", "deep-toml-report", "report-out-file",
        "variants-out-file", "grade-out-file"])
def test_hostile_arguments_are_one_line_exit_2(tmp_path, capsys, argv, words):
    deep = tmp_path / "deep.toml"
    deep.write_text("[variants]\nx = " + "[" * 1000 + "]" * 1000 + "\n")
    file = tmp_path / "file"
    file.write_text("not a folder")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"student": "Ada", "answers": {}}))
    key = tmp_path / "key.json"
    key.write_text(json.dumps(derive.numerics.key.reference_key()))
    names = dict(deep=deep, file=file, answers=answers, key=key)
    assert main([a.format(**names) for a in argv] + (
        ["--out", str(tmp_path / "o")] if "--out" not in argv else [])) == 2
    assert words.format(**names) in one_line(capsys.readouterr().err)
    assert file.read_text() == "not a folder" and not (tmp_path / "o").exists()


def test_check_without_a_set_writes_nothing(tmp_path, capsys):
    out = tmp_path / "none"
    assert main(["variants", "--count", "1", "--seed", "1", "--out", str(out), "--check"]) == 1
    assert "no readable manifest.json" in capsys.readouterr().out
    assert not out.exists()
