"""``handouts grade`` as an instructor runs it: inputs, outputs, bad input."""

import csv
import json
import shutil

import numpy as np
import pytest

from derive.grading.kind_answers import key_submission
from derive.cli import main
from derive.grading.rules import Rules
from derive.numerics.key import dumps
from tests.schema_1.keys import build_key, build_keys
from tests.schema_1.mistakes import BY_CODE, recompute
from tests.factories import varied


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    f = tmp_path_factory.mktemp("key") / "key.json"
    f.write_text(dumps(build_key()))
    return f


def write(path, data):
    path.write_text(json.dumps(data))
    return path


def test_json_report(key_file, tmp_path, capsys):
    [wrong] = recompute(build_key(), [BY_CODE["ascent"]])
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "Ada"),
                                          key_submission(build_key(), "Bob", wrong)])
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    ada, bob = report["students"]
    assert (ada["student"], ada["variant"], ada["score"], ada["max"]) == \
        ("Ada", "reference", 100, 100)
    assert set(ada["items"]) == {f"q{i}" for i in range(1, 15)}
    assert set(bob["items"]["q8"]) == {"status", "points", "max", "diagnosis", "feedback"}
    assert bob["items"]["q8"]["status"] == "wrong" and bob["items"]["q8"]["diagnosis"] == ["ascent"]
    assert bob["items"]["q8"]["max"] == 7.5


def test_the_course_figures_are_the_precision_the_grader_applies(key_file, tmp_path, capsys):
    q14 = [float(f"{v:.3g}") for v in build_key()["answers"]["q14"]]
    answers = write(tmp_path / "a.json", key_submission(build_key(), "Ada", {"q14": q14}))
    config = tmp_path / "c.toml"
    for figures, diagnosis in ((3, []), (4, ["rounded-too-early"])):
        config.write_text(f"[course]\nfigures = {figures}\n")
        assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--json",
                     "--config", str(config)]) == 0
        [ada] = json.loads(capsys.readouterr().out)["students"]
        assert ada["items"]["q14"]["diagnosis"] == diagnosis


def test_table_cleans_names_and_hostile_strings_never_run(key_file, tmp_path, capsys):
    marker = tmp_path / "x"
    hostile = {"student": "Eve\x1b[31m", "variant": "reference", "answers": {
        "q1": f"__import__('os').system('touch {marker}')",
        "q2": f"exec(\"open('{marker}', 'w')\")", "q7": "z" * 10_000_000}}
    answers = write(tmp_path / "a.json", [hostile])
    assert main(["grade", "--answers", str(answers), "--key", str(key_file)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "Eve?[31m" in out
    assert not marker.exists()


def test_csv_answers(key_file, tmp_path, capsys):
    ans = key_submission(build_key())["answers"]
    f = tmp_path / "a.csv"
    with f.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["student", "variant"] + list(ans))
        w.writerow(["Ada", "reference"] + [v if isinstance(v, (str, float)) else json.dumps(v)
                                           for v in ans.values()])
    assert main(["grade", "--answers", str(f), "--key", str(key_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["students"][0]["score"] == 100


@pytest.fixture(scope="module")
def variant_set(tmp_path_factory):
    """A 300-variant set's folder: keys.json and per-variant key.json files."""
    root = tmp_path_factory.mktemp("set")
    keys = build_keys(varied(300, seed=5), [f"s5-{k:03d}" for k in range(300)], seed=5)
    (root / "keys.json").write_text(json.dumps(keys))
    for k in keys[:3]:
        (root / k["variant"]).mkdir()
        (root / k["variant"] / "key.json").write_text(dumps(k))
    return root, keys


def test_300_submissions_against_a_300_variant_set(variant_set, tmp_path, capsys):
    root, keys = variant_set
    subs = []
    for i, k in enumerate(keys):
        # every third student transposes q6; the rest hand in the key
        replace = {"q6": recompute(k, [BY_CODE["transposed"]])[0]["q6"]} if i % 3 == 0 else {}
        subs.append(key_submission(k, f"student {i}", replace))
    answers = write(tmp_path / "class.json", subs[::-1])  # not in the keys' order
    assert main(["grade", "--answers", str(answers), "--keys", str(root), "--json"]) == 0
    students = json.loads(capsys.readouterr().out)["students"][::-1]
    assert len(students) == 300
    for i, s in enumerate(students):
        assert s["variant"] == keys[i]["variant"]
        if i % 3 == 0:
            assert s["score"] == 100 - 7.5 * (1 - Rules().mistake_credit)
            assert s["items"]["q6"]["diagnosis"] == ["transposed"]
        else:
            assert s["score"] == 100


def test_keys_folder_without_keys_json(variant_set, tmp_path, capsys):
    root, keys = variant_set
    folder = tmp_path / "set"
    for k in keys[:3]:
        shutil.copytree(root / k["variant"], folder / k["variant"])
    answers = write(tmp_path / "a.json",
                    [key_submission(k, f"s{i}") for i, k in enumerate(keys[:4])])
    assert main(["grade", "--answers", str(answers), "--keys", str(folder), "--json"]) == 0
    scores = [s["score"] for s in json.loads(capsys.readouterr().out)["students"]]
    assert scores == [100, 100, 100, 0]  # the fourth variant has no key here


def test_out_folder_without_pdfs(key_file, tmp_path, capsys):
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "=HYPERLINK(1)"), "bad"])
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--out", str(out),
                 "--no-pdf"]) == 0
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert rows[0]["student"] == "'=HYPERLINK(1)" and rows[0]["score"] == "100"
    assert rows[1]["score"] == "0" and "expected an object" in rows[1]["error"]
    assert json.loads((out / "report.json").read_text())["students"][0]["score"] == 100
    before = (out / "grades.csv").read_bytes()
    # bad input later leaves the earlier outputs intact
    (tmp_path / "broken.json").write_text("[{")
    assert main(["grade", "--answers", str(tmp_path / "broken.json"), "--key", str(key_file),
                 "--out", str(out)]) == 2
    assert (out / "grades.csv").read_bytes() == before


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_out_folder_with_feedback_pdfs(key_file, tmp_path, capsys):
    [wrong] = recompute(build_key(), [BY_CODE["missing-relu-mask"]])
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "Ada"),
                                          key_submission(build_key(), "Bob & Co", wrong)])
    out = tmp_path / "out"
    (out / "feedback").mkdir(parents=True)
    (out / "feedback" / "stale.pdf").write_text("old")
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--out", str(out),
                 "--jobs", "2"]) == 0
    assert sorted(p.name for p in (out / "feedback").iterdir()) == \
        ["001-ada.pdf", "002-bob-co.pdf"]
    assert (out / "feedback" / "002-bob-co.pdf").read_bytes().startswith(b"%PDF")


