"""``handouts key`` and its bad-input paths, as a user runs them."""

import json
import subprocess
import sys

import pytest

from derive.cli import main
from derive.numerics.key import build_key


def test_prints_the_reference_key(capsys):
    assert main(["key"]) == 0
    assert json.loads(capsys.readouterr().out) == build_key()


def test_reads_a_toml_params_file(tmp_path, capsys):
    f = tmp_path / "p.toml"
    f.write_text("[softmax_layer]\nW = [[1, 0, 0], [0, 1, 0]]\nb = [0, 0, 0]\n"
                 "x = [2, 1]\ny = [1, 0, 0]\nlr = 0.1\nquery_class = 0\n")
    assert main(["key", "--params", str(f)]) == 0
    key = json.loads(capsys.readouterr().out)
    assert key["params"]["softmax_layer"]["x"] == [2, 1]
    assert key["params"]["network"] == build_key()["params"]["network"]


def test_reads_a_json_params_file_and_an_answer_key(tmp_path, capsys):
    f = tmp_path / "key.json"
    f.write_text(json.dumps(build_key()))
    assert main(["key", "--params", str(f)]) == 0
    assert json.loads(capsys.readouterr().out) == build_key()


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
    assert json.loads(out) == build_key()


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
