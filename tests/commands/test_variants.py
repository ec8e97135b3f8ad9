"""``handouts variants`` as an instructor runs it: the layout, byte-identical
rebuilds, incremental builds, extension, recovery after an interruption, the
Dask path and bad input. Real LaTeX runs for 2 variants only; the other
tests swap the compile for a stand-in (the build logic is what they test)."""

import json
import subprocess
from pathlib import Path

import pytest

import derive.documents.build
import derive.variants.build_set
from derive.cli import main
from derive.problem.config import Config
from derive.variants.build_set import STAMP, build_set

SEED = 20261128


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_real_build(tmp_path, capsys):
    """One real build of 2 variants (one test, so a parallel run compiles it
    once): the layout, the collections, a rerun that rebuilds nothing, and a
    second build from the same seed that gives byte-identical files."""
    out = tmp_path / "v"
    argv = ["variants", "--count", "2", "--seed", str(SEED), "--jobs", "2"]
    assert main(argv + ["--out", str(out)]) == 0
    ids = [f"s{SEED}-0", f"s{SEED}-1"]
    for vid in ids:
        names = {p.name for p in (out / vid).iterdir()}
        assert {"problems.tex", "problems.pdf", "handout.tex", "handout.pdf",
                "key.json"} <= names
    top = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert top == set(ids) | {"keys.json", "keys.csv", "all-problems.pdf", "all-solutions.pdf",
                              "moodle.xml", "canvas-qti.zip", "manifest.json"}
    keys = json.loads((out / "keys.json").read_text())
    assert [k["variant"] for k in keys] == ids
    assert all(k["schema"] == 2 and k["assignment"]["name"] == "reference" for k in keys)
    for key in keys:
        assert json.loads((out / key["variant"] / "key.json").read_text()) == key
    # the sources a content hash is made of are the .tex files written
    from derive.commands.variants import recipe_of
    recipe = recipe_of(type("Args", (), {"assignment": None, "config": None}))
    for key, sources in zip(keys, recipe.sources(keys)):
        assert sources == {name: (out / key["variant"] / name).read_text()
                           for name in ("problems.tex", "handout.tex")}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["count"] == 2
    assert list(manifest["variants"]) == ids

    # the collections: every variant, its id on each of its pages, even page counts
    for name in ("all-problems.pdf", "all-solutions.pdf"):
        pages = subprocess.run(["pdftotext", str(out / name), "-"], capture_output=True,
                               text=True, check=True).stdout.split("\f")[:-1]
        assert len(pages) % 2 == 0
        assert all(any(vid in page for vid in ids) for page in pages if page.strip())
        assert ids[1] in "".join(pages)

    # a rerun rebuilds nothing and touches nothing
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert main(argv + ["--out", str(out)]) == 0
    assert "0 built, 2 unchanged" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before

    # the same seed again, elsewhere: byte-identical files
    assert main(argv + ["--out", str(tmp_path / "again")]) == 0
    assert files_of(tmp_path / "again") == files_of(out)


# --------------------------------------------------------------------------
# the build logic, with a stand-in for the compile


def fake_merge(out, ids, stem):
    return (" ".join(ids) + f" {stem}").encode()


def fake_compile(work, sources, figures, timeout):
    """The generic documents' compile: each .tex written, a stand-in PDF."""
    paths = []
    for name, source in sources.items():
        tex, pdf = Path(work) / name, (Path(work) / name).with_suffix(".pdf")
        tex.write_text(source)
        pdf.write_text(f"{name} {len(source)}")
        paths += [tex, pdf]
    return paths


@pytest.fixture
def fake_latex(monkeypatch):
    monkeypatch.setattr(derive.documents.build, "compile_sources", fake_compile)
    monkeypatch.setattr(derive.variants.build_set, "merge_collection", fake_merge)


