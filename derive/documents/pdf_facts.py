"""A PDF's page count and page size, read in Python from the file pdfTeX
wrote (no poppler process): the page tree's root ``/Count`` and the pages'
``/MediaBox``, in the file's text or in its compressed object streams.

:func:`pdf_facts` answers ``None`` for a PDF it cannot read this way (a
producer other than pdfTeX, pages of different sizes, a damaged page tree):
the caller then asks poppler's pdfinfo.
"""

from __future__ import annotations

import re
import zlib

_OBJSTM = re.compile(rb"<<([^<>]*/Type\s*/ObjStm\b[^<>]*)>>\s*stream\r?\n")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_TYPE = re.compile(rb"/Type\s*/Page(s?)(?![a-zA-Z])")
_COUNT = re.compile(rb"/Count\s+(\d+)")
_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


def _object_text(data: bytes) -> list[bytes]:
    """The file's bytes and the inflated content of each object stream."""
    texts = [data]
    for m in _OBJSTM.finditer(data):
        length = _LENGTH.search(m[1])
        if not length or b"/FlateDecode" not in m[1]:
            raise ValueError("an object stream this reader does not inflate")
        texts.append(zlib.decompress(data[m.end():m.end() + int(length[1])]))
    return texts


def _nodes(text: bytes):
    """(is the root of the page tree, is a page, its dictionary) of each page
    tree node: a dictionary with no dictionary inside, as pdfTeX writes them."""
    for m in _TYPE.finditer(text):
        start, end = text.rfind(b"<<", 0, m.start()), text.find(b">>", m.end())
        if start < 0 or end < 0 or text.find(b">>", start, m.start()) >= 0 \
                or text.find(b"<<", m.end(), end) >= 0:
            continue
        body = text[start + 2:end]
        yield bool(m[1]) and b"/Parent" not in body, not m[1], body


def pdf_facts(data: bytes) -> tuple[int, tuple[str, str]] | None:
    """(pages, (width, height) in points as pdfinfo prints them, ``%g``) of
    the PDF ``data``; ``None`` when this reader cannot tell."""
    try:
        texts = _object_text(data)
    except (ValueError, zlib.error):
        return None
    roots, leaves, boxes = [], 0, set()
    for text in texts:
        for root, page, body in _nodes(text):
            if root:
                count = _COUNT.search(body)
                roots.append(int(count[1]) if count else -1)
            elif page:
                leaves += 1
                box = _MEDIABOX.search(body)
                boxes.add(tuple(float(v) for v in box.groups()) if box else None)
    if len(roots) != 1 or roots[0] != leaves or len(boxes) != 1 or None in boxes:
        return None
    x0, y0, x1, y1 = boxes.pop()
    return leaves, (f"{abs(x1 - x0):g}", f"{abs(y1 - y0):g}")
