"""A variant set's LMS exports (moodle.xml, canvas-qti.zip) and keys.csv,
made in two steps: each variant's pieces (:func:`variant_exports`), where
its documents are built (a worker of the set build, which has its LMS
questions and mistakes at hand), then the set's files joined from them in
the variants' order (:func:`join_exports`). The joined files are byte for
byte those made in one piece (:func:`derive.variants.moodle.moodle_xml`,
:func:`derive.variants.canvas.canvas_qti`).

What a variant's pieces depend on beyond its key and the recipe is the
set's mark scale (:func:`derive.variants.moodle.mark_scale` of every key),
which the set build computes once and hands to each variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

LMS_FILE = "lms.json"   # in each variant folder: its questions as the LMS exports show them


@dataclass(frozen=True)
class VariantExports:
    """One variant's pieces of the set's exports: its part of moodle.xml
    (text) and its entries of canvas-qti.zip (path -> bytes)."""

    moodle: str
    canvas: dict[str, bytes]


def variant_exports(assignment, config, settings, key: dict, scale: int,
                    files: Mapping[str, bytes] | None = None) -> VariantExports:
    """The export pieces of variant ``key`` of ``assignment`` (under
    ``config`` and the set's ``settings``: figures, penalty), its marks
    scaled by ``scale``; its LMS questions are read from ``files``'
    ``lms.json`` (the variant's files, or those kept in its folder) when that
    is readable, rendered otherwise."""
    from derive.variants.canvas import canvas_variant
    from derive.variants.choices import formula_choices
    from derive.variants.lms_html import read_questions_json
    from derive.variants.moodle import moodle_variant
    data = (files or {}).get(LMS_FILE)
    questions = read_questions_json(data) if data is not None else None
    rendered = {key["variant"]: questions} if questions is not None else None
    choices = formula_choices(assignment, key)
    return VariantExports(
        moodle_variant(key, scale, settings.figures, penalty=settings.penalty,
                       assignment=assignment, config=config, choices=choices,
                       rendered=rendered),
        canvas_variant(key, assignment, config, settings.figures, choices=choices,
                       rendered=rendered))


def join_exports(keys: Sequence[dict], pieces: Sequence[VariantExports]) -> dict[str, str | bytes]:
    """keys.csv, moodle.xml and canvas-qti.zip of ``keys`` from each
    variant's :func:`variant_exports` (in the same order)."""
    from derive.variants.canvas import join_canvas
    from derive.variants.exports import keys_csv
    from derive.variants.moodle import join_moodle
    return {"keys.csv": keys_csv(keys),
            "moodle.xml": join_moodle([p.moodle for p in pieces]),
            "canvas-qti.zip": join_canvas([(k["variant"], p.canvas)
                                           for k, p in zip(keys, pieces, strict=True)])}
