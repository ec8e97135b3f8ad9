"""How a variant set's variants are drawn, keyed and rendered.

The set build (:mod:`derive.variants.build_set`) is one piece of code for
every assignment; a recipe is what differs: :class:`AssignmentRecipe` (any
assignment file, the reference's by default; schema 2 keys). A recipe is
handed to the workers, so it holds only picklable data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from derive.files import files_digest, temp_folder
from derive.variants.set_exports import LMS_FILE
from derive.variants.settings import VariantSettings, settings_of

COLLECTIONS = (("all-problems.pdf", False), ("all-solutions.pdf", True))


def inputs_digest(seed: int, s: VariantSettings, config, *extra: str) -> str:
    """What a set is made from: the seed, the generator settings, the config,
    the code (and ``extra``: the assignment's digest). Equal digests give
    equal keys and equal .tex sources."""
    from derive.documents.render import source_digest
    text = json.dumps([seed, repr(s), config.digest, repr(config.course), source_digest(),
                       *extra])
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(key_text: str, sources: dict[str, str]) -> str:
    """sha256 of a variant's key, its .tex sources and the code that draws
    its figures and compiles it (which the .tex does not show)."""
    h = hashlib.sha256(key_text.encode() + b"\0" + _drawing_digest().encode())
    for name in sorted(sources):
        h.update(b"\0" + name.encode() + b"\0" + sources[name].encode())
    return h.hexdigest()


@lru_cache(maxsize=None)
def _drawing_digest() -> str:
    # the modules that choose and draw the figures (whose PDFs the .tex does not show)
    from derive.documents import (assignment_build, build, figure_cache, figures, kind_figures,
                                  network_figure, plotting, regions)
    from derive.documents.render import template_dir
    from derive.variants import lms_figures, lms_html, lms_tex
    templates = sorted((template_dir() / "lms").glob("*.j2")) + sorted(
        (template_dir() / "notebook").glob("*.j2"))
    # the notebooks' code (a later stage: read, not imported), which writes the notebooks
    notebooks = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.py"))
    return files_digest([*(m.__file__ for m in (assignment_build, build, figure_cache, figures,
                                                kind_figures, network_figure, plotting, regions,
                                                lms_figures, lms_html, lms_tex)),
                         *map(str, notebooks), *map(str, templates)])


@dataclass(frozen=True)
class AssignmentRecipe:
    """Any assignment file: every part with variants drawn from its grids
    and kept when rich (:mod:`derive.variants.instances`), schema 2 keys,
    the exports; per variant the problem sheet and the worked solutions
    (the generic documents of :mod:`derive.documents.assignment_build`)."""

    assignment: object
    config: object
    settings: VariantSettings
    # what writes each variant's notebooks (derive.notebooks.build.VariantNotebooks,
    # a later stage, so handed in), or None: no notebooks
    notebooks: object = None

    @classmethod
    def of(cls, assignment, config, notebooks=None) -> "AssignmentRecipe":
        """The recipe of ``assignment`` under a course config: its
        ``[variants]`` settings, the reference's ranges mapped onto its grids
        (:mod:`derive.variants.reference_ranges`); ``notebooks`` writes each
        variant's notebooks."""
        from derive.variants.reference_ranges import with_ranges
        settings = settings_of(config)
        return cls(with_ranges(assignment, settings, config.variants), config, settings,
                   notebooks)

    documents = {"problems": "problems", "solutions": "handout"}  # as render_assignment names them

    collections = COLLECTIONS
    @property
    def variant_extras(self) -> tuple[str, ...]:
        """The files of every variant folder besides its documents and key."""
        return (LMS_FILE, *(self.notebooks.names if self.notebooks else ()))

    def default_out(self, seed: int) -> Path:
        """reports/variants/<name>/s<seed>; the reference's reports/variants/s<seed>."""
        from derive.variants.reference_ranges import REFERENCE
        name = self.assignment.name
        return Path("reports", "variants", *([] if name == REFERENCE else [name]), f"s{seed}")

    def inputs(self, seed: int) -> str:
        return inputs_digest(seed, self.settings, self.config, self.assignment.digest)

    def keys(self, seed: int, count: int) -> list[dict]:
        from derive.variants.instances import generate_assignment_keys
        return generate_assignment_keys(self.assignment, seed, count, self.settings)

    def sources(self, keys: Sequence[dict]) -> list[dict[str, str]]:
        return [render_variant(self.assignment, key, self.config)[0] for key in keys]

    def variant_files(self, key: dict) -> dict[str, bytes] | str:
        return build_assignment_variant(self.assignment, key, self.config, self.notebooks)

    def warm_up(self, key: dict, exports: bool) -> None:
        """What every worker does first, done once before they are forked
        (they inherit it): matplotlib imported with its fonts and mathtext
        and, when the ``exports`` are made, the formula questions' options
        (the same for every variant of the assignment)."""
        from derive.documents.figures import warm_up
        warm_up()
        if exports:
            from derive.variants.choices import formula_choices
            formula_choices(self.assignment, key)

    # what the export pieces of a variant read from its files (kept in its folder)
    export_inputs = (LMS_FILE,)

    def export_scale(self, keys: Sequence[dict]) -> int:
        """What every variant's export pieces share: the set's mark scale."""
        from derive.variants.moodle import mark_scale
        return mark_scale(keys)

    def variant_exports(self, key: dict, scale: int, files: Mapping[str, bytes] | None = None):
        """One variant's pieces of the exports
        (:func:`derive.variants.set_exports.variant_exports`), its LMS
        questions from ``files``' lms.json where readable."""
        from derive.variants.set_exports import variant_exports
        return variant_exports(self.assignment, self.config, self.settings, key, scale, files)

    def join_exports(self, keys: Sequence[dict], pieces) -> dict[str, str | bytes]:
        """keys.csv, moodle.xml and canvas-qti.zip from every variant's pieces."""
        from derive.variants.set_exports import join_exports
        return join_exports(keys, pieces)

    def exports(self, keys: Sequence[dict], folder: Path | None = None) -> dict[str, str | bytes]:
        """keys.csv, moodle.xml and canvas-qti.zip of ``keys``; the LMS
        questions of a variant whose ``folder/<id>/lms.json`` is readable
        are not rendered again."""
        scale = self.export_scale(keys)
        return self.join_exports(keys, [self.variant_exports(
            key, scale, kept_files(folder / key["variant"], self.export_inputs)
            if folder is not None else None) for key in keys])

    def manifest(self) -> dict:
        """The assignment the set is of, and the documents of each variant."""
        a = self.assignment
        return {"assignment": {"name": a.name, "title": a.title, "digest": a.digest},
                "documents": list(self.documents.values()),
                "collections": [name for name, _ in self.collections]}


def kept_files(folder: Path, names: Sequence[str]) -> dict[str, bytes]:
    """The files ``names`` of a variant ``folder`` (those readable)."""
    out = {}
    for name in names:
        try:
            out[name] = (folder / name).read_bytes()
        except OSError:
            continue
    return out


def render_variant(assignment, key: dict, config):
    """The .tex sources of one variant of ``assignment`` (its key's data in
    place of the given data; figures named, not drawn), and the variant's
    assignment."""
    from derive.documents.assignment_build import render_sources
    from derive.variants.instances import instance_context
    variant, _, ctx = instance_context(assignment, key, config)
    return render_sources(ctx), variant


def build_assignment_variant(assignment, key: dict, config,
                             notebooks=None) -> dict[str, bytes] | str:
    """Worker task: one variant's problem sheet and worked solutions (.tex,
    .pdf, the figures), its LMS questions and (with ``notebooks``) its
    notebooks, as {relative path: bytes}, or the one-line LaTeX error."""
    from derive.documents.assignment_build import figure_makers, render_sources
    from derive.documents.build import LatexError, compile_sources
    from derive.documents.kind_figures import assignment_figures
    from derive.variants.instances import instance_context
    from derive.variants.lms_figures import variant_pngs
    from derive.variants.lms_html import questions_json, questions_of
    variant, solutions, ctx = instance_context(assignment, key, config)
    sources = render_sources(ctx)
    plans = assignment_figures(variant, solutions)  # each figure's data, for its PDF and PNG
    figures = figure_makers(variant, solutions, plans=plans)
    try:
        with temp_folder("handouts-variant-") as out:
            paths = compile_sources(out, sources, figures, timeout=120)
            files = {p.relative_to(out).as_posix(): p.read_bytes() for p in paths}
    except LatexError as e:
        return f"{key['variant']}: {e.with_log()}"
    # the questions as the LMS exports show them and the notebooks, rendered here in
    # the worker from the same context and figures
    pngs = variant_pngs(variant, solutions, files, plans)   # rasterised from the PDFs just drawn
    files[LMS_FILE] = questions_json(questions_of(variant, solutions, ctx, key, config, pngs))
    if notebooks is not None:
        files.update(notebooks.files(key, config, variant, solutions, ctx, pngs))
    return files
