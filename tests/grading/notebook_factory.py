"""Student notebooks for the grading tests, following derive.notebooks.format
(the builder's notebooks are not needed to test the reader): the tags, the
cell metadata, the data cells, answer cells ``q6 = <code>``, check cells
that show ANSWER_MIME and the answers cell; with saved outputs as a kernel
makes them (the values computed with the answers cell's own code), or none."""

from __future__ import annotations

import json

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from derive.notebooks import format as nbf

T = nbf.TAGS


def code(value) -> str:
    """An answer as a student's code makes it: arrays for lists."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {code(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return f"np.array({value!r})"
    return repr(value)


def _plain():
    space: dict = {}
    exec(nbf.PLAIN_SOURCE, space)
    return space["_handouts_plain"]


def shown(source: str):
    """What an answer cell's code gives as the answers cell shows it (our own
    code, made by :func:`code`)."""
    space = {"np": np, "nan": float("nan")}
    exec(source, space)
    value = [v for k, v in space.items() if k not in ("np", "nan", "__builtins__")]
    return _plain()(value[0]) if value else None


def _cell(kind, source, tag, cid, **meta):
    make = new_code_cell if kind == "code" else new_markdown_cell
    return make(source, id=cid, metadata={"tags": [T[tag]], nbf.KEY: meta})


def check_source(qid: str, name: str) -> str:
    """A check cell: shows its question's answer (ANSWER_MIME)."""
    return (f"_display({{'text/plain': 'checked', {json.dumps(nbf.ANSWER_MIME)}: "
            f"{{'question': {json.dumps(qid)}, 'value': _handouts_plain(globals().get("
            f"{json.dumps(name)})) }}}}, raw=True)")


def notebook(key: dict, answers: dict | None = None, *, outputs: bool = True,
             sources: dict | None = None) -> nbformat.NotebookNode:
    """The student notebook of ``key`` with ``answers`` (submission-format
    values; a question left out stays ``None``) or raw answer-cell
    ``sources`` typed in, and the outputs of a run (``outputs``)."""
    answers, sources = answers or {}, dict(sources or {})
    names = nbf.variables(key["questions"])
    for q, v in answers.items():
        sources.setdefault(q, f"{names[q]} = {code(v)}")
    variant, print_ = str(key.get("variant")), nbf.fingerprint(key)
    cells = [_cell("markdown", "# Homework", "intro", "intro"),
             _cell("code", "import numpy as np\nfrom IPython.display import display as "
                   f"_display\n{nbf.PLAIN_SOURCE}", "setup", "setup")]
    for part in dict.fromkeys(q["part"] for q in key["questions"].values()):
        cells.append(_cell("markdown", f"## {part}", "part", nbf.cell_id("part", part), part=part))
        if part in key["params"]:
            cells.append(_cell("code", nbf.data_source(key["params"][part]), "data",
                               nbf.cell_id("data", part), part=part))
        for q in (q for q, v in key["questions"].items() if v["part"] == part):
            source = sources.get(q, f"{names[q]} = None")
            cells += [_cell("markdown", f"**{q}**", "question", nbf.cell_id(q, "text"), question=q),
                      _cell("code", source, "answer", nbf.cell_id(q, "answer"), question=q),
                      _cell("code", check_source(q, names[q]), "check", nbf.cell_id(q, "check"),
                            question=q)]
    cells.append(_cell("code", nbf.answers_source(names, variant, print_), "answers", "answers"))
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            nbf.KEY: {"format": nbf.FORMAT, "role": "student", "variant": variant,
                      "seed": key.get("seed"), "assignment": key.get("assignment"),
                      "fingerprint": print_, "questions": names}}
    nb = new_notebook(cells=cells, metadata=meta)
    if outputs:
        values = {q: shown(sources[q]) if q in sources else None for q in names}
        _run(nb, values, variant, print_)
    return nb


def _run(nb, values: dict, variant: str, print_: str) -> None:
    """Saved outputs as a run top to bottom makes them."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        tags, q = cell.metadata["tags"], cell.metadata[nbf.KEY].get("question")
        if T["check"] in tags:
            cell.outputs = [new_output("display_data", {
                "text/plain": "checked", nbf.ANSWER_MIME: {"question": q, "value": values[q]}})]
        elif T["answers"] in tags:
            cell.outputs = [new_output("display_data", {
                "text/plain": json.dumps(values, indent=1),
                nbf.ANSWERS_MIME: {"variant": variant, "fingerprint": print_,
                                   "answers": values}})]


def tagged(nb, tag: str) -> list:
    """The cells with ``tag``."""
    return [c for c in nb.cells if T[tag] in c.metadata.get("tags", [])]


def write(nb, path) -> str:
    """``nb`` saved as Jupyter saves it; the path."""
    nbformat.write(nb, str(path))
    return str(path)
