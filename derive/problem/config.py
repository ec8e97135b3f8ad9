"""The course config (TOML): one file, one section per stage.

``[course]`` (title page of every document) and ``[documents]`` (what the
sheets show) are parsed here; ``[variants]`` and
``[grading]`` are handed, still raw, to the stages that own them, which
validate them the same way (an :class:`~derive.problem.spec.InputError` naming the
field). Every section is optional; a missing config means all defaults.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.problem.precision import FIGURES, MAX_FIGURES, MIN_FIGURES
from derive.problem.spec import InputError, read_data_file

SECTIONS = ("course", "documents", "variants", "grading")
SHEETS = ("homework", "exam")
MAX_TEXT = 200


@dataclass(frozen=True)
class Course:
    """What the title block prints, and how numbers are rounded for reading."""

    course: str = "Neural Networks"
    title: str = ""     # empty: the assignment file's title
    term: str = ""
    instructor: str = ""
    decimals: int = 4
    figures: int = FIGURES  # the precision contract (derive.problem.precision): stated, graded, exported


@dataclass(frozen=True)
class Documents:
    """What the documents show: the problem sheet's kind and the worked
    solutions' panel of common mistakes."""

    sheet: str = "homework"   # "exam": name and ID fields, answer boxes, a total
    mistakes: bool = True     # the worked solutions show what common mistakes give


@dataclass(frozen=True)
class Config:
    """A whole config: the parsed course section, the others raw for their stage."""

    course: Course = field(default_factory=Course)
    documents: Documents = field(default_factory=Documents)
    variants: dict = field(default_factory=dict)
    grading: dict = field(default_factory=dict)
    digest: str = ""  # sha256 of the file's bytes ("" for the defaults)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InputError(name, f"expected text, got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise InputError(name, f"is {len(value)} characters long, at most {MAX_TEXT} allowed")
    if any(ord(ch) < 32 and ch not in "\t" for ch in value):
        raise InputError(name, "must be one line without control characters")
    return value


def parse_course(data: Any, section: str = "course") -> Course:
    """Validate the ``[course]`` table."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    known = {f for f in Course.__dataclass_fields__}
    for key in data:
        if key not in known:
            raise InputError(f"{section}.{key}", "unknown field; expected "
                             + ", ".join(sorted(known)))
    numbers = {"decimals": (0, 12), "figures": (MIN_FIGURES, MAX_FIGURES)}
    values = {k: _text(v, f"{section}.{k}") for k, v in data.items() if k not in numbers}
    for name, (lo, hi) in numbers.items():
        if name in data:
            d = data[name]
            if isinstance(d, bool) or not isinstance(d, int) or not lo <= d <= hi:
                raise InputError(f"{section}.{name}",
                                 f"expected a whole number from {lo} to {hi}, got {d!r}")
            values[name] = d
    return Course(**values)


def parse_documents(data: Any, section: str = "documents") -> Documents:
    """Validate the ``[documents]`` table."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    known = Documents.__dataclass_fields__
    for key, value in data.items():
        if key not in known:
            raise InputError(f"{section}.{key}", "unknown field; expected " + ", ".join(sorted(known)))
        if key == "sheet" and value not in SHEETS:
            raise InputError(f"{section}.sheet", "expected " + " or ".join(f'"{s}"' for s in SHEETS)
                             + f", got {value!r}")
        if key == "mistakes" and not isinstance(value, bool):
            raise InputError(f"{section}.mistakes", f"expected true or false, got {value!r}")
    return Documents(**data)


def parse_config(data: Any, digest: str = "") -> Config:
    """Validate a config mapping (as read from TOML)."""
    if not isinstance(data, dict):
        raise InputError("config", "expected a table of sections")
    for key in data:
        if key not in SECTIONS:
            raise InputError(key, "unknown section; expected " + ", ".join(SECTIONS))
    for name in ("variants", "grading"):
        if name in data and not isinstance(data[name], dict):
            raise InputError(name, "expected a table")
    return Config(course=parse_course(data.get("course", {})),
                  documents=parse_documents(data.get("documents", {})),
                  variants=data.get("variants", {}), grading=data.get("grading", {}),
                  digest=digest)


def load_config(path: str | Path | None) -> Config:
    """Read and validate a config file; ``None`` gives the defaults."""
    if path is None:
        return Config()
    data = read_data_file(path, "--config")
    return parse_config(data, hashlib.sha256(Path(path).read_bytes()).hexdigest())