def test_a_latex_error_in_feedback_is_one_line_exit_1_outputs_intact(key_file, tmp_path,
                                                                     capsys, monkeypatch):
    import derive.grading.feedback
    from derive.documents.build import LatexError

    def broken(tex, **_):
        raise LatexError(tex.name, 7, "Undefined control sequence.", tex.with_suffix(".log"))
    monkeypatch.setattr(derive.grading.feedback, "compile_pdf", broken)
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "Ada")])
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.csv").write_text("earlier")
    assert main(["grade", "--answers", str(answers), "--key", str(key_file),
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "001-ada.tex:7: Undefined control sequence." in err
    assert "log:" in err and "Traceback" not in err
    assert (out / "grades.csv").read_text() == "earlier" and not (out / "feedback").exists()


@pytest.mark.parametrize("args,text,words", [
    (["--answers", "{a}", "--key", "{k}"], "[{", "--answers: "),
    (["--answers", "{a}", "--key", "{a}"], "[]", "--key: "),
    (["--answers", "{a}", "--keys", "{d}"], "[]", "--keys: "),
    (["--answers", "{a}", "--key", "{k}", "--config", "{c}"], "[]", "grading.rel_tol: "),
    (["--answers", "{a}", "--key", "{k}", "--jobs", "0"], "[]", "--jobs: "),
])
def test_bad_input_is_one_line_and_exit_2(key_file, tmp_path, capsys, args, text, words):
    a = tmp_path / "a.json"
    a.write_text(text)
    c = tmp_path / "c.toml"
    c.write_text("[grading]\nrel_tol = \"big\"\n")
    argv = [s.format(a=a, k=key_file, d=tmp_path, c=c) for s in args]
    assert main(["grade", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


# --------------------------------------------------------------------------
# Fault injection: hostile answers files and keys


def _bad_csv(tmp_path, text):
    f = tmp_path / "a.csv"
    f.write_text(text)
    return f


@pytest.mark.parametrize("text,words", [
    ('student,variant,q5\nAda,reference,1\n"Eve,reference,1\nBob,reference,2\n',
     "line 3: not valid CSV"),
    ("student,variant,q5\nAda,reference,1\nEve,reference,1,2\n", "line 3: 4 cells"),
    ("student,variant,q5\nAda,reference,1\nAda,reference,2\n",
     "student 'Ada' appears twice (line 2 and line 3)"),
])
def test_malformed_csv_is_exit_2_and_earlier_outputs_intact(key_file, tmp_path, capsys,
                                                             text, words):
    out = tmp_path / "out"
    good = write(tmp_path / "good.json", [key_submission(build_key(), "Ada")])
    assert main(["grade", "--answers", str(good), "--key", str(key_file), "--out", str(out),
                 "--no-pdf"]) == 0
    before = (out / "grades.csv").read_bytes()
    capsys.readouterr()
    assert main(["grade", "--answers", str(_bad_csv(tmp_path, text)), "--key", str(key_file),
                 "--out", str(out), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err
    assert (out / "grades.csv").read_bytes() == before


def test_the_readmes_csv_header_with_spaces_is_read(key_file, tmp_path, capsys):
    ans = key_submission(build_key())["answers"]
    f = _bad_csv(tmp_path, "student, variant, q1, q5, q7\n"
                           f"Ada, reference, {ans['q1']}, {ans['q5']}, {ans['q7']}\n")
    assert main(["grade", "--answers", str(f), "--key", str(key_file), "--json"]) == 0
    [ada] = json.loads(capsys.readouterr().out)["students"]
    assert [ada["items"][q]["status"] for q in ("q1", "q5", "q7")] == ["correct"] * 3


def test_json_output_escapes_control_and_bidi_characters(key_file, tmp_path, capsys):
    name = "Eve\u202e\x9b[2J\x1b]0;x\x07\u2028"
    hostile = key_submission(build_key(), name, {"q5": "\u202e1\x9b"})
    answers = write(tmp_path / "a.json", [hostile])
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--json",
                 "--out", str(out), "--no-pdf"]) == 0
    for text in (capsys.readouterr().out, (out / "report.json").read_text()):
        assert not any(ch in text for ch in "\u202e\x9b\x1b\x07\u2028")
        assert "\\u202e" in text and "\\u009b" in text
        assert json.loads(text)["students"][0]["student"] == " ".join(name.split())


def test_a_key_missing_an_answer_names_it(tmp_path, capsys):
    key = build_key()
    del key["answers"]["q1"]
    k = write(tmp_path / "k.json", key)
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "Ada")])
    assert main(["grade", "--answers", str(answers), "--key", str(k)]) == 2
    assert capsys.readouterr().err == "handouts: error: --key: key reference: q1: missing\n"


@pytest.mark.parametrize("change", [
    lambda k: k.update(variant="x\n\x1b[2J\u202eevil"),
    lambda k: k["answers"].update(q9={"sympy": "\x1b[2J" + "z" * 600}),
    lambda k: k["params"].update(softmax_layer="\x1b[2J\n"),
])
def test_messages_about_hostile_keys_are_one_clean_line(tmp_path, capsys, change):
    key = build_key()
    change(key)
    k = write(tmp_path / "k.json", key)
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "Ada")])
    assert main(["grade", "--answers", str(answers), "--key", str(k)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not any(ch in err for ch in "\x1b\u202e")


def test_a_key_with_a_5000_digit_number_is_one_line(tmp_path, capsys):
    k = tmp_path / "k.json"
    k.write_text(dumps(build_key()).replace('"schema": 1', '"schema": 1' + "0" * 5000))
    answers = write(tmp_path / "a.json", [key_submission(build_key(), "Ada")])
    assert main(["grade", "--answers", str(answers), "--key", str(k)]) == 2
    assert "has a number with too many digits" in capsys.readouterr().err


@pytest.mark.parametrize("names,files", [
    (["Zoë Müller", "Zoe Muller"], ["001-zoe-muller", "002-zoe-muller"]),
    (["ſtefan", "Ŀuis", "Łukasz Søren", "李雷", "---"],
     ["001-stefan", "002-luis", "003-lukasz-soren", "004-student", "005-student"]),
])
def test_file_names_are_distinct_readable_ascii(names, files):
    from derive.grading.feedback import file_name
    assert [file_name(i, n) for i, n in enumerate(names)] == files


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_no_student_name_stops_the_feedback_pdfs(key_file, tmp_path, capsys):
    names = ["ſtefan", "Ŀuis ŀ", "Ħans ŉ Ŧ ĸ", "李雷"]
    subs = [key_submission(build_key(), n, {"q7": n}) for n in names]
    answers = write(tmp_path / "a.json", subs)
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(answers), "--key", str(key_file), "--out", str(out),
                 "--jobs", "2"]) == 0
    pdfs = sorted(p.name for p in (out / "feedback").iterdir())
    assert pdfs == ["001-stefan.pdf", "002-luis-l.pdf", "003-hans-n-t-k.pdf", "004-student.pdf"]
    assert all((out / "feedback" / p).read_bytes().startswith(b"%PDF") for p in pdfs)


