"""Build an assignment file: schema 2 key -> render context -> .tex -> figures -> PDFs.

The same machinery as the reference build (:mod:`derive.documents.build`):
the staged output folder moved into place whole, a process that draws the
figures while this one solves and renders, the safe and reproducible LaTeX
runner, the same templates' layout. Each part with given data gets a
drawing of its network with those weights.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Iterable

from derive.documents.build import _drawing_process, compile_sources
from derive.documents.figures import draw, figure_path
from derive.documents.render import make_env
from derive.files import commit, updating
from derive.problem.assignment import Assignment, Part
from derive.problem.config import Config

DOCUMENTS = {"problems.tex": False, "handout.tex": True}  # file -> solutions shown


def network_data(part: Part) -> dict:
    """The data of a part's network drawing (:func:`derive.documents.figures.draw`
    of ``"network"``): its given weights and biases, its units' names."""
    sizes = part.network.sizes
    labels = [[f"$x_{{{i}}}$" for i in range(1, sizes[0] + 1)]]
    labels += [[f"$a^{l}_{{{j}}}$" for j in range(1, n + 1)] for l, n in enumerate(sizes[1:], 1)]
    return {"weights": list(part.given.W), "biases": list(part.given.b), "labels": labels}


def figure_paths(assignment: Assignment, prefix: str = "") -> dict[str, str]:
    """Where each part's network figure goes, by part id (by position: a
    part id may hold characters a file name in TeX should not)."""
    return {p.id: figure_path(f"part-{i}-network", prefix)
            for i, p in enumerate(assignment.parts, start=1) if p.given is not None}


def render_assignment(assignment: Assignment, key: dict, config: Config, *,
                      figures: dict | None = None, solutions: dict | None = None,
                      extra_dirs: Iterable[str | Path] = ()) -> dict[str, str]:
    """The .tex sources of one instance: ``{"problems.tex": …, "handout.tex": …}``."""
    from derive.documents.assignment_context import build_assignment_context
    env = make_env(tuple(extra_dirs))
    ctx = build_assignment_context(assignment, key, config, figures=figures, solutions=solutions)
    template = env.get_template("assignment/handout.tex.j2")
    return {name: template.render(course=ctx["course"], v=ctx, solutions=shown)
            for name, shown in DOCUMENTS.items()}


def build_assignment(assignment: Assignment, config: Config, out_dir: str | Path, *,
                     extra_dirs: Iterable[str | Path] = (), timeout: float = 120) -> list[Path]:
    """handout.pdf, problems.pdf (with their .tex and figures) and
    answer-key.json of ``assignment``'s given instance, moved into ``out_dir``
    together, or none of them."""
    from derive.numerics.key import build_assignment_key, dumps
    from derive.numerics.solve import solve_part
    out_dir = Path(out_dir)
    with updating(out_dir) as stage, _drawing_process() as drawer:
        parts = {p.id: p for p in assignment.parts}
        paths = figure_paths(assignment)
        pending = {}
        if drawer is not None:
            pending = {pid: drawer.submit(draw, "network", network_data(parts[pid]))
                       for pid in paths}
        key = build_assignment_key(assignment)
        (stage / "answer-key.json").write_text(dumps(key), encoding="utf-8")
        solutions = {pid: solve_part(parts[pid]) for pid in paths}
        sources = render_assignment(assignment, key, config, figures=paths, solutions=solutions,
                                    extra_dirs=extra_dirs)
        makers = {path: (pending[pid].result if pending else
                         partial(draw, "network", network_data(parts[pid])))
                  for pid, path in paths.items()}
        built = compile_sources(stage, sources, makers, timeout)
        rel = [p.resolve().relative_to(stage.resolve()) for p in built]
        commit(stage, out_dir, sorted({r.parts[0] for r in rel}) + ["answer-key.json"])
    return [out_dir / r for r in rel] + [out_dir / "answer-key.json"]