def test_count_40_extends_count_30(fake_latex, tmp_path):
    first = build_set(30, 7, Config(), tmp_path, jobs=2)
    assert len(first.built) == 30
    before = {vid: files_of(tmp_path / vid) for vid in first.built}
    second = build_set(40, 7, Config(), tmp_path, jobs=2)
    assert second.built == [f"s7-{k:02d}" for k in range(30, 40)]
    assert {vid: files_of(tmp_path / vid) for vid in first.built} == before
    keys = json.loads((tmp_path / "keys.json").read_text())
    assert len(keys) == 40 and (tmp_path / "all-problems.pdf").read_text().count("s7-") == 40
    assert (tmp_path / "all-solutions.pdf").read_text().endswith("s7-39 handout")
    # and back to 30: the same 30 keys, nothing rebuilt
    third = build_set(30, 7, Config(), tmp_path, jobs=2)
    assert third.built == [] and third.collections
    assert json.loads((tmp_path / "keys.json").read_text()) == keys[:30]


def interrupting_compile(work, sources, figures, timeout):
    if "s3-2" in sources["problems.tex"]:
        raise KeyboardInterrupt
    return fake_compile(work, sources, figures, timeout)


def test_interrupted_build_is_recovered(fake_latex, monkeypatch, tmp_path):
    monkeypatch.setattr(derive.documents.build, "compile_sources", interrupting_compile)
    with pytest.raises(KeyboardInterrupt):
        build_set(4, 3, Config(), tmp_path, jobs=1)
    # every variant folder present is whole; nothing half-written is left
    present = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    for name in present:
        assert not name.startswith(".tmp-")
        assert (tmp_path / name / STAMP).is_file() and (tmp_path / name / "key.json").is_file()
    assert "s3-2" not in present and not (tmp_path / "manifest.json").exists()
    # what a kill -9 could leave: a temporary folder; and a folder made stale
    (tmp_path / ".tmp-s3-2-abc").mkdir()
    (tmp_path / ".tmp-s3-2-abc" / "problems.tex").write_text("half")
    if present:
        (tmp_path / present[0] / STAMP).unlink()
    monkeypatch.setattr(derive.documents.build, "compile_sources", fake_compile)
    report = build_set(4, 3, Config(), tmp_path, jobs=1)
    assert sorted(report.built + report.skipped) == ["s3-0", "s3-1", "s3-2", "s3-3"]
    assert set(report.skipped) == set(present[1:])
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())
    assert json.loads((tmp_path / "manifest.json").read_text())["count"] == 4


