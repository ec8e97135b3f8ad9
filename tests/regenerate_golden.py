"""Rewrite the golden .tex files of the reference instance (``make golden``);
review the diff before committing."""

from pathlib import Path

from derive.documents.build import render_documents
from derive.problem.config import Config
from derive.documents.figures import FIGURES, figure_path
from derive.numerics.key import build_key

GOLDEN = Path(__file__).parent / "golden"


def golden_sources() -> dict[str, str]:
    """The .tex sources of the reference instance with the default config."""
    return render_documents(build_key(), Config(), figures={name: figure_path(name) for name in FIGURES})


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, source in golden_sources().items():
        (GOLDEN / name).write_text(source, encoding="utf-8")
        print(GOLDEN / name)


if __name__ == "__main__":
    main()
