"""The student notebook and the instructor notebook of one instance of an
assignment (a schema 2 key, the reference or a variant), in the format of
:mod:`derive.notebooks.format`.

Both have the same cells, in order: the intro, the setup, per part its text
(with its network figure as a cell attachment), its data cell and its work
cell (and, where the part asks for gradients, the finite-difference check of
the student's own gradients), per question its statement, its answer cell
and its check cell, and last the answers cell. The instructor notebook's
work and answer cells hold the solution code
(:mod:`derive.notebooks.solution`); it executes top to bottom and its
answers cell shows the key's answers.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass

import nbformat
from nbformat import v4

from derive.notebooks import checks, markdown, solution
from derive.notebooks import format as nbf

STUDENT, SOLUTION = "student", "solution"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def student_notebook(assignment, key: dict, config) -> nbformat.NotebookNode:
    """The notebook a student works in for ``key``'s instance of ``assignment``."""
    return notebooks(key, config, *_instance(assignment, key, config))[0]


def solution_notebook(assignment, key: dict, config) -> nbformat.NotebookNode:
    """The instructor notebook of ``key``'s instance: the same cells with the
    solution code, which reproduces the key."""
    return notebooks(key, config, *_instance(assignment, key, config))[1]


def _instance(assignment, key: dict, config):
    from derive.variants.instances import instance_context
    return instance_context(assignment, key, config)


def notebooks(key: dict, config, variant, solutions: dict, ctx: dict,
              pngs: dict[str, bytes] | None = None) -> tuple[nbformat.NotebookNode, ...]:
    """(student, instructor) notebooks of an instance as the variant worker
    has it (:func:`derive.variants.instances.instance_context`: the variant,
    its solutions, its render context; ``pngs`` its figures by path, as
    :func:`derive.variants.lms_figures.variant_pngs` draws them)."""
    from derive.variants.lms_figures import png_name, variant_pngs
    if pngs is None:
        pngs = variant_pngs(variant, solutions)
    figures = {path: (png_name(key["variant"], path), data) for path, data in pngs.items()}
    student = _notebook(key, config, variant, ctx, figures)
    return student, _solution(student, key, config, variant)


def _cell(kind: str, source: str, name: tuple, tag: str, where: dict | None = None, **extra):
    """A cell as nbformat 4.5 has it (v4.new_*_cell's fields; validated with
    the whole notebook, not each cell again)."""
    metadata = {"tags": [nbf.TAGS[tag]], **({nbf.KEY: where} if where else {})}
    code = {"outputs": [], "execution_count": None} if kind == "code" else {}
    return nbformat.from_dict({"cell_type": kind, "id": nbf.cell_id(*name), "metadata": metadata,
                               "source": source, **code, **extra})


def _solution(student, key: dict, config, variant) -> nbformat.NotebookNode:
    """The instructor notebook: the student's, its setup, work and answer
    cells holding the solution code."""
    nb = copy.deepcopy(student)
    nb.metadata[nbf.KEY]["role"] = SOLUTION
    names = nb.metadata[nbf.KEY]["questions"]
    sources = {nbf.cell_id("setup"): checks.setup_source(config.course.figures,
                                                         solution.setup(variant))}
    for part in variant.parts:
        if part.given is not None and part.id in key["params"]:
            sources[nbf.cell_id("gradient", part.id)] = solution.part_code(part)
        for q in part.questions:
            sources[nbf.cell_id("answer", q.id)] = solution.answer_code(
                part, q, key["answers"][q.id], names[q.id])
    for cell in nb.cells:
        cell.source = sources.get(cell.id, cell.source)
    return nb


def _notebook(key: dict, config, variant, ctx: dict, figures: dict):
    """The student notebook (the instructor's is made from it: :func:`_solution`)."""
    qids = [q.id for _, q in variant.questions()]
    names = nbf.variables(qids)
    setup = checks.setup_source(config.course.figures)
    cells = [_cell("markdown", markdown.intro(ctx, config.course.figures), ("intro",), "intro"),
             _cell("code", setup, ("setup",), "setup")]
    for number, (part, shown) in enumerate(zip(variant.parts, ctx["parts"]), start=1):
        at = {"part": part.id}
        name, png = figures.get(shown["figure"], ("", None))
        attachments = {name: {"image/png": base64.b64encode(png).decode("ascii")}} if png else {}
        cells.append(_cell("markdown", markdown.part(shown, number, name), ("part", part.id),
                           "part", at, **({"attachments": attachments} if attachments else {})))
        if part.given is not None and part.id in key["params"]:
            cells.append(_cell("code", f"# The data of part {number}: do not edit this cell\n"
                               + nbf.data_source(key["params"][part.id]) + "\n",
                               ("data", part.id), "data", at))
            grads = checks.asks_gradients(part)
            work = checks.work_source(part, grads)
            cells.append(_cell("code", work, ("gradient", part.id), "gradient", at))
            if grads:
                cells.append(_cell("code", checks.GRADCHECK, ("gradcheck", part.id), "gradient", at))
        for q, q_ctx in zip(part.questions, shown["questions"]):
            at_q, answer, var = {"question": q.id}, key["answers"][q.id], names[q.id]
            cells.append(_cell("markdown", markdown.question(q_ctx, q.id), ("question", q.id),
                               "question", at_q))
            source = _placeholder(part, q, answer, var)
            cells.append(_cell("code", source, ("answer", q.id), "answer", at_q))
            cells.append(_cell("code", checks.check_source(part, q, answer, var),
                               ("check", q.id), "check", at_q))
    cells.append(_cell("code", nbf.answers_source(names, key["variant"], nbf.fingerprint(key)),
                       ("answers",), "answers"))
    ids = [c["id"] for c in cells]
    if len(set(ids)) != len(ids):   # cell_id's names are distinct by construction
        raise AssertionError(f"cell ids not unique: {ids}")
    nb = nbformat.from_dict({"nbformat": v4.nbformat, "nbformat_minor": v4.nbformat_minor,
                             "cells": cells, "metadata": {
        "kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
        nbf.KEY: {"format": nbf.FORMAT, "role": STUDENT, "variant": key["variant"],
                  "seed": key.get("seed"), "assignment": dict(key["assignment"]),
                  "fingerprint": nbf.fingerprint(key), "questions": names}}})
    nbformat.validate(nb)   # the whole notebook, once
    return nb


def _placeholder(part, q, answer, var: str) -> str:
    """A student's answer cell: the variable, None, and what to give."""
    value = '{"grad": None, "new": None}' if q.kind == "gradient-step" else "None"
    return (f"# Compute your answer to {q.id} here and assign it to {var}\n"
            f"{var} = {value}   # {checks.what_to_give(part, q, answer)}\n")


def notebook_bytes(nb) -> bytes:
    """The notebook file's bytes: the same for the same notebook."""
    text = nbformat.writes(nb, version=4)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


@dataclass(frozen=True)
class VariantNotebooks:
    """What a variant set's worker writes in each variant folder
    (:class:`derive.variants.recipes.AssignmentRecipe`): the student's and the
    instructor's notebooks, from the context and figures it already has."""

    names: tuple[str, str] = ("notebook.ipynb", "solution.ipynb")

    def files(self, key: dict, config, variant, solutions: dict, ctx: dict,
              pngs: dict[str, bytes] | None = None) -> dict[str, bytes]:
        """{file name: bytes} of the variant's two notebooks (``pngs``: as
        :func:`notebooks` takes them)."""
        return {name: notebook_bytes(nb) for name, nb in
                zip(self.names, notebooks(key, config, variant, solutions, ctx, pngs))}
