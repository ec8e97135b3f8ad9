"""Submitted notebooks read from their saved outputs, whatever the student
did to the cells; each problem a message of that student's."""

import copy
import json

import pytest

from derive.grading import notebook_answers as na
from derive.grading.kind_answers import items_of, key_submission, submission_parser
from derive.notebooks import format as nbf
from derive.numerics.key import reference_key
from derive.problem.assignment import load_assignment
from derive.problem.spec import InputError
from derive.variants.instances import generate_assignment_keys
from derive.variants.settings import parse_settings
from tests.grading import notebook_factory as nf


@pytest.fixture(scope="module")
def key():
    return reference_key()


@pytest.fixture(scope="module")
def keys():
    return json.loads(json.dumps(generate_assignment_keys(load_assignment("reference"), 5, 2,
                                                          parse_settings({}))))


def answers(key):
    return key_submission(key)["answers"]


def read(nb, keys, single=False):
    return na.read_notebook(json.loads(json.dumps(nb)), "ada", keys, single)


def test_the_answers_cell_gives_the_answers_of_a_json_entry(key):
    got = read(nf.notebook(key, answers(key)), [key])
    assert got.error is None and got.notes == []
    assert got.entry == json.loads(json.dumps(key_submission(key, "ada")))


def test_without_the_answers_cell_the_check_cells_give_them(key):
    nb = nf.notebook(key, answers(key))
    nb.cells.remove(nf.tagged(nb, "answers")[0])
    got = read(nb, [key])
    assert got.entry["answers"] == key_submission(key)["answers"]
    assert any("check cells" in n for n in got.notes)


def test_cells_in_another_order_and_tags_lost_read_the_same(key):
    nb = nf.notebook(key, answers(key))
    nb.cells.reverse()
    for cell in nb.cells:
        cell.metadata.pop("tags")
    got = read(nb, [key])
    assert got.entry["answers"] == key_submission(key)["answers"] and got.notes == []


def test_of_copied_answers_cells_the_one_run_last_counts(key):
    nb = nf.notebook(key, answers(key))
    cell = nf.tagged(nb, "answers")[0]
    old = copy.deepcopy(cell)
    old.execution_count = 1
    old.outputs[0].data[nbf.ANSWERS_MIME]["answers"]["q7"] = 0.5
    nb.cells.insert(0, old)
    got = read(nb, [key])
    assert got.entry["answers"]["q7"] == key["answers"]["q7"]
    assert any("2 cells show the answers" in n for n in got.notes)


def test_an_answer_the_answers_cell_lacks_comes_from_its_check_cell(key):
    nb = nf.notebook(key, answers(key))
    del nf.tagged(nb, "answers")[0].outputs[0].data[nbf.ANSWERS_MIME]["answers"]["q9"]
    assert read(nb, [key]).entry["answers"]["q9"] == key["answers"]["q9"]


def test_a_notebook_saved_without_outputs_says_what_to_do(key):
    got = read(nf.notebook(key, answers(key), outputs=False), [key])
    assert "Restart & Run All" in got.error and "saved without" in got.error
    assert got.entry == {"student": "ada", "variant": "reference", "answers": {}}


def test_a_notebook_of_something_else_is_named(key):
    nb = nf.notebook(key, answers(key), outputs=False)
    nb.metadata.pop(nbf.KEY)
    assert "not a notebook of this assignment" in read(nb, [key]).error


def test_stripped_metadata_leaves_the_answers_cell_to_name_the_variant(key):
    nb = nf.notebook(key, answers(key))
    nb.metadata.clear()
    got = read(nb, [key])
    assert got.error is None and got.entry["variant"] == "reference"


def test_metadata_and_answers_cell_of_different_variants_are_not_graded(keys):
    nb = nf.notebook(keys[0], answers(keys[0]))
    nb.metadata[nbf.KEY]["variant"] = keys[1]["variant"]
    assert "different variants" in read(nb, keys).error