# --------------------------------------------------------------------------
# Schema 2 keys: any assignment


def _instances(assignment, count, seed=0):
    """``count`` instances of each part with data, weights drawn from a grid."""
    from derive.problem.assignment import PartData
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        inst = {}
        for p in assignment.parts:
            if p.given is not None:
                g = p.given
                W = tuple(tuple(tuple(float(v) for v in r)
                                for r in rng.choice([-1, -0.5, 0.5, 1], np.shape(w))) for w in g.W)
                b = tuple(tuple(float(v) for v in rng.choice([-0.5, 0, 0.5], len(v)))
                          for v in g.b)
                x = tuple(float(v) for v in rng.choice([-2, -1, 1, 2], len(g.x)))
                inst[p.id] = PartData(W, b, x, g.y, g.lr)
        out.append(inst)
    return out


@pytest.fixture(scope="module")
def kind_set(tmp_path_factory):
    """A variant set of sigmoid-softmax (schema 2 keys) in a folder."""
    from derive.numerics.key import build_assignment_keys
    from derive.problem.assignment import load_assignment
    a = load_assignment("sigmoid-softmax")
    keys = build_assignment_keys(a, _instances(a, 3), ["v1", "v2", "v3"], 5)
    keys = json.loads(json.dumps(keys))
    folder = tmp_path_factory.mktemp("set")
    (folder / "keys.json").write_text(json.dumps(keys))
    return a, keys, folder


