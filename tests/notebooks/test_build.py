"""The student and instructor notebooks of an instance: valid nbformat 4, the
format's metadata, tags and cell ids, the same bytes for the same inputs, the
data cells read back as the key's, and no answer of the key in a student's."""

import base64
import json
import re

import nbformat
import numpy as np
import pytest

from derive.notebooks import format as nbf
from derive.notebooks.build import (VariantNotebooks, notebook_bytes, notebooks,
                                    student_notebook)
from derive.problem.config import Config
from tests.notebooks.notebooks import INSTANCES, built, instance, notebook


@pytest.mark.parametrize("name,k", INSTANCES)
def test_notebooks_validate_with_the_formats_metadata(name, k):
    assignment, key = instance(name, k)
    for role, nb in zip(("student", "solution"), (notebook(name, k, 0), notebook(name, k, 1))):
        nbformat.validate(nb)
        assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
        assert nb.metadata.kernelspec.name == "python3"
        assert nb.metadata.language_info.name == "python"
        meta = nb.metadata[nbf.KEY]
        assert meta == {"format": nbf.FORMAT, "role": role, "variant": key["variant"],
                        "seed": key["seed"], "assignment": key["assignment"],
                        "fingerprint": nbf.fingerprint(key),
                        "questions": nbf.variables(list(key["questions"]))}
        ids = [c.id for c in nb.cells]
        assert len(set(ids)) == len(ids)
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids)
        assert nb.cells[0].metadata.tags == [nbf.TAGS["intro"]]
        assert nb.cells[-1].metadata.tags == [nbf.TAGS["answers"]]
        names = nbf.variables(list(key["questions"]))   # in the order of the questions
        assert nb.cells[-1].source == nbf.answers_source(names, key["variant"],
                                                         meta["fingerprint"])


@pytest.mark.parametrize("name,k", INSTANCES)
def test_every_question_and_part_has_its_tagged_cells(name, k):
    assignment, key = instance(name, k)
    student, solution = notebook(name, k, 0), notebook(name, k, 1)
    # the same cells in the same order, the instructor's with solution code
    assert [(c.id, c.metadata) for c in student.cells] == [(c.id, c.metadata) for c in solution.cells]
    tagged = {}
    for c in student.cells:
        (tag,) = c.metadata.tags
        tagged.setdefault(tag, []).append(c.metadata.get(nbf.KEY, {}))
    for tag in ("question", "answer", "check"):
        assert tagged[nbf.TAGS[tag]] == [{"question": q} for q in key["questions"]]
    assert tagged[nbf.TAGS["data"]] == [{"part": p} for p in key["params"]]
    parts = [p.id for p in assignment.parts]
    assert tagged[nbf.TAGS["part"]] == [{"part": p} for p in parts]
    # a data cell reads back (without running) as the key's params
    for c in student.cells:
        if nbf.TAGS["data"] in c.metadata.tags:
            assert nbf.read_data(c.source) == key["params"][c.metadata[nbf.KEY]["part"]]
    # an answer cell assigns None to its variable; the instructor's has no TODO
    names = student.metadata[nbf.KEY]["questions"]
    for c, s in zip(student.cells, solution.cells):
        if nbf.TAGS["answer"] in c.metadata.tags:
            q = c.metadata[nbf.KEY]["question"]
            assert re.search(rf"^{names[q]} = (None|{{\"grad\": None, \"new\": None}})   # ",
                             c.source, re.M)
            assert re.search(rf"^{names[q]} = ", s.source, re.M) and "None" not in s.source
        assert "TODO" not in s.source


def test_the_same_inputs_give_the_same_bytes():
    assignment, key = instance("reference", 0)
    a = [notebook_bytes(nb) for nb in notebooks(key, Config(), *_context(assignment, key))]
    b = [notebook_bytes(nb) for nb in notebooks(key, Config(), *_context(assignment, key))]
    assert a == b and a[0] != a[1] and a[0].endswith(b"}\n")
    assert a[0] == notebook_bytes(student_notebook(assignment, key, Config()))
    assert VariantNotebooks().files(key, Config(), *_context(assignment, key)) == dict(
        zip(("notebook.ipynb", "solution.ipynb"), a))


def _context(assignment, key):
    from derive.variants.instances import instance_context
    return instance_context(assignment, key, Config())


def _numbers(value):
    if isinstance(value, dict):
        return [x for v in value.values() if not isinstance(v, str) for x in _numbers(v)]
    return [float(x) for x in np.ravel(np.asarray(value, float))]


def _forms(x: float) -> set[str]:
    """How a number may be printed: repr, and 3 to 6 significant figures
    (a form of fewer than 3 figures, 0.99999 as 1, says nothing)."""
    forms = {repr(x)} | {f"{x:.{n}g}" for n in range(3, 7)} | {f"{x:.{n - 1}f}" for n in
                                                               range(3, 7) if abs(x) < 1}
    return {f for f in forms if len(f.lstrip("-").replace(".", "").strip("0")) >= 3}


