"""Rewrite the golden .tex files of the reference instance (``make golden``);
review the diff before committing."""

from pathlib import Path

from derive.build import render_documents
from derive.config import Config
from derive.key import build_key

GOLDEN = Path(__file__).parent / "golden"
# figures are referred to by these paths in the golden files
FIGURES = {name: f"figures/{name.replace('_', '-')}.pdf"
           for name in ("sigmoid", "probabilities", "softmax_layer", "network", "regions")}


def golden_sources() -> dict[str, str]:
    """The .tex sources of the reference instance with the default config."""
    return render_documents(build_key(), Config(), figures=FIGURES)


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, source in golden_sources().items():
        (GOLDEN / name).write_text(source, encoding="utf-8")
        print(GOLDEN / name)


if __name__ == "__main__":
    main()