def _submission(key, student, answers=None):
    from derive.grading.kind_answers import as_submitted
    right = {q: as_submitted(v) for q, v in key["answers"].items()}
    return {"student": student, "variant": key["variant"], "answers": {**right, **(answers or {})}}


def test_schema_2_variant_set_json_and_gradebook(kind_set, tmp_path, capsys):
    from derive.grading.kind_answers import parts_of
    from derive.numerics import kind_mistakes as km
    a, keys, folder = kind_set
    variant = a.with_given({p.id: p.given for p in parts_of(keys[1]) if p.given})
    wrong = json.loads(json.dumps(km.by_part(variant, codes=("ascent",))))
    answers = write(tmp_path / "a.json", [_submission(keys[0], "Ada"),
                                          _submission(keys[1], "Bob", wrong),
                                          {"student": "Cy", "variant": "v9", "answers": {}}])
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(answers), "--keys", str(folder), "--json",
                 "--out", str(out), "--no-pdf"]) == 0
    ada, bob, cy = json.loads(capsys.readouterr().out)["students"]
    assert (ada["score"], ada["max"]) == (95, 100)          # q2 (softmax Jacobian) by hand
    assert ada["items"]["q2"]["status"] == "manual"
    assert bob["items"]["q10"]["diagnosis"] == ["ascent"] and bob["score"] == 85, bob
    assert bob["items"]["q13"]["status"] == "carried-forward"
    assert cy["error"] == "no key for variant 'v9'"
    rows = list(csv.reader((out / "grades.csv").open()))
    assert rows[0] == ["student", "variant", "score", "max", *[f"q{i}" for i in range(1, 15)],
                       "diagnosis", "error"]
    assert rows[2][:4] == ["Bob", "v2", "85", "100"] and "q10: ascent" in rows[2][-2]


def test_schema_2_csv_answers_with_gradient_step_columns(kind_set, tmp_path, capsys):
    _, keys, folder = kind_set
    k = keys[2]
    header = ["student", "variant", "q4", "q10.grad", "q10.new"]
    row = ["Ada", "v3", json.dumps(k["answers"]["q4"]), json.dumps(k["answers"]["q10"]["grad"]),
           json.dumps(k["answers"]["q10"]["new"])]
    f = tmp_path / "a.csv"
    with f.open("w", newline="") as h:
        csv.writer(h).writerows([header, row])
    assert main(["grade", "--answers", str(f), "--keys", str(folder), "--json"]) == 0
    [ada] = json.loads(capsys.readouterr().out)["students"]
    assert ada["items"]["q4"]["status"] == ada["items"]["q10"]["status"] == "correct"
    assert ada["score"] == 15
    # the new value by the parameter's letter (the reference's old q12.W columns)
    header[-1] = "q10.W"
    with f.open("w", newline="") as h:
        csv.writer(h).writerows([header, row])
    assert main(["grade", "--answers", str(f), "--keys", str(folder), "--json"]) == 0
    [ada] = json.loads(capsys.readouterr().out)["students"]
    assert ada["items"]["q10"]["status"] == "correct"
    f.write_text("student,variant,q10.X\nAda,v3,[[1]]\n")
    assert main(["grade", "--answers", str(f), "--keys", str(folder)]) == 2
    assert "unknown column 'q10.X'" in capsys.readouterr().err