@pytest.mark.parametrize("name,k", INSTANCES)
def test_a_student_notebook_shows_no_answer(name, k):
    assignment, key = instance(name, k)
    assert not _leaks(notebook(name, k, 0), assignment, key)


def test_a_leak_would_be_seen():
    assignment, key = instance("reference")
    for planted in (f"{key['answers']['q7']:.4g}", repr(key["answers"]["q12"]["new"][0][0]),
                    key["answers"]["q3"]["sympy"]):
        nb = notebook("reference")
        nb.cells[1].source += f"\n# {planted}"
        assert _leaks(nb, assignment, key)


def _leaks(nb, assignment, key) -> list:
    text = "\n".join(c.source for c in nb.cells)   # not the attachments' base64
    given = {round(v, 12) for p in key["params"].values() for v in _numbers(p)}
    for _, q in assignment.questions():   # a loss question's example
        given |= {round(float(v), 12) for v in getattr(q.get("example"), "a", ())}
    leaks = []
    for qid, answer in key["answers"].items():
        for x in _numbers(answer if not (isinstance(answer, dict) and "value" in answer)
                          else answer["value"]):
            if round(x, 12) in given or x == int(x):   # given data, or a whole number
                continue
            leaks += [(qid, f) for f in _forms(x) if re.search(
                rf"(?<![\d.]){re.escape(f)}(?!\d)", text)]
        if isinstance(answer, dict) and "sympy" in answer:
            leaks += [(qid, answer["sympy"])] if answer["sympy"] in text else []
    return leaks


@pytest.mark.parametrize("name,k", INSTANCES)
def test_markdown_has_dollar_maths_only(name, k):
    nb = notebook(name, k, 0)
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        assert "\\(" not in c.source and "\\[" not in c.source and "<p>" not in c.source
        assert c.source.count("$") % 2 == 0 and c.source.count("$$") % 2 == 0
        for name_ in re.findall(r"attachment:([^)]+)\)", c.source):
            png = base64.b64decode(c.attachments[name_]["image/png"])
            assert png.startswith(b"\x89PNG")


def test_the_reference_notebook_reads_as_the_sheet():
    nb = notebook("reference")
    intro = nb.cells[0].source
    assert intro.startswith("# Gradients of small neural networks")
    assert "Give every number exactly or to at least 3 significant figures" in intro
    assert "$\\ln(x)$ is the natural logarithm" in intro and "`a[2]`" not in intro
    part = next(c for c in nb.cells if c.id == "part-network")
    assert "## Part 3: A two-layer network and backpropagation" in part.source
    assert "$$W^{1} = \\begin{bmatrix} 1 & 0 & -1 & 0 \\\\ 0 & 1 & 0 & -1 \\end{bmatrix}" \
        in part.source
    assert list(part.attachments) == ["reference-part-3-network.png"]
    q6 = next(c for c in nb.cells if c.id == "question-q6").source
    assert q6.startswith("### Question 6 · 7.5 points\n\nShow that $\\nabla_{W^{1}} \\ell")
    check = next(c for c in nb.cells if c.id == "check-q6").source
    assert 'check_answer("q6", globals().get("q6"), (2, 3), outer=True, rows_total=0)' in check
    answer = next(c for c in nb.cells if c.id == "answer-q12").source
    assert 'q12 = {"grad": None, "new": None}   # {"grad": ..., "new": ...}, each a 4 × 2' \
        in answer
    formula = next(c for c in nb.cells if c.id == "answer-q3").source
    assert "in the names a, x_k, y" in formula


def test_odd_characters_of_an_assignment_stay_text(tmp_path):
    from derive.numerics.key import build_assignment_key
    from derive.problem.assignment import load_assignment
    data = instance("logistic")[0].to_data()
    data["title"] = "Odd *title* with `ticks`, $5 & <b>tags</b> #1 [x](y) \\ ~ |"
    data["parts"][0]["text"] = "A _list_ of 50% & 3 < 4"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(data))
    assignment = load_assignment(str(path))
    nb = student_notebook(assignment, build_assignment_key(assignment), Config())
    title = nb.cells[0].source.splitlines()[0]
    assert title == ("# Odd &#42;title&#42; with &#96;ticks&#96;, &#36;5 &amp; &lt;b&gt;tags&lt;/b&gt; "
                     "&#35;1 &#91;x&#93;(y) &#92;\u2060 &#126; &#124;")
    part = next(c for c in nb.cells if c.id == "part-logistic").source
    assert "A &#95;list&#95; of 50% &amp; 3 &lt; 4" in part