def test_a_notebook_of_another_set_is_not_graded(keys):
    other = copy.deepcopy(keys[0])
    other["params"]["network"]["lr"] = 0.125
    got = read(nf.notebook(other, answers(keys[0])), keys)
    assert "other data than variant s5-0" in got.error


def test_another_student_s_variant_is_graded_as_its_own(keys):
    got = read(nf.notebook(keys[1], answers(keys[1])), keys)
    assert got.error is None and got.entry["variant"] == "s5-1"


def test_changed_data_is_named_by_part_and_field_and_still_graded(key):
    nb = nf.notebook(key, answers(key))
    [cell] = [c for c in nf.tagged(nb, "data") if c.metadata[nbf.KEY]["part"] == "network"]
    data = nbf.read_data(cell.source)
    data["W1"][0][0], data["lr"] = 7, 0.1
    cell.source = nbf.data_source(data)
    got = read(nb, [key])
    assert got.error is None
    assert got.notes == ["part network: W1, lr changed in the data cell; graded against the "
                         "data of variant reference"]


def test_the_data_of_another_variant_is_named(keys):
    nb = nf.notebook(keys[0], answers(keys[0]))
    for cell in nf.tagged(nb, "data"):
        cell.source = nbf.data_source(keys[1]["params"][cell.metadata[nbf.KEY]["part"]])
    notes = read(nb, keys).notes
    assert notes and all("holds the data of variant s5-1" in n for n in notes)


def test_a_deleted_or_edited_data_cell_is_noted(key):
    nb = nf.notebook(key, answers(key))
    first, second = nf.tagged(nb, "data")
    nb.cells.remove(first)
    second.source += "\nW1 = W1 * 2"
    notes = read(nb, [key]).notes
    assert any("softmax-layer: its data cell is missing" in n for n in notes)
    assert any("network: its data cell is no longer plain data" in n for n in notes)


@pytest.mark.parametrize("lost", ["metadata", "tags", "id", "tags and id"])
def test_a_data_cell_that_lost_some_of_its_marks_is_found(key, lost):
    nb = nf.notebook(key, answers(key))
    for cell in nf.tagged(nb, "data"):
        if lost == "metadata":
            cell.metadata.pop(nbf.KEY)
        if "tags" in lost:
            cell.metadata["tags"] = []
        if "id" in lost:
            cell.id = "pasted"
        cell.source += "\nlr = 7" * (lost == "tags and id")
    notes = read(nb, [key]).notes
    assert notes == ([] if lost != "tags and id" else
                     [f"part {p}: lr changed in the data cell; graded against the data of "
                      "variant reference" for p in key["params"]])


def test_other_cells_of_a_part_are_not_data_cells(key):
    nb = nf.notebook(key, answers(key))
    for i, part in enumerate(key["params"]):
        nb.cells.insert(2, nf._cell("code", "def loss(params):\n    return 0", "gradient",
                                    f"work-{i}", part=part))
        nb.cells.insert(2, nf._cell("code", "", "gradient", f"check-{i}", part=part))
    assert read(nb, [key]).notes == []


@pytest.mark.parametrize("value, words", [
    ("[[1, 2], [3, 4]]", "matrix"), ({"a": 1}, "matrix"), ("nan", ""), ("(1+2j)", ""),
    ([[1.0, "x"]], "")])
def test_answers_of_the_wrong_type_are_invalid_answers(key, value, words):
    nb = nf.notebook(key, {**answers(key), "q6": value})
    got = read(nb, [key])
    sub = na.submission(got, "ada", 0, submission_parser(items_of(key)))
    assert sub.error is None and sub.answers["q6"].error and words in sub.answers["q6"].error
    assert sub.answers["q7"].error is None


