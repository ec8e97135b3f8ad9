"""The set build hashes the variants in the workers (the main process renders
none of them), builds a variant without a stamp at once, and only checks one
with a stamp against the hash its worker computed."""

import json
import os
import shutil

import pytest

import derive.documents.build
import derive.variants.build_set
import derive.variants.lms_html
from derive.numerics.key import dumps
from derive.problem.config import Config
from derive.variants.build_set import EXPORTS, build_set
from derive.variants.recipes import AssignmentRecipe, content_hash
from derive.problem.assignment import load_assignment
from tests.commands.test_variants import fake_compile, fake_merge


@pytest.fixture
def fake_latex(monkeypatch):
    monkeypatch.setattr(derive.documents.build, "compile_sources", fake_compile)
    monkeypatch.setattr(derive.variants.build_set, "merge_collection", fake_merge)


def test_the_workers_hash_what_the_main_process_would(fake_latex, tmp_path, monkeypatch):
    recipe = AssignmentRecipe.of(load_assignment("reference"), Config())
    keys = recipe.keys(3, 4)
    want = [content_hash(dumps(k), recipe.sources([k])[0]) for k in keys]
    built = []
    install = derive.variants.build_set._install_variant
    monkeypatch.setattr(derive.variants.build_set, "_install_variant",
                        lambda out, vid, *a: built.append(vid) or install(out, vid, *a))
    build_set(4, 3, Config(), tmp_path, jobs=2, recipe=recipe)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert list(manifest["variants"].values()) == want
    assert sorted(built) == [k["variant"] for k in keys]


def test_a_set_without_its_manifest_is_checked_not_rebuilt(fake_latex, tmp_path, monkeypatch):
    first = build_set(4, 3, Config(), tmp_path, jobs=2)
    manifest = (tmp_path / "manifest.json").read_bytes()
    (tmp_path / "manifest.json").unlink()
    again = build_set(4, 3, Config(), tmp_path, jobs=2)
    assert again.built == [] and again.skipped == first.built
    assert (tmp_path / "manifest.json").read_bytes() == manifest
    # one variant changed on disk is rebuilt, once its worker has hashed it
    (tmp_path / "manifest.json").unlink()
    (tmp_path / first.built[2] / "problems.tex").write_text("edited")
    third = build_set(4, 3, Config(), tmp_path, jobs=2)
    assert third.built == [first.built[2]]
    assert (tmp_path / "manifest.json").read_bytes() == manifest


def test_a_worker_error_stops_the_build_with_one_line(fake_latex, tmp_path, monkeypatch):
    monkeypatch.setattr(AssignmentRecipe, "variant_files", lambda self, key: "bad: tex:3: oops")
    with pytest.raises(derive.variants.build_set.BuildFailed, match="bad: tex:3: oops"):
        build_set(2, 3, Config(), tmp_path, jobs=1)


def test_a_variant_built_in_a_worker_is_rendered_once(fake_latex, tmp_path, monkeypatch):
    # its hash comes from the .tex among its files, not from rendering it again
    recipe = AssignmentRecipe.of(load_assignment("reference"), Config())
    keys = recipe.keys(3, 4)
    want = [content_hash(dumps(k), recipe.sources([k])[0]) for k in keys]
    sources = AssignmentRecipe.sources

    def only_the_first(self, some):  # the main process renders variant 0, to hash it
        assert [k["variant"] for k in some] == [keys[0]["variant"]]
        return sources(self, some)

    monkeypatch.setattr(AssignmentRecipe, "sources", only_the_first)
    build_set(4, 3, Config(), tmp_path, jobs=2, recipe=recipe)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert list(manifest["variants"].values()) == want


def test_a_rebuild_checks_each_variant_folder_once(fake_latex, tmp_path, monkeypatch):
    # checking a folder hashes every file in it: once per variant, not twice
    first = build_set(4, 3, Config(), tmp_path, jobs=2)
    (tmp_path / first.built[1] / "problems.tex").write_text("edited")
    checked = []
    damage = derive.variants.build_set.variant_damage
    monkeypatch.setattr(derive.variants.build_set, "variant_damage",
                        lambda folder, *a: checked.append(folder.name) or damage(folder, *a))
    again = build_set(4, 3, Config(), tmp_path, jobs=2)
    assert sorted(checked) == sorted(first.built)
    assert again.built == [first.built[1]]


