"""``handouts report`` as a user runs it: outputs, errors, old PDFs intact."""

import json

import pytest

from derive.cli import main
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import load_assignment


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    assert main(["report", "--out", str(out)]) == 0
    return out


def test_writes_the_three_files_and_sources(reports):
    for name in ("handout.pdf", "problems.pdf", "answer-key.json", "handout.tex", "problems.tex"):
        assert (reports / name).is_file(), name
    # the reference assignment file's key (schema 2), as `handouts report --assignment reference`
    key = json.loads((reports / "answer-key.json").read_text())
    assert key == json.loads(json.dumps(build_assignment_key(load_assignment("reference"))))
    assert key["schema"] == 2 and key["assignment"]["name"] == "reference"
    assert "Assignment reference" in (reports / "handout.tex").read_text()


def test_latex_error_is_one_line_exit_1_and_old_pdfs_intact(reports, tmp_path, capsys):
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "derivation.tex.j2").write_text("\\begin{align*}\n\\undefinedmacro\n\\end{align*}\n")
    before = {p.name: p.read_bytes() for p in reports.iterdir() if p.is_file()}
    assert main(["report", "--out", str(reports), "--templates", str(broken)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "handout.tex:" in err and "Undefined control sequence" in err and "log:" in err
    assert {p.name: p.read_bytes() for p in reports.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("option,text,field", [
    ("--config", "[course]\ndecimals = 'four'\n", "course.decimals"),
    ("--params", "[network]\nlr = -1\n", "params.network."),
    ("--config", "[documents]\nsheet = \"quiz\"\n", "documents.sheet"),
], ids=["config", "params", "documents"])
def test_bad_file_exit_2_and_nothing_written(tmp_path, capsys, option, text, field):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["report", option, str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert field in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_unsettable_title_exit_2(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[course]\ntitle = "神经网络"\n')
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "course.title" in capsys.readouterr().err


def test_hostile_course_name_builds(tmp_path, capsys):
    # (the assignment file's title is the documents' title: the course's name is the config's)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[course]\ncourse = \'\\input{/etc/passwd} \\immediate\\write18{touch /tmp/x} $%#_&~{}\'\n'
                   'decimals = 3\n')
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    tex = (tmp_path / "o" / "handout.tex").read_text()
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex and "\\input{/etc" not in tex
    assert "2.303" in tex


def test_another_instance_from_a_params_file(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text("[softmax_layer]\nW = [[1, 0, -1], [0, 2, 1]]\nb = [0, 0, 0]\n"
                      "x = [1, 2]\ny = [0, 0, 1]\nlr = 0.25\nquery_class = 1\n")
    out = tmp_path / "o"
    assert main(["report", "--params", str(params), "--out", str(out)]) == 0
    key = json.loads((out / "answer-key.json").read_text())
    reference = build_assignment_key(load_assignment("reference"))
    assert key["params"]["softmax-layer"]["lr"] == 0.25
    assert key["params"]["softmax-layer"]["W1"] == [[1, 0, -1], [0, 2, 1]]
    assert key["params"]["network"] == reference["params"]["network"]
    # query_class 1 (from 0) is the probability questions' class 2
    assert [key["questions"][q]["class"] for q in ("q7", "q9")] == [2, 2]
    assert key["answers"]["q7"] != reference["answers"]["q7"]
    handout = (out / "handout.tex").read_text()
    assert f"{key['answers']['q7']:.4f}" in handout and "a^{1}_{2}" in handout


def test_a_network_with_three_inputs_and_seven_classes_builds(tmp_path):
    """Decision regions are drawn for 2-D inputs only; every class gets a colour."""
    params = tmp_path / "p.toml"
    params.write_text(
        "[network]\nW1 = [[1, 0, -1, 0], [0, 1, 0, -1], [1, 1, 0, 0]]\nb1 = [-1, -1, -1, -1]\n"
        "W2 = [[1, -1, 0, 0, 1, 0, 0], [1, -1, 0, 0, 0, 1, 0], [1, -1, 0, 0, 0, 0, 1],"
        " [1, -1, 1, 1, 0, 0, 0]]\nb2 = [0, 2, 0, 0, 0, 0, 0]\nx = [4, 11, 1]\n"
        "y = [0, 1, 0, 0, 0, 0, 0]\nlr = 0.5\n")
    out = tmp_path / "o"
    assert main(["report", "--params", str(params), "--out", str(out)]) == 0
    assert (out / "handout.pdf").is_file()
    key = json.loads((out / "answer-key.json").read_text())
    net = key["networks"]["network"]
    assert len(key["answers"]["q11"]) == 7 and net["inputs"] == 3
    assert [layer["units"] for layer in net["layers"]] == [4, 7]
    # the softmax layer (2 inputs) has its regions, the network (3 inputs) none
    handout = (out / "handout.tex").read_text()
    assert "question-9-regions" in handout and "question-14-regions" not in handout
