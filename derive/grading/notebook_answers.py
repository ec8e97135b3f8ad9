"""Submitted notebooks read as answers entries, never run.

A student notebook (:mod:`derive.notebooks.format`) shows its answers in
its saved outputs: the answers cell's output (:data:`~derive.notebooks.format.ANSWERS_MIME`)
and each check cell's (:data:`~derive.notebooks.format.ANSWER_MIME`).
:func:`read_notebook` finds them by their mime types (tags and cell order
may be lost), tells which variant the notebook is of (its metadata, else
its answers output), checks its data cells against that variant's key
(read with :func:`~derive.notebooks.format.read_data`, never run) and gives
an entry ``{"student", "variant", "answers"}`` for the JSON path, with
notes for the report and, when it cannot be graded, the reason.
Everything wrong with one notebook is that student's message; only a bad
option (a folder with no notebook) stops the command.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from derive.grading.answers import Submission
from derive.grading.answers_file import MAX_SUBMISSIONS, _nesting
from derive.grading.formulas import MAX_NESTING, _parse_int, _short
from derive.grading.notebook_notes import later_checks, not_a_student_s, stopped
from derive.notebooks import format as nbf
from derive.problem.names import same_name
from derive.problem.spec import InputError, printable

MAX_NOTEBOOK_BYTES = 50 * 2**20   # a notebook with its figures is a few MB
RUN_ALL = "open it, run Kernel > Restart & Run All, save it and hand it in again"
NO_OUTPUTS = f"the notebook has no saved answers (saved without outputs, or never run): {RUN_ALL}"


@dataclass
class Read:
    """What one notebook gives: the entry for the JSON path (None: not graded),
    notes for the report and, when it cannot be graded, why."""

    entry: dict | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def student_names(root: Path, paths: list[Path]) -> list[str]:
    """The student of each notebook: its file's stem, or the name of the
    folder it is in under ``root`` (``alice/notebook.ipynb``: alice); names
    that clash (a folder with two notebooks) are their paths without ``.ipynb``."""
    def plain(text: str) -> str:   # not UTF-8 (surrogate escapes), control characters
        return printable(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    rels = [p.relative_to(root) for p in paths]
    names = [plain(r.parts[0] if len(r.parts) > 1 else r.stem) for r in rels]
    counts: dict[str, int] = {}
    for n in names:
        counts[same_name(n)] = counts.get(same_name(n), 0) + 1
    return [n if counts[same_name(n)] == 1 else plain(r.with_suffix("").as_posix())
            for n, r in zip(names, rels)]


def same_student(made_for: str, student: str) -> bool:
    """Whether a notebook made for ``made_for`` (``handouts notebooks
    --students``) is plausibly ``student``'s: the letters and digits of the
    one found in the other's, ignoring case (``Ann Lee``: ``Ann_Lee``,
    ``ann-lee_1234_assignsubmission_file``), accents dropped (``Zoë``:
    ``Zoe``); a part of the other only when it has 3 characters or more."""
    def plain(text: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFKD", text).casefold()
                       if ch.isalnum() and not unicodedata.combining(ch))
    a, b = plain(made_for), plain(student)
    short, long = sorted((a, b), key=len)
    return bool(short) and (short == long or (len(short) >= 3 and short in long))


def find_notebooks(folder: str | Path) -> list[tuple[str, Path]]:
    """``--notebooks DIR``: every ``*.ipynb`` under it (hidden folders and
    ``.ipynb_checkpoints`` skipped), sorted by path, with its student."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("--notebooks", f"{printable(str(root))}: not a folder")
    found = []
    for here, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(here, f) for f in files
                  if f.lower().endswith(".ipynb") and not f.startswith(".")]
    if not found:
        raise InputError("--notebooks", f"{printable(str(root))}: no .ipynb file inside")
    if len(found) > MAX_SUBMISSIONS:
        raise InputError("--notebooks", f"{printable(str(root))}: {len(found)} notebooks, at "
                         f"most {MAX_SUBMISSIONS} allowed")
    found.sort(key=lambda p: p.relative_to(root).parts)
    return list(zip(student_names(root, found), found))


