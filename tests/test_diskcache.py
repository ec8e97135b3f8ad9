"""The on-disk caches' shared entries (derive.diskcache): read, kept, trimmed."""

import os

from derive import diskcache


def test_an_entry_kept_is_read_back_and_made_recently_used(tmp_path):
    path = tmp_path / "cache" / "e.bin"
    diskcache.keep(path, b"data")
    os.utime(path, (1000, 1000))
    assert diskcache.read(path) == b"data" and path.stat().st_mtime > 1000
    assert diskcache.read(tmp_path / "cache" / "missing") is None
    assert diskcache.read(None) is None


def test_an_unwritable_folder_keeps_nothing_silently(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("")      # a file where the folder would be
    diskcache.keep(blocked / "e.bin", b"data", limit=10)
    assert blocked.read_text() == "" and diskcache.read(blocked / "e.bin") is None


def test_trim_removes_the_least_recently_used_beyond_the_limit(tmp_path):
    for i in range(10):
        path = tmp_path / f"e{i}.pdf"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    diskcache.trim(tmp_path, limit=2000)
    assert len(list(tmp_path.iterdir())) == 10
    diskcache.trim(tmp_path, limit=600)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"e{i}.pdf" for i in range(6, 10)]


def test_a_limited_folder_is_trimmed_at_the_first_entry_and_every_so_often(tmp_path):
    for i in range(8):
        old = tmp_path / f"old{i}"
        old.write_bytes(b"x" * 100)
        os.utime(old, (1000 + i, 1000 + i))
    diskcache.keep(tmp_path / "new0", b"y" * 100, limit=400)   # the first: trimmed to 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new0", "old6", "old7"]
    for i in range(1, diskcache.TRIM_EVERY):
        diskcache.keep(tmp_path / f"new{i}", b"y", limit=400)      # not looked at
    assert (tmp_path / "old6").exists()
    diskcache.keep(tmp_path / "last", b"y" * 100, limit=400)       # the 64th after: trimmed
    assert not (tmp_path / "old6").exists()


def test_off_switches_every_cache_off(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    assert diskcache.cache_dir() is None
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path))
    assert diskcache.cache_dir() == tmp_path
