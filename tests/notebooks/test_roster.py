"""Class lists for per-student notebooks."""

import pytest

from derive.notebooks.roster import deal, file_names, read_roster
from derive.problem.spec import InputError


@pytest.mark.parametrize("text", ["Ann Lee\n\nbo\n", "student,email\nAnn Lee,a@x\nbo,b@x\n",
                                  "\ufeffid;Student\n1;Ann  Lee\n2;bo\n", "Ann Lee\r\nbo"])
def test_a_roster_is_names_a_line_or_a_student_column(tmp_path, text):
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    assert read_roster(path) == ["Ann Lee", "bo"]


@pytest.mark.parametrize("text, words", [("", "no student names"), ("a\nA\n", "line 2"),
                                         ("a\nb\x1b[2J\n", "control"),
                                         ("x" * 201, "more than 200")])
def test_a_bad_roster_is_one_line(tmp_path, text, words):
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_roster(path)
    assert e.value.field == "--students" and words in e.value.problem


def test_a_roster_that_is_not_text_or_not_there(tmp_path):
    (tmp_path / "r.txt").write_bytes(b"\xff\xfe\x00")
    for path in (tmp_path / "r.txt", tmp_path / "none.txt"):
        with pytest.raises(InputError):
            read_roster(path)


def test_file_names_are_safe_and_distinct():
    got = file_names(["Ann Lee", "ann lee!", "../etc/passwd", "Zoë", "..", "a/b"])
    assert got == ["Ann_Lee", "ann_lee-2", "etc_passwd", "Zoë", "student", "a_b"]


def test_variants_are_dealt_in_order():
    assert deal(["a", "b", "c"], ["v1", "v2"]) == [("a", "v1"), ("b", "v2"), ("c", "v1")]
