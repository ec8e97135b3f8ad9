"""A class list for ``handouts notebooks --students``: every student gets
the notebook of one variant, named for them, the variants dealt in the
list's order (student i gets variant i mod the number of variants)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

from derive.problem.names import same_name
from derive.problem.spec import InputError, printable

MAX_STUDENTS = 10_000
MAX_NAME = 200


def read_roster(path: str | Path, field: str = "--students") -> list[str]:
    """The students' names: a CSV file with a ``student`` column (separated
    by commas, semicolons or tabs), or a text file with a name a line. An
    empty list, a name twice (ignoring case and spacing) or an unreadable
    file is an :class:`InputError` naming the line."""
    path = Path(path)
    where = printable(str(path))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(field, f"{where}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(field, f"{where}: not UTF-8 text; save it as UTF-8") from None
    except OSError as e:
        raise InputError(field, f"{where}: cannot read ({e.__class__.__name__})") from None
    lines = text.splitlines()
    header = next((d for d in (",", ";", "\t") if lines and "student" in
                   [c.strip().strip('"').casefold() for c in lines[0].split(d)]), None)
    if header is None:
        rows = [(n, line) for n, line in enumerate(lines, 1)]
    else:
        reader = csv.reader(io.StringIO(text), delimiter=header, skipinitialspace=True)
        head = [c.strip().casefold() for c in next(reader)]
        column = head.index("student")
        rows = [(reader.line_num, row[column] if column < len(row) else "") for row in reader]
    names, seen = [], {}
    for line, name in rows:
        name = " ".join(name.split())
        if not name:
            continue
        if not name.isprintable() or printable(name) != name:
            raise InputError(field, f"{where}: line {line}: the name has control characters")
        if len(name) > MAX_NAME:
            raise InputError(field, f"{where}: line {line}: a name of more than {MAX_NAME} "
                             "characters")
        folded = same_name(name)
        if folded in seen:
            raise InputError(field, f"{where}: line {line}: {name!r} is on line "
                             f"{seen[folded]} already")
        seen[folded] = line
        names.append(name)
    if not names:
        raise InputError(field, f"{where}: no student names (a name a line, or a CSV file "
                         "with a student column)")
    if len(names) > MAX_STUDENTS:
        raise InputError(field, f"{where}: {len(names)} students, at most {MAX_STUDENTS}")
    return names


def file_names(names: list[str]) -> list[str]:
    """A file name (without suffix) for each student: the name with what a
    file system or an LMS might not take as ``_``, distinct (ignoring case:
    a clash is numbered)."""
    out, taken = [], set()
    for name in names:
        stem = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFKC", name)).strip("._")[:100]
        stem = stem or "student"
        candidate, n = stem, 2
        while candidate.casefold() in taken:
            candidate, n = f"{stem}-{n}", n + 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def deal(names: list[str], variants: list[str]) -> list[tuple[str, str]]:
    """(student, variant): the variants dealt in the list's order."""
    return [(name, variants[i % len(variants)]) for i, name in enumerate(names)]
