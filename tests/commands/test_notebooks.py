"""``handouts notebooks``: the notebooks of an assignment or of a variant
set's keys, moved into place whole; bad options one line, exit 2."""

import json

import pytest

from derive.cli import main
from derive.notebooks import format as nbf
from derive.notebooks.build import VariantNotebooks, notebook_bytes, student_notebook
from derive.numerics.key import dumps
from derive.problem.config import Config
from tests.notebooks.notebooks import instance


def test_writes_the_references_notebooks(tmp_path, capsys):
    out = tmp_path / "nb"
    assert main(["notebooks", "--out", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "reference.ipynb", "solutions", "solutions/reference.ipynb"]
    assignment, key = instance("reference")
    assert (out / "reference.ipynb").read_bytes() == notebook_bytes(
        student_notebook(assignment, key, Config()))
    solution = json.loads((out / "solutions" / "reference.ipynb").read_text())
    assert solution["metadata"][nbf.KEY]["role"] == "solution"
    assert str(out / "reference.ipynb") in capsys.readouterr().out


def _set(folder, name="tanh-mse", count=2, layout="keys.json"):
    """A variant set's keys, as `handouts variants` writes them."""
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.settings import settings_of
    assignment, _ = instance(name)
    keys = generate_assignment_keys(assignment, 3, count, settings_of(Config()))
    folder.mkdir()
    if layout == "keys.json":
        (folder / "keys.json").write_text(dumps(keys))
    else:
        for k in keys:
            (folder / k["variant"]).mkdir()
            (folder / k["variant"] / "key.json").write_text(dumps(k))
    return keys


@pytest.mark.parametrize("layout", ["keys.json", "key.json"])
def test_writes_a_notebook_per_variant_byte_identical(tmp_path, layout):
    keys = _set(tmp_path / "set", layout=layout)
    for run in ("a", "b"):
        assert main(["notebooks", "--keys", str(tmp_path / "set"),
                     "--out", str(tmp_path / run)]) == 0
    for k in keys:
        for path in (f"{k['variant']}.ipynb", f"solutions/{k['variant']}.ipynb"):
            assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()
        meta = json.loads((tmp_path / "a" / f"{k['variant']}.ipynb").read_text())["metadata"]
        assert meta[nbf.KEY]["variant"] == k["variant"]
        assert meta[nbf.KEY]["fingerprint"] == nbf.fingerprint(k)


def test_the_variant_worker_writes_the_same_notebooks(tmp_path):
    from derive.commands.variants import recipe_of
    from derive.variants.instances import instance_context
    keys = _set(tmp_path / "set", name="reference", count=1)
    recipe = recipe_of(type("Args", (), {"assignment": None, "config": None}))
    assert recipe.variant_extras == ("lms.json", "notebook.ipynb", "solution.ipynb")
    assert main(["notebooks", "--keys", str(tmp_path / "set"), "--out", str(tmp_path / "o")]) == 0
    files = VariantNotebooks().files(keys[0], recipe.config, *instance_context(
        recipe.assignment, keys[0], recipe.config))
    v = keys[0]["variant"]
    assert files == {"notebook.ipynb": (tmp_path / "o" / f"{v}.ipynb").read_bytes(),
                     "solution.ipynb": (tmp_path / "o" / "solutions" / f"{v}.ipynb").read_bytes()}


@pytest.mark.parametrize("args,words", [
    (["--keys", "missing"], "--keys: missing: not a folder"),
    (["--keys", "set", "--assignment", "logistic"], "--assignment: key s3-0 is not of the "
                                                    "assignment logistic"),
    (["--keys", "empty"], "--keys: empty: no keys.json and no */key.json inside"),
    (["--assignment", "nope"], "--assignment"),
    (["--config", "missing.toml"], "missing.toml"),
])
def test_bad_options_are_one_line_and_leave_the_outputs(tmp_path, monkeypatch, capsys, args,
                                                       words):
    monkeypatch.chdir(tmp_path)
    _set(tmp_path / "set")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.ipynb").write_text("kept")
    assert main(["notebooks", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["old.ipynb"]


def test_keys_with_a_variant_that_is_no_file_name_are_refused(tmp_path, capsys):
    keys = _set(tmp_path / "set")
    keys[0]["variant"] = "../escape"
    (tmp_path / "set" / "keys.json").write_text(dumps(keys))
    assert main(["notebooks", "--keys", str(tmp_path / "set"), "--out", str(tmp_path / "o")]) == 2
    assert "variant is not a file name" in capsys.readouterr().err
    assert not (tmp_path / "escape.ipynb").exists()


def test_a_class_list_gives_each_student_their_own_notebook(tmp_path, capsys):
    keys = tmp_path / "set"
    _set(keys, count=2)
    roster = tmp_path / "class.csv"
    roster.write_text("student,email\nAnn Lee,a@x\n=cmd|'/c calc'!A1,b@x\nZoë *bold*,c@x\n",
                      encoding="utf-8")
    out = tmp_path / "nb"
    assert main(["notebooks", "--keys", str(keys), "--students", str(roster),
                 "--out", str(out)]) == 0
    rows = (out / "students.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "student,file,variant"
    assert rows[1] == "Ann Lee,students/Ann_Lee.ipynb,s3-0"
    assert rows[2].startswith("'=cmd") and rows[2].endswith(",s3-1")   # never a formula
    assert rows[3] == "Zoë *bold*,students/Zoë_bold.ipynb,s3-0"        # dealt in order
    variant = json.loads((out / "s3-0.ipynb").read_text())
    zoe = json.loads((out / "students" / "Zoë_bold.ipynb").read_text())
    assert zoe["metadata"][nbf.KEY] == {**variant["metadata"][nbf.KEY], "student": "Zoë *bold*"}
    assert zoe["cells"][1:] == variant["cells"][1:]
    intro = "".join(zoe["cells"][0]["source"])
    assert r"The notebook of **Zoë \*bold\***." in intro


def test_a_bad_class_list_is_one_line_and_writes_nothing(tmp_path, capsys):
    roster = tmp_path / "class.txt"
    roster.write_text("Ann\nann\n", encoding="utf-8")
    out = tmp_path / "nb"
    assert main(["notebooks", "--students", str(roster), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--students" in err and "line 2" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("sub", ["students", "solutions"])
def test_a_folder_of_the_instructor_s_own_files_is_never_replaced(tmp_path, capsys, sub):
    roster = tmp_path / "class.txt"
    roster.write_text("Ann\n", encoding="utf-8")
    out = tmp_path / "nb"
    args = ["notebooks", "--students", str(roster), "--out", str(out)]
    assert main(args) == 0   # its own files are replaced by a new run
    assert main(args) == 0
    mine = out / sub / "alice" / "feedback.pdf"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"%PDF")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "alice/feedback.pdf" in err and len(err.strip().splitlines()) == 1
    assert mine.read_bytes() == b"%PDF"
