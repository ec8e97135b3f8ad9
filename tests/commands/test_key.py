"""``handouts key`` and its bad-input paths, as a user runs them."""

import json
import subprocess
import sys

import pytest

from derive.cli import main
from derive.numerics.key import reference_key
from tests.schema_1.keys import build_key


def test_prints_the_schema_2_key_of_the_reference_assignment(capsys):
    assert main(["key"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == reference_key() and json.loads(out)["schema"] == 2
    assert main(["key", "--assignment", "reference"]) == 0
    assert capsys.readouterr().out == out


def test_reads_a_toml_params_file(tmp_path, capsys):
    f = tmp_path / "p.toml"
    f.write_text("[softmax_layer]\nW = [[1, 0, 0], [0, 1, 0]]\nb = [0, 0, 0]\n"
                 "x = [2, 1]\ny = [1, 0, 0]\nlr = 0.1\nquery_class = 0\n")
    assert main(["key", "--params", str(f)]) == 0
    key = json.loads(capsys.readouterr().out)
    assert key["schema"] == 2 and key["params"]["softmax-layer"]["x"] == [2, 1]
    assert key["questions"]["q7"]["class"] == key["questions"]["q9"]["class"] == 1
    assert key["params"]["network"] == reference_key()["params"]["network"]


def test_reads_a_json_params_file_and_a_schema_1_answer_key(tmp_path, capsys):
    f = tmp_path / "key.json"
    f.write_text(json.dumps(build_key()))
    assert main(["key", "--params", str(f)]) == 0
    assert json.loads(capsys.readouterr().out) == reference_key()


@pytest.mark.parametrize("text,suffix,words", [
    ("[softmax_layer]\nlr = 0\n", ".toml", "params.softmax_layer.W: missing"),
    ("[network]\nW1 = [3", ".toml", "not valid TOML"),
    ("{\"network\": ", ".json", "not valid JSON"),
    ("{\"softmax_layer\": {\"W\": [[1,2],[3,4]], \"b\": [0,0,0], \"x\": [1,1], "
     "\"y\": [0,1,0], \"lr\": 0.5, \"query_class\": 2}}", ".json",
     "params.softmax_layer.W: expected a 2 × 3 matrix"),
])
def test_bad_params_file_gets_one_line_and_status_2(tmp_path, capsys, text, suffix, words):
    f = tmp_path / f"p{suffix}"
    f.write_text(text)
    assert main(["key", "--params", str(f)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file(capsys):
    assert main(["key", "--params", "/nonexistent/p.toml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_console_script_and_module_agree():
    out = subprocess.run([sys.executable, "-m", "derive", "key"], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == reference_key()


def test_unknown_option_is_status_2():
    r = subprocess.run([sys.executable, "-m", "derive", "key", "--bogus"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_a_hostile_field_name_is_escaped_in_the_one_line_error(tmp_path, capsys):
    """Control, escape and bidi characters from a file never reach the terminal."""
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"softmax_layer": {"W\x1b[2J\nX\u202e\u009b": 1}}))
    assert main(["key", "--params", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("handouts: error: params.softmax_layer.W")
    assert not any(ch in err for ch in "\x1b\u202e\u009b")
    assert "\\u001b[2J\\u000aX\\u202e\\u009b: unknown field" in err


# --------------------------------------------------------------------------
# --assignment FILE|NAME: schema 2

from derive.numerics.key import build_assignment_key, dumps  # noqa: E402
from derive.problem.assignment import SHIPPED, load_assignment, shipped  # noqa: E402


@pytest.mark.parametrize("name", SHIPPED)
def test_prints_the_schema_2_key_of_a_shipped_assignment(capsys, name):
    assert main(["key", "--assignment", name]) == 0
    out = capsys.readouterr().out
    assert out == dumps(build_assignment_key(load_assignment(name)))
    assert json.loads(out)["schema"] == 2


def test_reads_an_assignment_file_by_path(tmp_path, capsys):
    f = tmp_path / "mine.toml"
    f.write_bytes(shipped("tanh-mse").read_bytes())
    assert main(["key", "--assignment", str(f)]) == 0
    key = json.loads(capsys.readouterr().out)
    assert key["assignment"]["name"] == "mine"
    assert key["answers"] == build_assignment_key(load_assignment("tanh-mse"))["answers"]


@pytest.mark.parametrize("text,words", [
    ('title = "x"\n[[parts]]\nid = "p"\ntitle = "t"\n[parts.network]\ninputs = 2\n'
     'layers = [{ units = 2, activation = "relu" }]\nloss = "nllm"\n[[parts.questions]]\n'
     'id = "q1"\nkind = "output-gradient"\npoints = 1\n', "parts[1].network.loss"),
    ('title = "x"\n[[parts]\n', "not valid TOML"),
])
def test_a_bad_assignment_gets_one_line_and_status_2(tmp_path, capsys, text, words):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    assert main(["key", "--assignment", str(f)]) == 2
    captured = capsys.readouterr()
    assert words in captured.err and captured.err.count("\n") == 1 and captured.out == ""


@pytest.mark.parametrize("value,words", [("no-such-example", "no shipped assignment"),
                                         ("/nonexistent/a.toml", "no such file"),
                                         ("", "give a file")])
def test_an_unknown_assignment_gets_one_line_and_status_2(capsys, value, words):
    assert main(["key", "--assignment", value]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_params_and_assignment_do_not_go_together():
    r = subprocess.run([sys.executable, "-m", "derive", "key", "--assignment", "tanh-mse",
                        "--params", "p.toml"], capture_output=True, text=True)
    assert r.returncode == 2 and "not allowed with" in r.stderr and "Traceback" not in r.stderr