@pytest.mark.parametrize("content, words", [
    (b"not json", "not valid JSON"), (b"\xff\xfe\x00", "not UTF-8"), (b"[1, 2]", "no list of cells"),
    (json.dumps({"nbformat": 3, "worksheets": [], "cells": []}).encode(), "nbformat 3"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (json.dumps({"nbformat": 4, "cells": [1]}).encode(), "a cell is not an object")])
def test_files_that_are_not_notebooks_are_that_student_s_error(tmp_path, key, content, words):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    got = na.read_notebook(path, "x", [key], False)
    assert got.entry is None and words in got.error


def test_a_huge_notebook_is_refused_before_it_is_read(tmp_path, key, monkeypatch):
    monkeypatch.setattr(na, "MAX_NOTEBOOK_BYTES", 1000)
    path = nf.write(nf.notebook(key, answers(key)), tmp_path / "x.ipynb")
    assert "at most 0 MB" in na.read_notebook(path, "x", [key], False).error


def test_huge_and_deep_answers_are_bounded(key):
    nb = nf.notebook(key, answers(key))
    out = nf.tagged(nb, "answers")[0].outputs[0].data[nbf.ANSWERS_MIME]["answers"]
    deep: list = []
    for _ in range(50):
        deep = [deep]
    out["q6"] = deep
    assert "nested more than" in read(nb, [key]).error
    out["q6"] = [[0.5] * 1000] * 1000
    sub = na.submission(read(nb, [key]), "ada", 0, submission_parser(items_of(key)))
    assert "at most" in sub.answers["q6"].error


def test_students_are_files_or_their_folders(tmp_path):
    for name in ("bob.ipynb", "alice/hw.ipynb", "carol/a.ipynb", "carol/b.ipynb",
                 "alice/.ipynb_checkpoints/hw-checkpoint.ipynb", ".hidden/x.ipynb",
                 "dave/sub/deep.ipynb", "notes.txt", "Zoë ﬁ.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = na.find_notebooks(tmp_path)
    assert [n for n, _ in found] == ["Zoë ﬁ", "alice", "bob", "carol/a", "carol/b", "dave"]
    assert [p.relative_to(tmp_path).as_posix() for _, p in found][1] == "alice/hw.ipynb"


def test_a_folder_without_notebooks_is_a_bad_option(tmp_path):
    with pytest.raises(InputError, match="no .ipynb"):
        na.find_notebooks(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        na.find_notebooks(tmp_path / "missing")


def test_an_edited_answers_output_leaves_the_check_cells(key):
    nb = nf.notebook(key, answers(key))
    nf.tagged(nb, "answers")[0].outputs[0].data[nbf.ANSWERS_MIME] = ["not", "answers"]
    got = read(nb, [key])
    assert got.entry["answers"] == key_submission(key)["answers"]
    assert len(got.notes) == 1 and "not the answers it should show" in got.notes[0]


@pytest.mark.parametrize("made_for, noted", [("Ada", False), ("ADA L", False), ("Bob", True)])
def test_a_notebook_made_for_another_student_is_noted(key, made_for, noted):
    nb = nf.notebook(key, answers(key))
    nb.metadata[nbf.KEY]["student"] = made_for
    got = na.read_notebook(json.loads(json.dumps(nb)), "ada_l-1234_assignsubmission", [key], False)
    assert got.error is None
    assert got.notes == ([f"the notebook was made for {made_for} (its metadata says so), handed "
                          "in as ada_l-1234_assignsubmission: another student's notebook?"]
                         if noted else [])


def _cell(nb, cid):
    return next(c for c in nb.cells if c.id == cid)


def test_a_run_stopped_at_an_exception_names_the_cell(key):
    right = key_submission(key)["answers"]
    nb = nf.notebook(key, right)
    answer = _cell(nb, next(c.id for c in nf.tagged(nb, "answer")
                            if c.metadata[nbf.KEY]["question"] == "q8"))
    answer.outputs = [nbformat_error("NameError")]
    after = nb.cells.index(answer) + 1
    for c in nb.cells[after:]:   # Run All stops there: nothing after it ran
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    read = na.read_notebook(nb, "ann", [key], single=False)
    note = [n for n in read.notes if "raised NameError" in n]
    assert len(note) == 1 and answer.id in note[0] and "did not run" in note[0]
    assert "q9" not in read.entry["answers"] and read.entry["answers"]["q7"] == right["q7"]


def nbformat_error(name):
    from nbformat.v4 import new_output
    return new_output("error", ename=name, evalue="x", traceback=[])


def test_a_check_run_after_the_answers_cell_with_another_value_is_a_note(key):
    right = key_submission(key)["answers"]
    nb = nf.notebook(key, {**right, "q7": 0.5})
    check = next(c for c in nf.tagged(nb, "check") if c.metadata[nbf.KEY]["question"] == "q7")
    [shown] = [o for o in check.outputs if nbf.ANSWER_MIME in o.get("data", {})]
    shown["data"][nbf.ANSWER_MIME]["value"] = right["q7"]   # mended, checked, not run again
    check.execution_count = 10_000
    read = na.read_notebook(nb, "ann", [key], single=False)
    assert read.entry["answers"]["q7"] == 0.5
    assert any(n.startswith("q7: a check cell ran after the answers cell") for n in read.notes)
    plain = na.read_notebook(nf.notebook(key, right), "bo", [key], single=False)
    assert not any("after the answers cell" in n for n in plain.notes)


def test_a_notebook_of_another_assignment_against_one_key_is_not_graded(key):
    other = json.loads(json.dumps(generate_assignment_keys(load_assignment("logistic"), 1, 1,
                                                           parse_settings({}))[0]))
    nb = nf.notebook(other, key_submission(other)["answers"])
    nb.metadata[nbf.KEY]["assignment"] = other["assignment"]
    read = na.read_notebook(nb, "ann", [key], single=True)
    assert read.error and "another assignment (logistic)" in read.error


def test_the_solution_notebook_handed_in_is_flagged(key):
    nb = nf.notebook(key, key_submission(key)["answers"])
    nb.metadata[nbf.KEY]["role"] = "solution"
    read = na.read_notebook(nb, "ann", [key], single=False)
    assert not read.error and any("solution notebook" in n for n in read.notes)


@pytest.mark.parametrize("made_for, student, same", [
    ("Ann Lee", "Ann_Lee", True), ("Ann Lee", "ann-lee_1234_assignsubmission_file_", True),
    ("Zoë", "Zoe", True), ("Bo", "bo", True), ("Ann Lee", "e", False), ("Ann Lee", "an", False),
    ("Ann Lee", "bob", False), ("Ann Lee", "Lee", True)])
def test_whose_notebook_it_is(made_for, student, same):
    assert na.same_student(made_for, student) is same


def test_data_cells_stripped_of_ids_tags_and_metadata_are_still_found(key):
    nb = nf.notebook(key, key_submission(key)["answers"])
    for i, c in enumerate(nb.cells):
        c.id, c.metadata = f"c{i}", {}
    read = na.read_notebook(nb, "ann", [key], single=False)
    assert not [n for n in read.notes if "data cell" in n], read.notes


def test_fields_removed_from_a_data_cell_are_said_removed(key):
    nb = nf.notebook(key, key_submission(key)["answers"])
    cell = next(c for c in nf.tagged(nb, "data") if c.metadata[nbf.KEY]["part"] == "network")
    cell.source = cell.source.split("\nb1")[0]   # only W1 left
    notes = na.read_notebook(nb, "ann", [key], single=False).notes
    assert any(n.startswith("part network: b1, W2, b2, x, y, lr removed") for n in notes), notes
    assert not any("changed" in n for n in notes)


def test_a_file_name_with_control_characters_is_a_printable_student(tmp_path):
    assert na.student_names(tmp_path, [tmp_path / "a\x1b[2Jb.ipynb"]) == ["a\\u001b[2Jb"]