class NotebookError(ValueError):
    """A notebook that cannot be graded, with what the student should do."""


def load_notebook(path: str | Path) -> dict:
    """A notebook file as JSON (nbformat 4), bounded; a file that is not
    one raises :class:`NotebookError`."""
    try:
        size = os.stat(path).st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"the file is {size / 2**20:.0f} MB, at most "
                                f"{MAX_NOTEBOOK_BYTES // 2**20} MB allowed (clear large "
                                "outputs, then run all and save)")
        data = Path(path).read_bytes()
    except OSError as e:
        raise NotebookError(f"cannot read the file ({e.__class__.__name__})") from None
    try:
        nb = json.loads(data.decode("utf-8-sig"), parse_int=_parse_int)
    except UnicodeDecodeError:
        raise NotebookError("not a notebook (not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise NotebookError(f"not a notebook (not valid JSON: {e.msg} at line {e.lineno}); "
                            "hand in the .ipynb file Jupyter saves") from None
    except RecursionError:
        raise NotebookError("not a notebook (JSON nested too deeply)") from None
    return check_notebook(nb)


def check_notebook(nb: Any) -> dict:
    """``nb`` if it is a notebook of nbformat 4 (cells a list of objects)."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no list of cells)")
    if nb.get("nbformat") != 4:
        version = nb.get("nbformat")
        raise NotebookError(f"a notebook of nbformat {printable(_short(str(version)))}, not 4: "
                            f"open it in a current Jupyter, save it, then {RUN_ALL[8:]}")
    if not all(isinstance(c, dict) for c in nb["cells"]):
        raise NotebookError("not a Jupyter notebook (a cell is not an object)")
    return nb


# --------------------------------------------------------------------------
# Outputs


def _text(source: Any) -> str:
    """A cell's source as text (nbformat saves it as a list of lines)."""
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _meta(thing: dict) -> dict:
    meta = thing.get("metadata")
    out = meta.get(nbf.KEY) if isinstance(meta, dict) else None
    return out if isinstance(out, dict) else {}


def _tags(cell: dict) -> list:
    tags = cell.get("metadata", {}).get("tags") if isinstance(cell.get("metadata"), dict) \
        else None
    return tags if isinstance(tags, list) else []


def _shown(cell: dict, mime: str) -> Iterable[tuple[int, Any]]:
    """Each value a code cell shows under ``mime``, with the execution count
    it was shown at (-1 when the notebook does not say)."""
    outputs = cell.get("outputs")
    if cell.get("cell_type") != "code" or not isinstance(outputs, list):
        return
    for out in outputs:
        data = out.get("data") if isinstance(out, dict) else None
        if not isinstance(data, dict) or mime not in data:
            continue
        count = out.get("execution_count", cell.get("execution_count"))
        if not isinstance(count, int) or isinstance(count, bool):
            count = cell.get("execution_count")
        value = data[mime]
        if isinstance(value, (str, list)):   # JSON saved as text by some front end
            try:
                value = json.loads(_text(value), parse_int=_parse_int)
            except (ValueError, RecursionError):
                value = None
        yield (count if isinstance(count, int) and not isinstance(count, bool) else -1), value


def _answers_output(cells: list[dict], notes: list[str]) -> dict | None:
    """The answers cell's output: of a cell tagged answers, else of any cell
    (tags get lost); of several (copied cells), the one run last."""
    shown = [(count, i, value) for i, c in enumerate(cells) for count, value in
             _shown(c, nbf.ANSWERS_MIME)]
    tagged = [s for s in shown if nbf.TAGS["answers"] in _tags(cells[s[1]])]
    shown = tagged or shown
    if not shown:
        return None
    count, _, value = max(shown, key=lambda s: (s[0], s[1]))
    if len(shown) > 1:
        notes.append(f"{len(shown)} cells show the answers (copied cells?); read the one run "
                     f"last{f' (execution count {count})' if count >= 0 else ''}")
    if not (isinstance(value, dict) and isinstance(value.get("answers"), dict)):
        notes.append("the answers cell's output is not the answers it should show (edited?); "
                     "answers read from the check cells")
        return None
    return value


