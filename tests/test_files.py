import os
import stat

import pytest

from derive.files import files_digest, write_atomic


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
