import os
import stat

import pytest

from derive.files import (STAGE_PREFIX, commit, files_digest, folder_lock, recover, swap_in,
                          temp_folder, updating, write_atomic)


def test_write_atomic_replaces_whole_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode == 0o666 & ~_umask()


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")

    def broken(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_digest_follows_names_contents_and_extras(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("x = 1\n")
    assert files_digest([a]) == files_digest([a])
    assert files_digest([a]) != files_digest([b])          # the name counts
    assert files_digest([a]) != files_digest([a], "1.14")   # so do the extras
    before = files_digest([a])
    a.write_text("x = 2\n")
    assert files_digest([a]) != before


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------
# folders replaced whole


def _old_folder(out):
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "figures").mkdir()
    (out / "figures" / "f.pdf").write_text("old f")
    (out / "figures" / "stale.pdf").write_text("old stale")
    (out / "mine.txt").write_text("not ours")


def _stage_new(stage):
    (stage / "a.txt").write_text("new a")
    (stage / "figures").mkdir()
    (stage / "figures" / "f.pdf").write_text("new f")
    (stage / "work.log").write_text("not committed")


def test_commit_replaces_entries_whole_and_leaves_the_rest(tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    with updating(out) as stage:
        _stage_new(stage)
        commit(stage, out, ["a.txt", "figures"])
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == \
        ["a.txt", "figures", "figures/f.pdf", "mine.txt"]
    assert (out / "a.txt").read_text() == "new a" and (out / "mine.txt").read_text() == "not ours"


def test_a_failed_build_leaves_the_old_folder_and_no_stage(tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    with pytest.raises(OSError):
        with updating(out) as stage:
            _stage_new(stage)
            raise OSError(28, "No space left on device", str(stage / "a.txt"))
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "figures", "mine.txt"]
    assert (out / "figures" / "stale.pdf").read_text() == "old stale"


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs in this process."""


def test_a_kill_during_the_commit_is_finished_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _old_folder(out)
    stage = out / f"{STAGE_PREFIX}killed"
    stage.mkdir()
    _stage_new(stage)
    real, calls = os.replace, []

    def dies_after_one(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # after .complete and a.txt: the first rename of figures
            raise Killed
        real(src, dst)
    monkeypatch.setattr(os, "replace", dies_after_one)
    with pytest.raises(Killed):
        commit(stage, out, ["a.txt", "figures"])
    monkeypatch.setattr(os, "replace", real)
    assert (out / "a.txt").read_text() == "new a" and stage.exists()
    recover(out)
    assert (out / "figures" / "f.pdf").read_text() == "new f"
    assert not (out / "figures" / "stale.pdf").exists() and not stage.exists()


def test_a_stage_never_committed_is_removed(tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    (out / f"{STAGE_PREFIX}half").mkdir()
    (out / f"{STAGE_PREFIX}half" / "a.txt").write_text("half")
    recover(out)
    assert (out / "a.txt").read_text() == "old a" and not (out / f"{STAGE_PREFIX}half").exists()


def test_a_stage_holding_a_log_is_kept_for_it(tmp_path):
    out = tmp_path / "out"

    class Failed(Exception):
        log_path = None
    with pytest.raises(Failed):
        with updating(out) as stage:
            Failed.log_path = stage / "x.log"
            (stage / "x.log").write_text("! error")
            raise Failed
    assert (out / stage.name / "x.log").is_file()


def test_swap_in_replaces_a_folder_in_one_step(tmp_path):
    dest = tmp_path / "v"
    dest.mkdir()
    (dest / "old").write_text("old")
    new = tmp_path / ".tmp-v"
    new.mkdir()
    (new / "new").write_text("new")
    swap_in(new, dest)
    assert [p.name for p in dest.iterdir()] == ["new"] and not new.exists()


def test_the_lock_refuses_a_second_holder(tmp_path):
    with folder_lock(tmp_path):
        with pytest.raises(BlockingIOError, match="another handouts run"):
            with folder_lock(tmp_path):
                pass
    with folder_lock(tmp_path):
        pass


def test_temp_folder_is_removed_unless_it_holds_the_log(tmp_path):
    with temp_folder(dir=tmp_path) as work:
        (work / "x").write_text("x")
    assert not work.exists()

    class Failed(Exception):
        pass
    with pytest.raises(Failed):
        with temp_folder(dir=tmp_path) as work:
            raise Failed
    assert not work.exists()
    with pytest.raises(Failed):
        with temp_folder(dir=tmp_path) as work:
            (work / "a.log").write_text("! error")
            e = Failed()
            e.log_path = work / "a.log"
            raise e
    assert work.exists()
