"""Rewrite the golden .tex files of the reference assignment
(``derive/assignments/reference.toml``, built as ``handouts report`` builds
it; ``make golden``); review the diff before committing."""

from pathlib import Path

from derive.documents.assignment_build import figure_paths, render_assignment
from derive.numerics.key import build_assignment_key
from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment
from derive.problem.config import Config

GOLDEN = Path(__file__).parent / "golden"


def golden_sources() -> dict[str, str]:
    """The .tex sources of the reference assignment with the default config."""
    assignment = load_assignment("reference")
    figures = figure_paths(assignment)
    parts = {p.id: p for p in assignment.parts}
    return render_assignment(assignment, build_assignment_key(assignment), Config(),
                             figures=figures,
                             solutions={pid: solve_part(parts[pid]) for pid in figures})


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, source in golden_sources().items():
        (GOLDEN / name).write_text(source, encoding="utf-8")
        print(GOLDEN / name)


if __name__ == "__main__":
    main()
