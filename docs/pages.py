"""Render the README's two sample pages of the handout as PNGs.

Run by ``make docs`` after ``handouts report``: the pages are found by what they
show (the worked solution of question 6, with its checks; question 14's, with
its dead ReLUs and the decision regions), not by number, so they stay right when the layout moves.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# (PNG name, text the page must contain)
PAGES = (("handout-q6", ("Worked solution", "Each row sums to 0")),
         ("handout-q14", ("is dead for this input", "The class the network predicts")))
RESOLUTION = 80


def page_texts(pdf: Path) -> list[str]:
    """The text of every page (pdftotext; pages are separated by form feeds)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")


def main(pdf: str = "reports/handout.pdf", folder: str = "docs") -> int:
    texts = page_texts(Path(pdf))
    for name, words in PAGES:
        pages = [i + 1 for i, t in enumerate(texts) if all(w in t for w in words)]
        if not pages:
            print(f"docs/pages.py: no page of {pdf} shows {words}", file=sys.stderr)
            return 1
        subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", str(RESOLUTION),
                        "-f", str(pages[0]), "-l", str(pages[0]), pdf,
                        str(Path(folder) / name)], check=True)
        print(f"{folder}/{name}.png: page {pages[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