def _check_outputs(cells: list[dict]) -> dict[str, Any]:
    """Question -> the answer its check cells show (the one run last)."""
    best: dict[str, tuple[int, int, Any]] = {}
    for i, c in enumerate(cells):
        for count, value in _shown(c, nbf.ANSWER_MIME):
            if isinstance(value, dict) and isinstance(value.get("question"), str):
                q = value["question"]
                if q not in best or (count, i) > best[q][:2]:
                    best[q] = (count, i, value.get("value"))
    return {q: v for q, (_, _, v) in best.items()}


def _said(value: Any, name: str) -> str | None:
    """A variant or fingerprint as written in the notebook (None if not text)."""
    value = value.get(name) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def read_outputs(nb: dict) -> tuple[str | None, str | None, dict, list[str]]:
    """The variant, the fingerprint and the answers a notebook's saved
    outputs show (the answers cell's, else the check cells'), with notes;
    :class:`NotebookError` when it shows none."""
    notes: list[str] = []
    cells = nb["cells"]
    meta = _meta(nb)
    output = _answers_output(cells, notes)
    checks = _check_outputs(cells)
    if output is None and not checks:
        if not meta:
            raise NotebookError("not a notebook of this assignment (no handouts metadata and "
                                f"no answers shown): {RUN_ALL}")
        raise NotebookError(NO_OUTPUTS)
    answers = dict(output["answers"]) if output else {}
    halt = stopped(cells)
    if output is None and not notes:
        notes.append(f"{halt}; answers read from the check cells that ran" if halt else
                     "the answers cell shows nothing (deleted or not run); answers read from "
                     "the check cells: run all before saving")
    elif halt:
        notes.append(halt)
    if output is not None:
        ran = max((n for c in cells for n, _ in _shown(c, nbf.ANSWERS_MIME)), default=-1)
        notes += later_checks(cells, ran, answers, _shown)
    for q, v in checks.items():   # answers the answers cell does not give
        if answers.get(q) is None:
            answers[q] = v
    answers = {q: v for q, v in answers.items() if v is not None}
    variants = (_said(meta, "variant"), _said(output, "variant"))
    prints = (_said(meta, "fingerprint"), _said(output, "fingerprint"))
    for what, (m, o) in (("variant", variants), ("fingerprint", prints)):
        if m and o and m != o:
            raise NotebookError(f"the notebook's metadata and its answers cell name different "
                                f"{what}s ({printable(_short(m))} and {printable(_short(o))}: "
                                "cells copied from another notebook?); hand in your own "
                                "notebook with every cell run")
    if _nesting(answers) > MAX_NESTING:
        raise NotebookError(f"the answers are nested more than {MAX_NESTING} deep")
    return variants[0] or variants[1], prints[0] or prints[1], answers, notes


# --------------------------------------------------------------------------
# The data


def _data_cells(cells: list[dict], params: dict) -> dict[str, list[dict | None]]:
    """Part -> what its data cells hold (None: a cell that is not data any
    more). A data cell is tagged data or has a data cell's id
    (:func:`~derive.notebooks.format.cell_id` ``("data", part)``), or, its
    tags lost, has a part in its metadata and reads as data; its part is the
    one of its metadata or id, else the one whose names it assigns."""
    ids = {nbf.cell_id("data", p): p for p in params}
    found: dict[str, list[dict | None]] = {}
    for c in cells:
        if c.get("cell_type") != "code":
            continue
        part = _meta(c).get("part")
        values = nbf.read_data(_text(c.get("source")))
        same = [p for p in params if values and set(values) == set(params[p])]
        if not (nbf.TAGS["data"] in _tags(c) or c.get("id") in ids
                or (not _tags(c) and values and (part in params or same))):
            continue
        if part not in params:   # the part whose data it holds, else whose names it assigns
            part = ids.get(c.get("id")) or next(
                (p for p in same if values == params[p]), same[0] if same else None)
            if part is None:
                continue
        found.setdefault(part, []).append(values)
    return found