# --------------------------------------------------------------------------
# The exports: each variant's pieces made in the workers, joined in the main process


def _no_pieces_here(mp, main=None):
    """Fail when the process ``main`` (this one) makes an export piece: the
    workers make them (forked, they inherit the patch and pass)."""
    main = main or os.getpid()
    made = AssignmentRecipe.variant_exports

    def in_a_worker(self, *args):
        assert os.getpid() != main, "an export piece made in the main process"
        return made(self, *args)

    mp.setattr(AssignmentRecipe, "variant_exports", in_a_worker)


@pytest.fixture(scope="module")
def first_set(tmp_path_factory):
    """A set of 4 (stand-in LaTeX) built once, and its exports' bytes."""
    out = tmp_path_factory.mktemp("set") / "s3"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derive.documents.build, "compile_sources", fake_compile)
        mp.setattr(derive.variants.build_set, "merge_collection", fake_merge)
        _no_pieces_here(mp)
        build_set(4, 3, Config(), out, jobs=2)
    return out, {name: (out / name).read_bytes() for name in EXPORTS}


def test_the_exports_are_those_made_in_one_piece(first_set):
    out, exports = first_set
    recipe = AssignmentRecipe.of(load_assignment("reference"), Config())
    keys = json.loads(exports["keys.json"])
    assert recipe.exports(keys, out) == {name: exports[name] if name.endswith(".zip")
                                         else exports[name].decode() for name in EXPORTS[1:]}


def test_a_rebuild_makes_the_same_exports_from_kept_and_rebuilt_variants(
        first_set, fake_latex, tmp_path, monkeypatch):
    out, exports = first_set
    shutil.copytree(out, tmp_path / "s3")
    out = tmp_path / "s3"
    ids = sorted(json.loads((out / "manifest.json").read_text())["variants"])
    (out / "manifest.json").unlink()        # the workers hash every variant
    (out / ids[1] / "problems.tex").write_text("edited")
    shutil.rmtree(out / ids[3])
    (out / "moodle.xml").unlink()
    _no_pieces_here(monkeypatch)
    # a kept variant's pieces are made from its lms.json: its questions are not rendered
    monkeypatch.setattr(derive.variants.lms_html, "_render", _never)
    again = build_set(4, 3, Config(), out, jobs=2)
    assert again.built == [ids[1], ids[3]]
    assert {name: (out / name).read_bytes() for name in EXPORTS} == exports


def test_exports_alone_are_made_again_by_the_workers(first_set, fake_latex, tmp_path,
                                                      monkeypatch):
    out, exports = first_set
    shutil.copytree(out, tmp_path / "s3")
    out = tmp_path / "s3"
    (out / "canvas-qti.zip").unlink()
    (out / "keys.csv").write_text("changed")
    _no_pieces_here(monkeypatch)
    monkeypatch.setattr(derive.variants.lms_html, "_render", _never)
    again = build_set(4, 3, Config(), out, jobs=2)
    assert again.built == []
    assert {name: (out / name).read_bytes() for name in EXPORTS} == exports


def _never(*args):
    raise AssertionError("a variant's LMS questions rendered again")


def test_the_workers_start_warm_when_variants_are_built(fake_latex, tmp_path, monkeypatch):
    # what each worker would do first (matplotlib, the formula options) is done once,
    # in the main process before the workers are forked; not when nothing is built
    warmed = []
    monkeypatch.setattr(AssignmentRecipe, "warm_up",
                        lambda self, key, exports: warmed.append((os.getpid(), exports)))
    first = build_set(2, 3, Config(), tmp_path, jobs=2)
    assert warmed == [(os.getpid(), True)]
    (tmp_path / "moodle.xml").unlink()
    build_set(2, 3, Config(), tmp_path, jobs=2)
    assert len(warmed) == 1
    (tmp_path / first.built[0] / "problems.tex").write_text("edited")
    build_set(2, 3, Config(), tmp_path, jobs=2)
    assert warmed[1:] == [(os.getpid(), False)]
