"""Pre-activations of size 10⁴ through every command that takes data
(issue 15): tests/data/extremes.toml gives z = ±10⁴, a softmax with one huge
logit, a dead ReLU, one exactly at the kink, a saturated sigmoid and tanh
units; its grids draw the same sizes for variants (kept with every richness
constraint off, tests/data/extremes-config.toml).

Each command runs once (module-scoped), as a user runs it, in a subprocess
where a RuntimeWarning (overflow, division by zero, invalid value) is an
error. The keys are checked against a plain NumPy computation written here.
`handouts init` takes no data: it copies a shipped example."""

import csv
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

from derive.grading.rules import Rules
from tests.grading.answers_csv import write_answers_csv
from tests.numerics.plain_network import ACT

DATA = Path(__file__).resolve().parents[1] / "data"
ASSIGNMENT, CONFIG = str(DATA / "extremes.toml"), str(DATA / "extremes-config.toml")
ENV = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}


def handouts(*args, cwd=None) -> subprocess.CompletedProcess:
    """``handouts ARGS`` with RuntimeWarnings as errors: exit 0, nothing on stderr."""
    done = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-m", "derive", *args],
                          capture_output=True, text=True, env=ENV, cwd=cwd, timeout=240)
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done


# --------------------------------------------------------------------------
# The independent computation: plain NumPy, one instance


def _forward(net, p, Ws):
    zs, acts, a = [], [], np.asarray(p["x"], float)
    for l, (layer, W) in enumerate(zip(net["layers"], Ws), start=1):
        z = W.T @ a + np.asarray(p[f"b{l}"], float)
        a = ACT[layer["activation"]](z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def _loss(net, z, a, y):
    """ℓ from zᴸ where the output saturates: log-softmax, log-sigmoid."""
    if net["loss"] == "nllm":
        return float(np.logaddexp.reduce(z) - z @ y)
    if net["loss"] == "nll":
        return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
    return float(np.sum((a - y) ** 2) / 2)


SLOPE = {"relu": lambda z, a: (z > 0).astype(float), "tanh": lambda z, a: 1 - a**2,
         "sigmoid": lambda z, a: a * (1 - a), "identity": lambda z, a: np.ones_like(z)}


def plain_part(net, p, step_params):
    """{"z1", "a1", …, "output", "loss", "W1" (its gradient), …, "after": {…}, "new": {…}}."""
    L = len(net["layers"])
    Ws = [np.asarray(p[f"W{l}"], float) for l in range(1, L + 1)]
    y = np.asarray(p["y"], float)

    def values(Ws):
        zs, acts = _forward(net, p, Ws)
        out = {f"z{l + 1}": zs[l] for l in range(L)} | {f"a{l + 1}": acts[l] for l in range(L)}
        return out | {"output": acts[-1], "loss": _loss(net, zs[-1], acts[-1], y)}, zs, acts
    now, zs, acts = values(Ws)
    # δᴸ = aᴸ − y for every output and loss pair of the file (softmax/nllm, sigmoid/nll, identity/mse)
    deltas = [acts[-1] - y]
    for l in range(L - 2, -1, -1):
        deltas.insert(0, (Ws[l + 1] @ deltas[0]) * SLOPE[net["layers"][l]["activation"]](
            zs[l], acts[l]))
    inputs = [np.asarray(p["x"], float)] + acts[:-1]
    grads = {f"W{l + 1}": np.outer(inputs[l], deltas[l]) for l in range(L)}
    grads |= {f"b{l + 1}": deltas[l] for l in range(L)}
    new = {k: np.asarray(p[k], float) - (p["lr"] * grads[k] if k in step_params else 0)
           for k in grads}
    after, _, _ = values([new[f"W{l}"] for l in range(1, L + 1)]) if step_params else (None,) * 3
    return {**now, **grads, "new": new, "after": after}


def expected_answers(key) -> dict:
    """Every numeric answer of a key, computed here from its params."""
    steps = {}
    for q in key["questions"].values():
        if q["kind"] in ("step", "gradient-step"):
            steps.setdefault(q["part"], set()).add(q["param"])
    solved = {pid: plain_part(net, key["params"][pid], steps.get(pid, set()))
              for pid, net in key["networks"].items()}
    out = {}
    for qid, q in key["questions"].items():
        s = solved[q["part"]]
        kind = q["kind"]
        if kind in ("forward", "after-step"):
            out[qid] = (s["after"] if kind == "after-step" else s)[q["value"]]
        elif kind == "probability":
            out[qid] = (s["after"] if q.get("after") else s)["output"][q["class"] - 1]
        elif kind == "gradient-step":
            out[qid] = {"grad": s[q["param"]], "new": s["new"][q["param"]]}
        elif kind in ("gradient", "step"):
            out[qid] = s[q["param"]] if kind == "gradient" else s["new"][q["param"]]
    return out


def assert_same_answers(got: dict, want: dict):
    """Every numeric answer of ``want`` in ``got``: finite, and equal to 1e-9 relative."""
    for qid, w in want.items():
        if isinstance(w, dict) and "grad" not in w:
            continue   # a formula
        for part in (("grad", "new") if isinstance(w, dict) else (None,)):
            g, e = (got[qid], w) if part is None else (got[qid][part], w[part])
            assert np.all(np.isfinite(g)), (qid, g)
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-300, err_msg=f"{qid} {part}")