def test_schema_2_feedback_pdf(kind_set, tmp_path, capsys):
    _, keys, folder = kind_set
    bad = {"q8": np.array(keys[0]["answers"]["q8"]).T.tolist(), "q1": "sigma(-z)*(1 - sigma(-z))"}
    answers = write(tmp_path / "a.json", [_submission(keys[0], "Zoë", bad)])
    out = tmp_path / "out"
    assert main(["grade", "--answers", str(answers), "--keys", str(folder), "--out", str(out),
                 "--jobs", "1"]) == 0
    [pdf] = (out / "feedback").iterdir()
    assert pdf.name == "001-zoe.pdf" and pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("change,words", [
    (lambda ks: ks[1]["questions"].pop("q3"), "of another assignment than the first"),
    (lambda ks: ks[0]["answers"].__setitem__("q4", [1, 2, "x"]), "key v1: q4"),
    (lambda ks: ks[0].pop("questions"), "not an answer key of schema 2"),
])
def test_schema_2_bad_keys_are_one_line_exit_2(kind_set, tmp_path, capsys, change, words):
    _, keys, _ = kind_set
    keys = json.loads(json.dumps(keys))
    change(keys)
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    answers = write(tmp_path / "a.json", {"student": "Ada", "variant": "v1", "answers": {}})
    assert main(["grade", "--answers", str(answers), "--keys", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


def test_schema_2_one_key_and_bad_answers_files(kind_set, tmp_path, capsys):
    _, keys, _ = kind_set
    key = write(tmp_path / "key.json", keys[0])
    answers = write(tmp_path / "a.json", _submission(keys[0], "Ada") | {"variant": "v7"})
    assert main(["grade", "--answers", str(answers), "--key", str(key), "--json"]) == 0
    [ada] = json.loads(capsys.readouterr().out)["students"]
    assert ada["score"] == 95 and "graded against the key of 'v1'" in ada["notes"][0]
    (tmp_path / "b.json").write_text('[{"student": "Ada", "answers": {"q4": [1, 2')
    assert main(["grade", "--answers", str(tmp_path / "b.json"), "--key", str(key)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    twice = write(tmp_path / "c.json", [_submission(keys[0], "Ada"), _submission(keys[0], " ada")])
    assert main(["grade", "--answers", str(twice), "--key", str(key)]) == 2
    assert "appears twice (entry 1 and entry 2)" in capsys.readouterr().err


def test_a_schema_1_key_grades_as_its_schema_2_key(tmp_path, capsys):
    """An old key file and the schema 2 key `handouts key --params OLD.json`
    prints for it give the same report, on an old answers file (q12.W)."""
    from derive.problem.spec import parse_params
    [instance] = varied(1, seed=9)
    old = build_keys([instance], ["s9-1"], seed=9)[0]
    old_file = write(tmp_path / "old.json", old)
    assert main(["key", "--params", str(old_file)]) == 0
    new = json.loads(capsys.readouterr().out)
    assert new["schema"] == 2 and parse_params(old["params"]) == instance
    new_file = write(tmp_path / "new.json", {**new, "variant": "s9-1", "seed": 9})
    [a] = recompute(old, [BY_CODE["transposed"]])
    [b] = recompute(old, [BY_CODE["missing-relu-mask"], BY_CODE["ascent"]])
    subs = [key_submission(old, "Ada", a), key_submission(old, "Bob", b),
            key_submission(old, "Cy", {"q13": {"W": [[0] * 4] * 2}})]
    for s in subs:   # as old answers files have them: {"grad", "W"}
        for q in ("q12", "q13"):
            s["answers"][q] = {("W" if p == "new" else p): v for p, v in s["answers"][q].items()}
    answers = write(tmp_path / "a.json", subs)
    reports = []
    for key in (old_file, new_file):
        assert main(["grade", "--answers", str(answers), "--key", str(key), "--json"]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0] == reports[1]
    ada, bob, cy = reports[0]["students"]
    assert ada["items"]["q6"]["diagnosis"] == ["transposed"] and bob["score"] < 100
    assert cy["items"]["q13"]["status"] == "wrong"
