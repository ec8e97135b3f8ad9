"""Build an assignment file: schema 2 key -> render context -> .tex -> figures -> PDFs.

The same machinery as the reference build (:mod:`derive.documents.build`):
the staged output folder moved into place whole, a process that draws the
figures while this one solves and renders (unless an earlier run on the same
inputs left all of it: :mod:`derive.documents.report_cache`), the safe and
reproducible LaTeX runner, the same templates' layout. Each part with given data gets a
drawing of its network with those weights, and questions their figures
(:mod:`derive.documents.kind_figures`).
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from derive.documents import figure_cache, report_cache
from derive.documents.build import _drawing_process, compile_sources
from derive.documents.render import make_env
from derive.files import commit, updating
from derive.problem.assignment import Assignment
from derive.problem.config import Config

DOCUMENTS = {"problems.tex": False, "handout.tex": True}  # file -> solutions shown


def figure_paths(assignment: Assignment, prefix: str = "") -> dict[str, str]:
    """Where each part's network figure goes, by part id
    (:func:`derive.documents.kind_figures.network_paths`)."""
    from derive.documents.kind_figures import network_paths
    return network_paths(assignment, prefix)


def figure_makers(assignment: Assignment, solutions: dict, drawer=None,
                  done=(), plans: dict | None = None) -> dict[str, Callable[[], bytes]]:
    """The figures of an instance (``plans``, else
    :func:`derive.documents.kind_figures.assignment_figures`) but those in
    ``done``: path -> a function giving its PDF bytes, those in the figure
    cache as they are kept, the others drawn (and kept) by ``drawer`` (an
    executor: started at once) or, without one, when called."""
    from derive.documents.kind_figures import assignment_figures
    makers = {}
    plans = assignment_figures(assignment, solutions) if plans is None else plans
    for path, (name, data) in plans.items():
        if path in done:
            continue
        kept = figure_cache.kept_pdf(name, data)
        if kept is not None:
            makers[path] = partial(bytes, kept)
        elif drawer is None:
            makers[path] = partial(figure_cache.pdf, name, data)
        else:
            makers[path] = drawer.submit(figure_cache.pdf, name, data).result
    return makers


def render_assignment(assignment: Assignment, key: dict, config: Config, *,
                      figures: dict | None = None, solutions: dict | None = None,
                      extra_dirs: Iterable[str | Path] = ()) -> dict[str, str]:
    """The .tex sources of one instance: ``{"problems.tex": …, "handout.tex": …}``."""
    from derive.documents.assignment_context import build_assignment_context
    return render_sources(build_assignment_context(assignment, key, config, figures=figures,
                                                   solutions=solutions), extra_dirs)


def render_sources(ctx: dict, extra_dirs: Iterable[str | Path] = ()) -> dict[str, str]:
    """The .tex sources of an instance's render context
    (:func:`derive.documents.assignment_context.build_assignment_context`)."""
    env = make_env(tuple(extra_dirs))
    template = env.get_template("assignment/handout.tex.j2")
    return {name: template.render(course=ctx["course"], v=ctx, solutions=shown)
            for name, shown in DOCUMENTS.items()}


def build_assignment(assignment: Assignment, config: Config, out_dir: str | Path, *,
                     extra_dirs: Iterable[str | Path] = (), timeout: float = 120) -> list[Path]:
    """handout.pdf, problems.pdf (with their .tex and figures) and
    answer-key.json of ``assignment``'s given instance, moved into ``out_dir``
    together, or none of them. What an earlier run on the same inputs
    compiled is compiled again without being derived anew
    (:mod:`derive.documents.report_cache`)."""
    out_dir = Path(out_dir)
    kept_at = report_cache.entry(assignment, config, extra_dirs)
    kept = report_cache.load(kept_at)
    with updating(out_dir) as stage, ExitStack() as drawing:
        if kept is None:
            drawer = drawing.enter_context(_drawing_process())
            key, sources, makers, entries = _derive(assignment, config, extra_dirs, drawer)
        else:
            key, sources, entries = kept.key, kept.sources, None
            makers = {path: partial(bytes, pdf) for path, pdf in kept.figures.items()}
        (stage / "answer-key.json").write_text(key, encoding="utf-8")
        built = compile_sources(stage, sources, makers, timeout)
        if entries is not None:
            report_cache.store(kept_at, key, sources, entries)
        rel = [p.resolve().relative_to(stage.resolve()) for p in built]
        commit(stage, out_dir, sorted({r.parts[0] for r in rel}) + ["answer-key.json"])
    return [out_dir / r for r in rel] + [out_dir / "answer-key.json"]


def _derive(assignment: Assignment, config: Config, extra_dirs, drawer):
    """The key's text, the .tex sources, the figures (path -> a function
    giving its PDF bytes, drawn by ``drawer`` meanwhile) and their figure
    cache entries (path -> entry)."""
    from derive.documents.kind_figures import assignment_figures
    from derive.numerics.key import build_assignment_key, dumps
    from derive.numerics.solve import solve_part
    # drawn in the drawing process while this one solves, derives the key and
    # renders: first the figures that need no solution (the networks)
    makers = figure_makers(assignment, {}, drawer)
    paths = figure_paths(assignment)
    solutions = {p.id: solve_part(p) for p in assignment.parts if p.id in paths}
    plans = assignment_figures(assignment, solutions)
    makers.update(figure_makers(assignment, solutions, drawer, done=makers, plans=plans))
    key = build_assignment_key(assignment)
    sources = render_assignment(assignment, key, config, figures=paths, solutions=solutions,
                                extra_dirs=extra_dirs)
    entries = {path: figure_cache.entry("pdf", name, data) for path, (name, data) in plans.items()}
    return dumps(key), sources, makers, entries