def assert_key_is_right(key):
    """Finite, no −0, and equal to the plain computation."""
    text = json.dumps(key["answers"])
    assert "NaN" not in text and "Infinity" not in text and not re.search(r"-0\.0(?!\d)", text)
    assert_same_answers(key["answers"], expected_answers(key))


def assert_no_nan_in(text: str, where: str):
    words = set(text.replace("{", " ").replace("}", " ").split())
    assert not words & {"nan", "inf", "-inf", "NaN", "Infinity", "-Infinity"}, where


def check_instructor_notebook(path: Path, key: dict, capsys):
    """The instructor notebook's code cells run here in order, with RuntimeWarnings
    as errors: every public check passes and its answers are the key's."""
    nb = nbformat.read(path, 4)
    space: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for cell in nb.cells:
            if cell.cell_type == "code":
                exec(cell.source, space)
    printed = capsys.readouterr().out
    assert "✗" not in printed and printed.count("✓") > 50
    assert_same_answers(space["_handouts"]["answers"], key["answers"])


# --------------------------------------------------------------------------
# The commands


@pytest.fixture(scope="module")
def key():
    return json.loads(handouts("key", "--assignment", ASSIGNMENT).stdout)


def test_key_is_finite_and_the_plain_computation(key):
    assert_key_is_right(key)
    a = key["answers"]
    assert a["q1"] == [10000, 0, -10000] and a["q2"] == 10000 and a["q8"] == 20100
    assert a["q6"] == [10000, 0, 0, 50]                # dead unit 2, unit 3 at the kink
    assert a["q10"]["grad"] == [[100, 0, 0, 100]] * 2  # ReLU′(0) = 0: no gradient for unit 3
    assert 0 < a["q11"][1] < 1e-40 and a["q12"] == [0] and a["q13"] == 10000
    assert a["q16"]["grad"] == [[0, 0]]                # saturated tanh units


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    handouts("report", "--assignment", ASSIGNMENT, "--out", str(out))
    return out


def test_report_prints_sane_numbers(report, key):
    assert json.loads((report / "answer-key.json").read_text())["answers"] == key["answers"]
    tex = (report / "handout.tex").read_text()
    for name in ("handout.tex", "problems.tex"):
        assert_no_nan_in((report / name).read_text(), name)
    assert "20100" in tex and "4.487 \\times 10^{-43}" in tex
    assert (report / "handout.pdf").stat().st_size > 0


@pytest.fixture(scope="module")
def variant_set(tmp_path_factory):
    """Seed 6 draws a tie of two logits of 10⁴, a sigmoid at z = ±10⁴ and a
    layer of dead ReLUs."""
    out = tmp_path_factory.mktemp("set")
    handouts("variants", "--count", "2", "--seed", "6", "--assignment", ASSIGNMENT,
             "--config", CONFIG, "--out", str(out), "--jobs", "2")
    return out


