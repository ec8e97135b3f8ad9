"""``handouts notebooks``: the student and instructor Jupyter notebooks of an
assignment's own instance, or of every variant of a set."""

from __future__ import annotations

import re
from pathlib import Path

from derive.commands import add_assignment_option, assignment_of
from derive.problem.spec import InputError, printable

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


def register(sub) -> None:
    p = sub.add_parser("notebooks", help="write the student and instructor Jupyter notebooks "
                                         "of an assignment, or of every variant of a set")
    add_assignment_option(p, "its notebooks (default: reference)")
    p.add_argument("--config", metavar="FILE", help="course config (TOML); default: built-in")
    p.add_argument("--keys", metavar="DIR",
                   help="a variant set's folder (keys.json or */key.json): a notebook per "
                        "variant (default: the assignment's own instance)")
    p.add_argument("--out", metavar="DIR", default=str(Path("reports", "notebooks")),
                   help="output folder (default: reports/notebooks): <variant>.ipynb and "
                        "solutions/<variant>.ipynb")
    p.add_argument("--students", metavar="FILE",
                   help="a class list (a name a line, or CSV with a student column): also "
                        "students/<name>.ipynb, each student's own notebook, the variants "
                        "dealt in the list's order, and students.csv saying who has which")
    p.set_defaults(func=run, pipeline=("derive.notebooks.build",))


def run(args) -> int:
    from derive.files import commit, updating
    from derive.notebooks.build import notebook_bytes, notebooks
    from derive.problem.config import load_config
    from derive.variants.instances import instance_context
    from derive.notebooks.roster import read_roster
    config = load_config(args.config)
    roster = read_roster(args.students) if args.students else None
    assignment, keys = _assignment_and_keys(args)
    names, given = [], {}
    for sub in ("solutions", "students"):
        _refuse_foreign(Path(args.out) / sub)
    with updating(Path(args.out)) as stage:
        (stage / "solutions").mkdir()
        for key in keys:
            student, solution = notebooks(key, config, *instance_context(assignment, key, config))
            name = f"{key['variant']}.ipynb"
            (stage / name).write_bytes(notebook_bytes(student))
            (stage / "solutions" / name).write_bytes(notebook_bytes(solution))
            names.append(name)
            given[key["variant"]] = student
        if roster:
            _per_student(stage, roster, given)
            names += ["students", "students.csv"]
        paths = commit(stage, Path(args.out), names + ["solutions"])
    for path in paths:
        print(path)
    return 0


def _refuse_foreign(folder: Path) -> None:
    """``--out``'s solutions/ and students/ are replaced whole: refused when
    they hold a file this command did not write (a notebook without the
    handouts metadata, or any other file), which would be lost."""
    import json

    from derive.notebooks.format import KEY
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        try:
            ours = path.suffix == ".ipynb" and path.stat().st_size < 2**26 and \
                KEY in json.loads(path.read_bytes())["metadata"]
        except (OSError, ValueError, KeyError, TypeError):
            ours = False
        if not ours:
            raise InputError("--out", f"{printable(str(folder))} holds "
                             f"{printable(str(path.relative_to(folder)))[:80]}, which "
                             "handouts notebooks did not write and would replace: move it or "
                             "choose another --out")


def _per_student(stage: Path, roster: list[str], notebooks: dict) -> None:
    """students/<name>.ipynb, the notebook of the student's variant naming
    them (in its metadata and its first cell), and students.csv."""
    import copy
    import csv

    from derive.files import spreadsheet_cell
    from derive.notebooks.build import notebook_bytes
    from derive.notebooks.format import KEY
    from derive.notebooks.roster import deal, file_names
    (stage / "students").mkdir()
    rows = [("student", "file", "variant")]
    for (name, variant), stem in zip(deal(roster, list(notebooks)), file_names(roster)):
        nb = copy.deepcopy(notebooks[variant])
        nb.metadata[KEY]["student"] = name
        intro = nb.cells[0]
        intro.source = _with_name(intro.source, name)
        (stage / "students" / f"{stem}.ipynb").write_bytes(notebook_bytes(nb))
        rows.append((spreadsheet_cell(name), f"students/{stem}.ipynb", variant))
    with open(stage / "students.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _with_name(markdown: str, name: str) -> str:
    """The intro's title line followed by whose notebook it is (the name as
    text: Markdown's and HTML's characters escaped)."""
    import html
    text = re.sub(r"([\\`*_{}\[\]()#+\-.!|~$])", r"\\\1", html.escape(name, quote=False))
    title, _, rest = markdown.partition("\n")
    return f"{title}\n\nThe notebook of **{text}**.\n{rest}"


def _assignment_and_keys(args):
    """The assignment and the keys to write notebooks of: ``--keys``' (each
    checked to be of the assignment), else the assignment's own key."""
    from derive.numerics.key import build_assignment_key
    from derive.problem.assignment import SHIPPED, load_assignment, network_to_json
    from derive.problem.reference import reference_assignment
    assignment = assignment_of(args)
    if args.keys is None:
        assignment = assignment or reference_assignment()
        return assignment, [build_assignment_key(assignment)]
    from derive.commands.grade import load_keys
    keys = load_keys(args.keys)
    made = (keys[0].get("assignment") or {})
    if assignment is None:
        if made.get("name") not in SHIPPED:
            raise InputError("--assignment", f"the keys are of {printable(str(made.get('name')))}"
                             ", not a shipped assignment: give its file")
        assignment = load_assignment(made["name"])
    networks = {p.id: network_to_json(p.network) for p in assignment.parts if p.network}
    seen = set()
    for key in keys:
        variant = str(key.get("variant"))
        if (key.get("assignment") or {}).get("digest") != assignment.digest:
            raise InputError("--assignment" if args.assignment else "--keys",
                             f"key {printable(variant)[:40]} is not of the assignment "
                             f"{assignment.name} (its digest differs): give the assignment "
                             "file the set was made of")
        if key.get("networks") != networks:
            raise InputError("--keys", f"key {printable(variant)[:40]}: its networks are not "
                             f"those of the assignment {assignment.name}")
        if not _NAME.fullmatch(variant) or variant in seen:
            raise InputError("--keys", f"key {printable(variant)[:40]}: variant is not a "
                             "file name (letters, digits, '_', '-', '.') or not unique")
        seen.add(variant)
    return assignment, keys