def data_notes(nb: dict, key: dict, keys: list[dict]) -> list[str]:
    """Notes on a notebook's data cells against the key's ``params``: a data
    cell deleted or edited into code, a field changed, the data of another
    variant. The answers are graded against the key's data all the same."""
    params = key.get("params") or {}
    variant = key.get("variant")
    graded = f"graded against the data of variant {variant}"
    notes = []
    found = _data_cells(nb["cells"], params)
    for part, given in params.items():
        if not isinstance(given, dict):
            continue
        held = found.get(part)
        if not held:
            notes.append(f"part {part}: its data cell is missing (deleted?); {graded}")
            continue
        for values in held:
            if values is None:
                notes.append(f"part {part}: its data cell is no longer plain data (edited); "
                             f"not checked; {graded}")
                continue
            if values == given:
                continue
            other = [str(k.get("variant")) for k in keys
                     if k is not key and (k.get("params") or {}).get(part) == values]
            if other:
                notes.append(f"part {part}: its data cell holds the data of variant "
                             f"{printable(other[0])}; {graded}")
                continue
            for what, fields in (
                    ("changed", [f for f in given if f in values and values[f] != given[f]]),
                    ("removed", [f for f in given if f not in values]),
                    ("added", sorted(f for f in values if f not in given))):
                if fields:
                    notes.append(f"part {part}: {', '.join(printable(_short(f)) for f in fields)}"
                                 f" {what} in the data cell; {graded}")
    return notes


# --------------------------------------------------------------------------
# Entries and submissions


def read_notebook(nb: dict | str | Path, student: str, keys: list[dict],
                  single: bool) -> Read:
    """One notebook (a file, or a notebook already loaded) as an entry for
    the JSON path: its answers from its saved outputs, its variant checked
    against ``keys`` (``single``: everybody against ``keys[0]``) and its data
    against the variant's key."""
    read = Read()
    try:
        nb = check_notebook(nb) if isinstance(nb, dict) else load_notebook(nb)
    except NotebookError as e:
        read.error = str(e)
        return read
    try:
        variant, print_, answers, read.notes = read_outputs(nb)
    except NotebookError as e:   # the report still names the variant the notebook says
        read.entry = {"student": student, "variant": _said(_meta(nb), "variant"), "answers": {}}
        read.error = str(e)
        return read
    read.entry = {"student": student, "variant": variant, "answers": answers}
    made_for = _said(_meta(nb), "student")
    if made_for and not same_student(made_for, student):
        read.notes.append(f"the notebook was made for {printable(made_for[:80])} (its "
                          f"metadata says so), handed in as {printable(student[:80])}: "
                          "another student's notebook?")
    if variant is None:
        read.error = ("the notebook names no variant (its metadata and answers cell were "
                      f"removed?): hand in the notebook you were given, with every cell run")
        return read
    by_variant = {str(k.get("variant")): k for k in keys}
    key = keys[0] if single else by_variant.get(variant)
    if key is not None:
        read.error, note = not_a_student_s(_meta(nb), key)
        read.notes += [note] if note else []
        if read.error:
            return read
    if key is None or str(key.get("variant")) != variant:
        return read   # graded as a JSON submission of that variant would be
    if print_ is None:
        read.notes.append("the notebook carries no fingerprint of its data; data checked "
                          "cell by cell")
    elif print_ != nbf.fingerprint(key):
        read.error = (f"the notebook was made for other data than variant "
                      f"{printable(_short(variant))} of these keys (its fingerprint differs: "
                      "a notebook of another variant set?)")
        return read
    read.notes += data_notes(nb, key, keys)
    return read


def submission(read: Read, student: str, index: int, parse) -> Submission:
    """The :class:`Submission` of a read notebook: its entry parsed by
    ``parse`` (:func:`derive.grading.kind_answers.submission_parser`) as a
    JSON entry is, with the notebook's notes and error."""
    entry = read.entry or {"student": student, "variant": None, "answers": {}}
    sub = parse(entry, index)
    sub.notes += read.notes
    if read.error:
        sub.error = read.error
    return sub