def test_variants_keep_extreme_draws_and_their_keys_are_right(variant_set, capsys):
    # (one test per expensive fixture: under xdist two would each build it)
    keys = json.loads((variant_set / "keys.json").read_text())
    assert [k["variant"] for k in keys] == ["s6-0", "s6-1"]
    for k in keys:
        assert_key_is_right(k)
        check_instructor_notebook(variant_set / k["variant"] / "solution.ipynb", k, capsys)
        assert max(abs(v) for v in k["answers"]["q1"]) == 10000   # drawn at the extreme
        for name in ("handout.tex", "problems.tex"):
            assert_no_nan_in((variant_set / k["variant"] / name).read_text(), name)
    for name in ("keys.csv", "moodle.xml"):
        assert_no_nan_in((variant_set / name).read_text(), name)
    rows = list(csv.reader((variant_set / "keys.csv").open()))
    assert all(np.isfinite(float(v)) for row in rows[1:] for v in row[2:])


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    out = tmp_path_factory.mktemp("notebooks")
    handouts("notebooks", "--assignment", ASSIGNMENT, "--out", str(out))
    return out


def test_the_instructor_notebook_runs_without_overflow_and_gives_the_key(notebooks, key,
                                                                         capsys):
    check_instructor_notebook(notebooks / "solutions" / "reference.ipynb", key, capsys)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, key):
    """Three students: the key's answers, zeros everywhere, and a sign flipped in q14
    (the gradient negated and the step taken with it, consistently)."""
    folder = tmp_path_factory.mktemp("grade")
    a = key["answers"]
    zeros = {q: ({p: np.zeros_like(v[p]).tolist() for p in v} if isinstance(v, dict)
                 else np.zeros_like(v).tolist()) for q, v in a.items()}
    g = np.asarray(a["q14"]["grad"])
    W = np.asarray(key["params"]["sigmoid-unit"]["W1"])
    flipped = {**a, "q14": {"grad": (-g).tolist(),
                            "new": (W + key["params"]["sigmoid-unit"]["lr"] * g).tolist()}}
    write_answers_csv(folder / "answers.csv", [
        {"student": name, "variant": "reference", "answers": answers}
        for name, answers in (("key", a), ("zeros", zeros), ("flipped", flipped))])
    (folder / "key.json").write_text(json.dumps(key))
    done = handouts("grade", "--answers", "answers.csv", "--key", "key.json", "--out", "out",
                    "--jobs", "2", cwd=folder)
    return folder / "out", done.stdout


def test_grade_gives_the_right_marks(graded, key):
    out, table = graded
    report = {s["student"]: s for s in json.loads((out / "report.json").read_text())["students"]}
    assert report["key"]["score"] == report["key"]["max"] == 16
    # zeros are right exactly where every entry of the key's answer is 0 (σ(−10⁴) = 0)
    blank = {q for q, v in expected_answers(key).items()
             if not isinstance(v, dict) and not np.any(v)}
    assert blank == {"q12"}
    assert {q for q, i in report["zeros"]["items"].items() if i["status"] == "correct"} == blank
    assert report["zeros"]["score"] == 1
    flipped = report["flipped"]["items"]
    assert {q for q, i in flipped.items() if i["status"] != "correct"} == {"q14"}
    assert flipped["q14"]["diagnosis"] == ["sign-flipped"]
    assert flipped["q14"]["points"] == Rules().mistake_credit
    assert "q14: sign-flipped" in table
    for pdf in sorted((out / "feedback").glob("*.pdf")):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              timeout=60).stdout
        assert_no_nan_in(text, pdf.name)
    assert len(list((out / "feedback").glob("*.pdf"))) == 3


def test_stress_rates_and_ranges_stay_sane():
    out = handouts("stress", "--count", "12", "--seed", "2", "--assignment", ASSIGNMENT,
                   "--config", CONFIG).stdout
    assert_no_nan_in(out, "stress")
    assert "accepted 48 of 48 candidates" in out   # four parts, nothing refused
    # every rate (of the variants, of the candidates, of the unseen mistakes) at most 100 %
    rates = [float(r) for r in re.findall(r"([0-9.]+)%", out)]
    assert len(rates) > 10 and max(rates) <= 100, out
    ranges = {line.split()[0]: line.split()[1:] for line in out.splitlines()
              if line.startswith("q")}
    assert ranges["q1"] == ["-1e+04", "1e+04"] and ranges["q16.grad"] == ["0", "0"]
