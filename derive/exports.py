"""Set-level exports of a variant set: keys.csv, moodle.xml, manifest.json.

Each returns text (the same text for the same keys); the build writes it
atomically. Numbers are written in full precision (``repr`` of the float64
in the key), never rounded.
"""

from __future__ import annotations

import csv
import io
import json
import platform
import xml.etree.ElementTree as ET
from importlib import metadata
from typing import Any, Iterator, Sequence

# the grader's tolerance before derive.precision; kept here until this module switches
REL_TOL = 1e-3

NUMERIC_ITEMS = tuple(f"q{i}" for i in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14))

# What each numeric item asks for, for the Moodle question text
PROMPTS = {
    "q5": "NLLM(a, y) of the worked example",
    "q6": "the gradient of NLLM with respect to W (rows are inputs, columns are classes)",
    "q7": "the predicted probability of the query class before the update",
    "q8": "W after one gradient-descent step",
    "q9": "the probability of the query class after the step",
    "q10": "the hidden outputs f1(z1)",
    "q11": "the network output a2",
    "q12": "the gradient for W2, and W2 after one step",
    "q13": "the gradient for W1, and W1 after one step",
    "q14": "the network output with the updated weights",
}


def flat_answers(key: dict) -> Iterator[tuple[str, float]]:
    """(column name, value) of every numeric answer: ``q6[1,2]`` is row 1,
    column 2 of q6 and ``q10[3]`` entry 3, counting from 1 as the
    assignment's notation does (w_kj, a¹_i); q12/q13 parts are ``q12.grad``
    and ``q12.W``."""
    answers = key["answers"]
    for item in NUMERIC_ITEMS:
        value = answers[item]
        if item == "q5":
            yield item, value["value"]
            continue
        parts = value.items() if isinstance(value, dict) else [("", value)]
        for part, v in parts:
            name = f"{item}.{part}" if part else item
            yield from _entries(name, v)


def _entries(name: str, value) -> Iterator[tuple[str, float]]:
    if not isinstance(value, list):
        yield name, value
    elif value and isinstance(value[0], list):
        for i, row in enumerate(value, 1):
            for j, v in enumerate(row, 1):
                yield f"{name}[{i},{j}]", v
    else:
        for i, v in enumerate(value, 1):
            yield f"{name}[{i}]", v


def keys_csv(keys: Sequence[dict]) -> str:
    """One row per variant: id, seed, then every numeric answer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = None
    for key in keys:
        row = dict(flat_answers(key))
        if header is None:
            header = list(row)
            writer.writerow(["variant", "seed"] + header)
        writer.writerow([key["variant"], key["seed"]] + [repr(float(row[h])) for h in header])
    return out.getvalue()


# --------------------------------------------------------------------------
# Moodle XML: one category per variant, one question per numeric item
# (numerical for a number, cloze with one NUMERICAL field per entry otherwise)


def tolerance(value: float, decimals: int) -> float:
    """Moodle's absolute tolerance for ``value``: the grader's relative
    tolerance, but never less than half a unit in the last of the
    ``decimals`` places a student reads off the handout."""
    return max(REL_TOL * abs(value), 0.5 * 10.0 ** -decimals)


def _text(parent: ET.Element, tag: str, text: str, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    ET.SubElement(el, "text").text = text
    return el


def _cloze_field(value: float, decimals: int) -> str:
    return f"{{1:NUMERICAL:={value!r}:{tolerance(value, decimals)!r}}}"


def _cloze_body(value, decimals: int) -> str:
    """HTML with one NUMERICAL field per entry, a matrix as a table."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        rows = "".join("<tr>" + "".join(f"<td>{_cloze_field(v, decimals)}</td>" for v in row)
                       + "</tr>" for row in value)
        return f"<table>{rows}</table>"
    return "<p>" + " ".join(_cloze_field(v, decimals) for v in value) + "</p>"


def _question(quiz: ET.Element, name: str, intro: str, value, decimals: int) -> None:
    if isinstance(value, (int, float)):
        q = ET.SubElement(quiz, "question", type="numerical")
        _text(q, "name", name)
        _text(q, "questiontext", f"<p>{_escape(intro)}</p>", format="html")
        ET.SubElement(q, "defaultgrade").text = "1"
        answer = _text(q, "answer", repr(float(value)), fraction="100", format="moodle_auto_format")
        ET.SubElement(answer, "tolerance").text = repr(tolerance(value, decimals))
        ET.SubElement(q, "unitgradingtype").text = "0"
        ET.SubElement(q, "showunits").text = "3"
        return
    q = ET.SubElement(quiz, "question", type="cloze")
    _text(q, "name", name)
    body = f"<p>{_escape(intro)}</p>"
    if isinstance(value, dict):
        body += "".join(f"<p>{_escape(part)}:</p>" + _cloze_body(v, decimals)
                        for part, v in value.items())
    else:
        body += _cloze_body(value, decimals)
    _text(q, "questiontext", body, format="html")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _given(key: dict, item: str) -> str:
    p = key["params"]
    if item == "q5":
        return f"a = {p['nllm_example']['a']}, y = {p['nllm_example']['y']}"
    if item in ("q6", "q7", "q8", "q9"):
        s = p["softmax_layer"]
        return (f"W = {s['W']}, w0 = {s['b']}, x = {s['x']}, y = {s['y']}, "
                f"step size {s['lr']}, query class {s['query_class']} (from 0)")
    n = p["network"]
    return (f"W1 = {n['W1']}, w0_1 = {n['b1']}, W2 = {n['W2']}, w0_2 = {n['b2']}, "
            f"x = {n['x']}, y = {n['y']}, step size {n['lr']}")


def moodle_xml(keys: Sequence[dict], decimals: int = 4, category: str = "handouts") -> str:
    """A Moodle XML quiz: per variant a category ``<category>/<seed>/<id>``
    with its numeric items q5-q14."""
    quiz = ET.Element("quiz")
    for key in keys:
        vid = key["variant"]
        cat = ET.SubElement(quiz, "question", type="category")
        _text(cat, "category", f"$course$/{category}/s{key['seed']}/{vid}")
        for item in NUMERIC_ITEMS:
            value = key["answers"][item]
            if item == "q5":
                value = value["value"]
            intro = (f"Problem sheet {vid}, question {item[1:]}: {PROMPTS[item]}. "
                     f"Given: {_given(key, item)}.")
            _question(quiz, f"{vid} {item}", intro, value, decimals)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


# --------------------------------------------------------------------------
# manifest.json


def versions() -> dict[str, str]:
    """Versions of what made the numbers (read from the installed packages'
    metadata, so nothing heavy is imported)."""
    from derive import __version__
    return {"python": platform.python_version(), "sympy": metadata.version("sympy"),
            "numpy": metadata.version("numpy"), "handouts": __version__}


def manifest_json(*, seed: int, count: int, config_digest: str, inputs: str,
                  variants: dict[str, str], collection: str, extra: dict[str, Any] | None = None) -> str:
    """The manifest: what was built from what (no timestamps, so the same
    inputs give the same bytes)."""
    data = {"schema": 1, "seed": seed, "count": count,
            "config_digest": config_digest or None, "versions": versions(),
            "inputs": inputs, "collection": collection, "variants": variants,
            **(extra or {})}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
