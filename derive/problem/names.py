"""Students' names as the tool compares them: in answers files, folders of
notebooks and class lists alike."""

from __future__ import annotations

import unicodedata


def same_name(name: str) -> str:
    """A student's name as names are compared (one student twice): Unicode
    compatibility forms and case folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
