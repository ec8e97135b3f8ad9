"""`make mutate`'s own pieces (tests/mutation.py): the tests it leaves out exist,
every core module is in a group, and the score counts what it says it counts."""

import ast
import json
import re

import pytest

from tests import mutation

ROOT = mutation.ROOT


def _test_functions(path):
    tree = ast.parse((ROOT / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_what_is_tested_and_left_out_exists():
    # a renamed file or test would silently come back into every mutant's run
    for path in mutation.TESTED:
        assert (ROOT / path).exists(), path
    for path in mutation.LEFT_OUT:
        assert (ROOT / path).is_file(), path
        assert path.startswith(mutation.TESTED), path
    for node in mutation.SLOW:
        path, name = node.split("::")
        assert name in _test_functions(path), node


def test_every_core_module_is_in_one_group_and_the_readme_names_the_groups():
    files = mutation.core_files()
    assert "derive/numerics/codecache.py" not in files
    assert not any(f.endswith("__init__.py") for f in files)
    groups = {mutation.group_of(f) for f in files}
    assert groups == set(mutation.GROUPS)
    readme = (ROOT / "README.md").read_text()
    for group in mutation.GROUPS:
        assert f"| {group} |" in readme, group


def test_listed_mutants_are_read_from_the_first_column():
    names = mutation.listed()
    assert names and all(re.fullmatch(r"derive\.[\w.ǁ]+__mutmut_\d+", n) for n in names)
    table = [line for line in mutation.LISTED.read_text().splitlines() if line.startswith("| `derive.")]
    assert len(names) == len(table)   # one row each, none twice


@pytest.fixture
def verdict_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "MUTANTS", tmp_path / "mutants")
    monkeypatch.setattr(mutation, "LISTED", tmp_path / "MUTANTS.md")

    def write(path, codes, listed=()):
        meta = mutation.MUTANTS / (path + ".meta")
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"exit_code_by_key": codes}))
        mutation.LISTED.write_text("| mutant | where | what | why |\n|---|---|---|---|\n"
                                   + "".join(f"| `{n}` | x | y | z |\n" for n in listed))
    return write


def test_the_score_counts_timeouts_as_killed_and_listed_survivors_apart(verdict_folder, capsys):
    m = "derive.grading.compare.x_f__mutmut_"
    codes = {m + "1": 1, m + "2": -24, m + "3": 0, m + "4": 0, m + "5": 33, m + "6": None}
    verdict_folder("derive/grading/compare.py", codes, listed=[m + "3"])
    score = mutation.report(["derive/grading/compare.py"], 1.0, 1.0)
    # run: 5; killed: the failed test and the timeout; listed: one survivor
    assert score == pytest.approx(2 / 5)
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("grading"))
    assert row.split() == ["grading", "6", "2", "1", "1", "2", "1", "40.0%", "60.0%"]
    assert m + "4" in out and m + "5" in out and m + "3" not in out.split("survivors")[-1]


def test_survivors_run_again_on_request_and_listed_ones_do_not(verdict_folder, monkeypatch):
    m = "derive.grading.compare.x_f__mutmut_"
    verdict_folder("derive/grading/compare.py", {m + "1": 1, m + "2": 0, m + "3": 0, m + "4": None},
                   listed=[m + "3"])
    runs = []
    monkeypatch.setattr(mutation.subprocess, "run", lambda cmd, **kw: runs.append(cmd))
    mutation.run_mutmut(["derive/grading/compare.py"], 2)
    mutation.run_mutmut(["derive/grading/compare.py"], 2, survivors=True)
    assert [cmd[cmd.index("2") + 1:] for cmd in runs] == [[m + "4"], [m + "2", m + "4"]]


def test_a_mutants_run_tries_first_the_tests_likeliest_to_kill_it_soon(tmp_path, monkeypatch):
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    class Config:
        rootpath = tmp_path

    # clean-run times (a test's call only), and times seen first in a mutant's run (its setup too)
    (tmp_path / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": {
        "t.py::slow": 9.0, "t.py::quick": 0.01, "t.py::middle": 1.0, "t.py::killer": 0.5,
        "t.py::heavy_fixture": 0.001}}))
    (tmp_path / mutation.FIRST).write_text("t.py::heavy_fixture\t30.0\nt.py::heavy_fixture\t20.0\n")
    (tmp_path / mutation.KILLERS).mkdir()
    (tmp_path / mutation.KILLERS / "derive.m.x_f").write_text("t.py::killer\n" * 3 + "t.py::slow\n")
    mutation._clean_run_times.cache_clear()
    names = ["t.py::slow", "t.py::quick", "t.py::killer", "t.py::middle", "t.py::heavy_fixture"]

    def order(mutant):
        monkeypatch.setenv("MUTANT_UNDER_TEST", mutant)
        items = [Item(n) for n in names]
        mutation.pytest_collection_modifyitems(Config(), items)
        return [item.nodeid for item in items]

    # by kills (+ 0.5) per second: a 0.01 s test is worth a try before 3 kills in 0.5 s;
    # 1 kill in 9 s comes after 1 s without kills; the fixture's 20 s (the least seen) last
    assert order("derive.m.x_f__mutmut_7") == [
        "t.py::quick", "t.py::killer", "t.py::middle", "t.py::slow", "t.py::heavy_fixture"]
    assert order("derive.m.x_g__mutmut_1") == [   # no kills: the quickest first, setups counted
        "t.py::quick", "t.py::killer", "t.py::middle", "t.py::slow", "t.py::heavy_fixture"]
    (tmp_path / mutation.KILLERS / "derive.m.x_f").write_text("t.py::killer\n" * 30)
    assert order("derive.m.x_f__mutmut_7")[0] == "t.py::killer"
    assert order("fail") == names   # mutmut's own runs (clean, forced failure) keep pytest's order

    class Report:
        def __init__(self, nodeid, when, duration, failed=False):
            self.nodeid, self.when, self.duration, self.failed = nodeid, when, duration, failed

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(mutation, "_THIS_RUN", {"first": None, "seconds": 0.0})
    monkeypatch.setenv("MUTANT_UNDER_TEST", "derive.m.x_g__mutmut_1")
    for report in [Report("t.py::quick", "setup", 2.0), Report("t.py::quick", "call", 0.5),
                   Report("t.py::quick", "teardown", 0.25),
                   Report("t.py::middle", "setup", 0.1), Report("t.py::middle", "call", 0.2, failed=True),
                   Report("t.py::middle", "teardown", 0.1)]:
        mutation.pytest_runtest_logreport(report)
    assert (tmp_path / mutation.KILLERS / "derive.m.x_g").read_text() == "t.py::middle\n"
    assert (tmp_path / mutation.FIRST).read_text().endswith("t.py::quick\t2.750\n")