def test_a_latex_error_is_one_line(fake_latex, monkeypatch, tmp_path, capsys):
    def failing(work, sources, figures, timeout):
        raise derive.documents.build.LatexError("handout.tex", 12, "Undefined control sequence.", None)
    monkeypatch.setattr(derive.documents.build, "compile_sources", failing)
    assert main(["variants", "--count", "1", "--seed", "1", "--out", str(tmp_path / "o"),
                 "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "s1-0: handout.tex:12: Undefined control sequence." in err
    assert err.count("\n") == 1
    assert not (tmp_path / "o" / "s1-0").exists()


def test_dask_executor_on_a_local_cluster(fake_latex, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        report = build_set(3, 5, Config(), tmp_path / "d", executor="dask",
                           scheduler=cluster.scheduler_address)
    local = build_set(3, 5, Config(), tmp_path / "l", jobs=2)
    assert report.built == local.built == ["s5-0", "s5-1", "s5-2"]
    assert files_of(tmp_path / "d") == files_of(tmp_path / "l")
    assert (tmp_path / "d" / "all-solutions.pdf").read_text() == "s5-0 s5-1 s5-2 handout"


# --------------------------------------------------------------------------
# bad input: one line, status 2, nothing written


@pytest.mark.parametrize("args,config,words", [
    (["--count", "0"], None, "--count: expected a whole number from 1"),
    (["--count", "-2"], None, "--count"),
    (["--count", "two"], None, "--count: expected a whole number"),
    (["--seed", "x1"], None, "--seed: expected a whole number"),
    (["--seed", "1.5"], None, "--seed"),
    (["--jobs", "0"], None, "--jobs: expected a whole number of worker processes >= 1"),
    ([], "[variants.constraints]\nsmall = true\n", "variants.constraints.small: unknown constraint"),
    ([], "[variants.network]\nW1 = [2, -2]\n", "variants.network.W1: empty range"),
    ([], "[variants]\ncount = 3\n", "variants.count: unknown field"),
    ([], "[variants]\ncollection = \"zip\"\n", "variants.collection: expected one of"),
    ([], "[variants]\ncollection = \"typeset\"\n", 'variants.collection: "typeset" is no longer'),
    ([], "[variants.network]\nhidden = 5\n", "variants.network.hidden: the shape is the "
     "assignment file's (4 hidden units in reference.toml)"),
    ([], "[variants.softmax_layer]\nclasses = 4\n", "variants.softmax_layer.classes: the shape"),
    (["--assignment", "logistic"], "[variants.network]\nW1 = [-1, 1]\n",
     "variants.network: sets the reference's ranges; the variants of 'logistic' draw"),
    ([], "[documents]\nsheet = \"quiz\"\n", 'documents.sheet: expected "homework" or "exam"'),
    ([], "[documents]\nmistakes = 1\n", "documents.mistakes: expected true or false"),
    (["--executor", "dask"], None, "--scheduler"),
])
def test_bad_input(tmp_path, capsys, args, config, words):
    argv = ["variants", "--count", "2", "--seed", "1", "--out", str(tmp_path / "o")]
    if config:
        (tmp_path / "c.toml").write_text(config)
        argv += ["--config", str(tmp_path / "c.toml")]
    assert main(argv + args) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------
# a set verifies itself: damage is found by --check and rebuilt by a rerun


def _copy_key(out):
    (out / "s6-1" / "key.json").write_bytes((out / "s6-0" / "key.json").read_bytes())
    return "s6-1: key.json changed"


def _truncate_pdf(out):
    pdf = out / "s6-2" / "problems.pdf"
    pdf.write_bytes(pdf.read_bytes()[:5])
    return "s6-2: problems.pdf changed"


def _delete_source(out):
    (out / "s6-0" / "handout.tex").unlink()
    return "s6-0: handout.tex missing"


def _edit_tex(out):
    with open(out / "s6-1" / "problems.tex", "a") as f:
        f.write("%")
    return "s6-1: problems.tex changed"


def _copy_folder(out):
    import shutil
    shutil.rmtree(out / "s6-2")
    shutil.copytree(out / "s6-0", out / "s6-2")
    return "s6-2: built from other content"


def _edit_keys_json(out):
    (out / "keys.json").write_text("[]")
    return "keys.json: changed or missing"


def _delete_collection(out):
    (out / "all-problems.pdf").unlink()
    return "all-problems.pdf: changed or missing"


@pytest.mark.parametrize("damage", [_copy_key, _truncate_pdf, _delete_source, _edit_tex,
                                    _copy_folder, _edit_keys_json, _delete_collection],
                         ids=lambda f: f.__name__.strip("_"))
def test_damage_is_reported_and_repaired(fake_latex, tmp_path, capsys, damage):
    out = tmp_path / "v"
    argv = ["variants", "--count", "3", "--seed", "6", "--jobs", "1", "--out", str(out)]
    assert main(argv) == 0
    whole = files_of(out)
    assert main(argv + ["--check"]) == 0
    capsys.readouterr()
    words = damage(out)
    assert main(argv + ["--check"]) == 1
    assert words in capsys.readouterr().out
    assert main(argv) == 0
    assert files_of(out) == whole
    assert main(argv + ["--check"]) == 0


def test_the_reference_set_stays_in_its_folder(fake_latex, tmp_path, capsys, monkeypatch):
    """Without --assignment the set is the reference assignment's, in
    reports/variants/s<seed> as before; --assignment reference is the same set."""
    monkeypatch.chdir(tmp_path)
    assert main(["variants", "--count", "2", "--seed", "4", "--jobs", "1"]) == 0
    out = tmp_path / "reports" / "variants" / "s4"
    whole = files_of(out)
    assert json.loads((out / "manifest.json").read_text())["assignment"]["name"] == "reference"
    assert main(["variants", "--assignment", "reference", "--count", "2", "--seed", "4",
                 "--jobs", "1"]) == 0
    assert "(0 built, 2 unchanged)" in capsys.readouterr().out and files_of(out) == whole
    assert main(["variants", "--count", "2", "--seed", "4", "--check"]) == 0


def test_the_configs_ranges_are_the_references_grids(fake_latex, tmp_path):
    """[variants.network] and [variants.softmax_layer] ranges and step sizes
    draw the reference's numbers; a shape equal to the file's is accepted."""
    config = Config(variants={"network": {"W2": [0, 1], "lr": [0.25], "hidden": 4},
                              "softmax_layer": {"x": [1, 2], "classes": 3}})
    build_set(5, 2, config, tmp_path, jobs=1)
    for key in json.loads((tmp_path / "keys.json").read_text()):
        net, layer = key["params"]["network"], key["params"]["softmax-layer"]
        assert {v for row in net["W2"] for v in row} <= {0, 1} and net["lr"] == 0.25
        assert set(layer["x"]) <= {1, 2}


def test_keys_json_is_not_trusted_when_damaged(fake_latex, tmp_path):
    """A keys.json edited to other numbers is not read back as the keys."""
    build_set(2, 6, Config(), tmp_path, jobs=1)
    keys = json.loads((tmp_path / "keys.json").read_text())
    forged = json.loads(json.dumps(keys))
    forged[0]["answers"]["q7"] = 0.5
    (tmp_path / "keys.json").write_text(json.dumps(forged))
    build_set(2, 6, Config(), tmp_path, jobs=1)
    assert json.loads((tmp_path / "keys.json").read_text()) == keys


# --------------------------------------------------------------------------
# a set of any assignment (--assignment): the same build, schema 2 keys


def _assignment_set(out, name="tanh-mse", count="30", seed="7", *extra):
    return main(["variants", "--assignment", name, "--count", count, "--seed", seed,
                 "--jobs", "1", "--out", str(out), *extra])


def test_real_assignment_build(tmp_path, capsys):
    """Real LaTeX for 2 variants of an assignment: each variant's problem sheet
    and worked solutions with its id, the collections, a rerun that builds
    nothing, byte-identical files from the same seed."""
    out = tmp_path / "v"
    assert _assignment_set(out, "logistic", "2", "5") == 0
    for vid in ("s5-0", "s5-1"):
        names = {p.name for p in (out / vid).iterdir()}
        assert {"problems.tex", "problems.pdf", "handout.tex", "handout.pdf", "key.json",
                "figures"} <= names
        text = subprocess.run(["pdftotext", str(out / vid / "handout.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        key = json.loads((out / vid / "key.json").read_text())
        assert f"Assignment logistic, variant {vid}" in text and "Logistic regression" in text
        assert key["params"]["logistic"]["x"] != key["params"]["logistic"]["W1"]
    for name in ("all-problems.pdf", "all-solutions.pdf"):
        pages = subprocess.run(["pdftotext", str(out / name), "-"], capture_output=True,
                               text=True, check=True).stdout.split("\f")[:-1]
        assert len(pages) % 2 == 0 and "variant s5-1" in "".join(pages)
    capsys.readouterr()
    assert _assignment_set(out, "logistic", "2", "5") == 0
    assert "0 built, 2 unchanged" in capsys.readouterr().out
    assert _assignment_set(tmp_path / "again", "logistic", "2", "5") == 0
    assert files_of(tmp_path / "again") == files_of(out)


@pytest.mark.parametrize("name", ["tanh-mse", "sigmoid-softmax", "logistic", "reference"])
def test_assignment_set_is_reproducible_and_incremental(fake_latex, tmp_path, capsys, name):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _assignment_set(a, name) == 0 and _assignment_set(b, name) == 0
    assert files_of(a) == files_of(b)   # the same seed: byte-identical keys, csv, xml, manifest
    keys = json.loads((a / "keys.json").read_text())
    assert [k["variant"] for k in keys] == [f"s7-{k:02d}" for k in range(30)]
    assert all(k["schema"] == 2 and k["assignment"]["name"] == name for k in keys)
    for key in keys:
        assert json.loads((a / key["variant"] / "key.json").read_text()) == key
        assert {p.name for p in (a / key["variant"]).iterdir()} >= {
            "key.json", "problems.tex", "problems.pdf", "handout.tex", "handout.pdf"}
        # each variant's own numbers in its sheet
        assert key["variant"] in (a / key["variant"] / "problems.tex").read_text()
    shared = {"keys.json", "keys.csv", "moodle.xml", "canvas-qti.zip", "all-problems.pdf",
              "all-solutions.pdf"}
    top = {p.name for p in a.iterdir() if not p.name.startswith(".")}
    assert top == {k["variant"] for k in keys} | shared | {"manifest.json"}
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["assignment"] == keys[0]["assignment"] and manifest["count"] == 30
    assert set(manifest["files"]) == shared and manifest["documents"] == ["problems", "handout"]
    assert (a / "all-solutions.pdf").read_text().endswith("s7-29 handout")
    capsys.readouterr()
    assert _assignment_set(a, name) == 0
    assert "(0 built, 30 unchanged)" in capsys.readouterr().out
    assert files_of(a) == files_of(b)


def test_assignment_set_extends_checks_and_repairs(fake_latex, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["variants", "--assignment", "logistic", "--count", "4", "--seed", "3"]) == 0
    out = tmp_path / "reports" / "variants" / "logistic" / "s3"
    four = json.loads((out / "keys.json").read_text())
    assert main(["variants", "--assignment", "logistic", "--count", "6", "--seed", "3"]) == 0
    six = json.loads((out / "keys.json").read_text())
    assert [k["params"] for k in six[:4]] == [k["params"] for k in four]
    whole = files_of(out)
    argv = ["variants", "--assignment", "logistic", "--count", "6", "--seed", "3"]
    assert main(argv + ["--check"]) == 0
    capsys.readouterr()
    (out / "s3-1" / "key.json").write_bytes((out / "s3-0" / "key.json").read_bytes())
    (out / "moodle.xml").write_text("")
    (out / "s3-4" / "handout.tex").unlink()
    (out / "all-problems.pdf").unlink()
    assert main(argv + ["--check"]) == 1
    report = capsys.readouterr().out
    assert "s3-1: key.json changed" in report and "moodle.xml: changed or missing" in report
    assert "s3-4: handout.tex missing" in report and "all-problems.pdf: changed or missing" \
        in report
    assert main(argv) == 0
    assert files_of(out) == whole


def test_assignment_set_bad_input_is_one_line(tmp_path, capsys):
    from derive.problem.assignment import shipped
    bad = tmp_path / "bad.toml"
    bad.write_text(shipped("logistic").read_text().replace('kind = "gradient-step"',
                                                            'kind = "gradient_step"', 1))
    dead = tmp_path / "dead.toml"
    dead.write_text(shipped("tanh-mse").read_text().replace(
        "W = { values = [-1, -0.5, 0, 0.5, 1] }", "W = { values = [0] }"))
    (tmp_path / "c.toml").write_text("[variants]\nmax_candidates = 64\n")
    for argv, words in ((["nosuch"], "--assignment"),
                        ([str(bad)], "parts[1].questions[9].kind: unknown kind"),
                        ([str(dead), "--config", str(tmp_path / "c.toml")],
                         "parts[1].variants: no candidate of part 'tanh-net' for s7-00 met every "
                         "constraint in 64 tries (distinct_units rejected 100% of the candidates "
                         "it checked)")):
        assert main(["variants", "--count", "30", "--seed", "7", "--out", str(tmp_path / "o"),
                     "--assignment", *argv]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and "Traceback" not in err
        assert not (tmp_path / "o").exists()
