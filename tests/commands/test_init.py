"""``handouts init``: the starter assignment, as a user runs it."""

import errno

import pytest

import derive.files
from derive.cli import main
from derive.problem.assignment import SHIPPED, load_assignment, shipped


def test_writes_the_commented_starter_that_loads_as_the_example(tmp_path, capsys):
    f = tmp_path / "my.toml"
    assert main(["init", str(f)]) == 0
    assert f.read_bytes() == shipped("tanh-mse").read_bytes()
    assert f"wrote {f}" in capsys.readouterr().out
    mine, example = load_assignment(f), load_assignment("tanh-mse")
    assert mine.name == "my" and mine.parts == example.parts and mine.digest == example.digest
    text = f.read_text()
    for field in ("title", "points", "id", "inputs", "layers", "loss", "W1", "lr", "values",
                  "range", "kind"):
        assert f"{field} " in text  # every field appears, with a comment near it
    assert text.count("#") >= 20


@pytest.mark.parametrize("name", SHIPPED)
def test_starts_from_any_shipped_example(tmp_path, name):
    f = tmp_path / f"{name}.toml"
    assert main(["init", str(f), "--example", name]) == 0
    assert load_assignment(f) == load_assignment(name)


def test_refuses_to_overwrite_unless_forced(tmp_path, capsys):
    f = tmp_path / "my.toml"
    f.write_text("mine\n")
    assert main(["init", str(f)]) == 2
    err = capsys.readouterr().err
    assert err == f"handouts: error: FILE: {f} exists; pass --force to overwrite it\n"
    assert f.read_text() == "mine\n"
    assert main(["init", str(f), "--force"]) == 0
    assert f.read_bytes() == shipped("tanh-mse").read_bytes()


@pytest.mark.parametrize("make,words", [
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: None, "no such folder"),
])
def test_a_bad_target_is_one_line_and_status_2(tmp_path, capsys, make, words):
    target = tmp_path / "a.toml"
    make(target)
    if words == "no such folder":
        target = tmp_path / "none" / "a.toml"
    assert main(["init", str(target), "--force"]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "none").exists()


def test_an_unknown_example_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["init", str(tmp_path / "a.toml"), "--example", "tanh"])
    assert e.value.code == 2 and "invalid choice: 'tanh'" in capsys.readouterr().err
    assert not (tmp_path / "a.toml").exists()


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch, capsys):
    f = tmp_path / "my.toml"
    f.write_text("mine\n")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))
    monkeypatch.setattr(derive.files.os, "replace", full)
    assert main(["init", str(f), "--force"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and str(f) in err
    assert f.read_text() == "mine\n" and [p.name for p in tmp_path.iterdir()] == ["my.toml"]