def test_verdicts_kept_in_git_come_back_in_a_new_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "MUTANTS", tmp_path / "mutants")
    monkeypatch.setattr(mutation, "STORE", tmp_path / "verdicts.jsonl")
    m = "derive.grading.compare.x_f__mutmut_"
    record = {"exit_code_by_key": {m + "1": 1, m + "2": 0, m + "3": None, m + "10": -24,
                                   "derive.grading.compare.xǁCǁg__mutmut_1": 1},
              "hash_by_function_name": {"x_f": "aaa", "xǁCǁg": "bbb", "x_h": "ccc"},
              "type_check_error_by_key": {}, "durations_by_key": {}, "estimated_durations_by_key": {}}
    meta = mutation.MUTANTS / "derive/grading/compare.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps(record))
    mutation.STORE.write_text(json.dumps({"file": "derive/grading/scoring.py", "function": "x_s",
                                          "hash": "ddd", "verdicts": {"1": [1]}}) + "\n")
    mutation.save_verdicts(["derive/grading/compare.py", "derive/grading/scoring.py"])
    rows = [json.loads(line) for line in mutation.STORE.read_text().splitlines()]
    assert [(r["file"], r["function"]) for r in rows] == [   # a file with no record keeps its rows
        ("derive/grading/compare.py", "x_f"), ("derive/grading/compare.py", "x_h"),
        ("derive/grading/compare.py", "xǁCǁg"), ("derive/grading/scoring.py", "x_s")]
    assert rows[0]["verdicts"] == {"-24": [10], "0": [2], "1": [1]}

    meta.unlink()   # a new checkout: no mutants/
    assert mutation.restore_verdicts(["derive/grading/compare.py", "derive/grading/scoring.py"]) == 5
    back = json.loads(meta.read_text())
    assert back["hash_by_function_name"] == record["hash_by_function_name"]
    assert back["exit_code_by_key"] == {k: v for k, v in record["exit_code_by_key"].items() if v is not None}
    assert json.loads((mutation.MUTANTS / "derive/grading/scoring.py.meta").read_text())["exit_code_by_key"] \
        == {"derive.grading.scoring.x_s__mutmut_1": 1}
    back["exit_code_by_key"][m + "1"] = 3
    meta.write_text(json.dumps(back))
    mutation.restore_verdicts(["derive/grading/compare.py"])   # a record that exists is left alone
    assert json.loads(meta.read_text())["exit_code_by_key"][m + "1"] == 3


def test_a_function_new_to_mutmuts_stats_gets_them_collected_again(verdict_folder):
    # mutmut collects which tests call what again only for new tests: a function
    # renamed since would have every mutant "no tests" (33) though tests call it
    m, old = "derive.grading.compare.x_new__mutmut_", "derive.grading.compare.x_old__mutmut_"
    codes = {m + "1": 33, m + "2": 1, old + "1": 33}
    verdict_folder("derive/grading/compare.py", codes)
    stats = mutation.MUTANTS / "mutmut-stats.json"
    stats.write_text(json.dumps({"tests_by_mangled_function_name": {"derive.grading.compare.x_f": []}}))
    files = ["derive/grading/compare.py"]
    (mutation.MUTANTS / mutation.UNTESTED).write_text("derive.grading.compare.x_old\n")
    assert mutation.refresh_stats(files) == ["derive.grading.compare.x_new"]
    assert not stats.exists()   # mutmut collects them all again
    # the new function's "no tests" verdict is cleared; the rest are kept
    assert mutation.verdicts(files)[files[0]] == {m + "1": None, m + "2": 1, old + "1": 33}
    # after that full collection, a function no test calls is noted and left alone
    stats.write_text(json.dumps({"tests_by_mangled_function_name": {"derive.grading.compare.x_new": []}}))
    mutation.note_untested(files)
    assert (mutation.MUTANTS / mutation.UNTESTED).read_text() == "derive.grading.compare.x_old\n"
    assert mutation.refresh_stats(files) == [] and stats.exists()


def test_every_listed_mutant_survived_in_the_verdicts_kept_in_git():
    # a row for a mutant a test now kills (or that no longer exists) is stale
    verdicts = {f"{mutation._module(row['file'])}.{row['function']}__mutmut_{n}": int(code)
                for rows in mutation._stored().values() for row in rows
                for code, ns in row["verdicts"].items() for n in ns}
    stale = sorted(n for n in mutation.listed() if verdicts.get(n) not in mutation.SURVIVED)
    assert not stale
