"""``handouts grade``: score students' answers against their variants' keys.

The answers: a JSON/CSV answers file, a Moodle or Canvas quiz report
(``--from``, :mod:`derive.grading.lms_grade`), or students' notebooks
(``--notebooks``, :mod:`derive.commands.grade_notebooks`). Prints a table (or JSON with
``--json``); with ``--out DIR`` writes ``grades.csv``, ``report.json``, the
gradebook imports (:mod:`derive.grading.gradebook`) and
``feedback/NNN-name.pdf`` per student, built in a temporary folder and moved
into place when whole.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from derive.commands import add_assignment_option, assignment_of, grade_notebooks
from derive.files import spreadsheet_cell
from derive.problem.spec import InputError, printable, read_data_file

if TYPE_CHECKING:
    from derive.grading.results import StudentGrade

MARKS = {"correct": "+", "carried-forward": "c", "wrong": "x", "missing": ".", "invalid": "!",
         "manual": "m"}


def register(sub) -> None:
    p = sub.add_parser("grade", help="grade students' answers, with a diagnosis of each mistake",
                       description="Grade an answers file (JSON or CSV), a Moodle or "
                                   "Canvas quiz report, or a folder of notebooks, against one "
                                   "answer key or a variant set's keys.")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument("--answers", metavar="FILE",
                       help="JSON (one submission or a list) or CSV (student, variant and a "
                            "column per question: q1, q2, ...), an LMS quiz report (--from), "
                            "or one notebook (.ipynb, as --notebooks reads it)")
    grade_notebooks.add_options(p, given)
    p.add_argument("--from", dest="source", choices=("answers", "moodle", "canvas"),
                   default="answers",
                   help="what --answers is: an answers file or notebook (default), a Moodle quiz "
                        "Responses report (CSV) or a Canvas quiz Student Analysis report")
    add_assignment_option(p, "with --from moodle/canvas, the assignment the set was made of, "
                             "for its multiple-choice options (default: the shipped one the "
                             "keys name)")
    p.add_argument("--attempt", metavar="WHICH",
                   help="with --from moodle/canvas: the attempt graded per student: last "
                        "(default), first, highest or its number ([grading] attempt)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", metavar="KEY.json", help="grade everybody against this key")
    which.add_argument("--keys", metavar="DIR",
                       help="a variant set's folder: each submission against its variant's key")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--out", metavar="DIR",
                   help="write grades.csv, report.json, moodle-grades.csv, canvas-grades.csv "
                        "and one feedback PDF per student")
    p.add_argument("--no-pdf", action="store_true", help="with --out: skip the feedback PDFs")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="feedback PDFs compiled, and with --execute notebooks run, at once "
                        "(default: the number of cores)")
    p.add_argument("--config", metavar="FILE", help="course config (TOML); [course] figures sets "
                   "the precision, [grading] the credit")
    p.set_defaults(func=run, pipeline=("derive.grading.kind_grade",))


def run(args) -> int:
    # the grading pipeline, imported only when it runs (``--help`` and the
    # other commands do without it)
    from derive.grading.answers_file import load_submissions
    from derive.grading.gradebook import item_name
    from derive.grading.kind_answers import csv_columns, items_of, submission_parser
    from derive.grading.kind_grade import grade_all_kinds
    from derive.grading.rules import parse_rules
    from derive.problem.config import load_config
    config = load_config(args.config)
    rules = parse_rules(config.grading, figures=config.course.figures)
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        raise InputError("--jobs", f"must be from 1 to 64, got {args.jobs}")
    item_name(config.grading, [])  # the config checked before any work
    rule = _attempt_rule(args, config)
    timeout = grade_notebooks.check_options(args, config)
    keys = load_key(args.key) if args.key else load_keys(args.keys)
    if grade_notebooks.wanted(args):
        grades, submissions = grade_notebooks.grade_notebooks(args, keys, rules, timeout)
        units = _units(grades, submissions, keys, bool(args.key))
    elif args.source == "answers":
        items = items_of(keys[0])   # the questions and shapes of the answers: the key's
        submissions = load_submissions(args.answers, submission_parser(items),
                                       csv_columns(items))
        grades = grade_all_kinds(submissions, keys, rules, single=bool(args.key))
        units = _units(grades, submissions, keys, bool(args.key))
    else:
        grades, units = _lms(args, keys, rules, rule)
    if args.out:
        # the documents stage (jinja2, the figures) only for the feedback PDFs
        latex_error = () if args.no_pdf else _latex_error()
        try:
            write_outputs(grades, units, config, Path(args.out), pdf=not args.no_pdf,
                          jobs=args.jobs, item=item_name(config.grading, keys),
                          points=max(sum(q["points"] for q in k["questions"].values())
                                     for k in keys))
        except latex_error as e:  # as for report and variants: exit 1, outputs untouched
            print(f"handouts: LaTeX error in a feedback PDF: {e.with_log()}", file=sys.stderr)
            return 1
    text = report_json(grades) if args.json else table(grades)
    if not args.json and grade_notebooks.wanted(args):
        text += grade_notebooks.notes(grades, _clean)
    sys.stdout.write(text)
    return 0


def _latex_error() -> type:
    from derive.documents.build import LatexError
    return LatexError


def _attempt_rule(args, config) -> str | int:
    """--attempt, else [grading] attempt, else the last attempt."""
    if args.source == "answers" and args.attempt is not None:
        raise InputError("--attempt", "only with --from moodle or --from canvas")
    if args.attempt is None and "attempt" not in config.grading:
        return "last"
    from derive.grading.lms_answers import parse_attempt_rule
    if args.attempt is not None:
        return parse_attempt_rule(args.attempt, "--attempt")
    return parse_attempt_rule(config.grading["attempt"], "grading.attempt")


def _choices_of(args, keys: list[dict]) -> dict:
    """The multiple-choice options of ``--assignment``, checked to be the
    assignment the keys were made of (without it: the shipped one the keys name)."""
    assignment = assignment_of(args)
    if assignment is None:
        return {}
    if args.source == "answers":
        raise InputError("--assignment", "only with --from moodle or --from canvas")
    made = {(k.get("assignment") or {}).get("digest") for k in keys}
    if made != {assignment.digest}:
        raise InputError("--assignment", f"{args.assignment} is not the assignment the keys "
                         "were made of (its digest differs from the keys')")
    from derive.variants.choices import formula_choices
    return {"choices": lambda key: formula_choices(assignment, key)}


def _lms(args, keys: list[dict], rules, rule) -> tuple[list[StudentGrade], list]:
    """Grade an LMS report: a grade per student, the feedback units per variant."""
    from derive.grading.lms_grade import grade_report
    results, skipped = grade_report(args.answers, args.source, keys, rules, rule,
                                    **_choices_of(args, keys))
    for line in skipped:
        print(f"handouts: {line}", file=sys.stderr)
    by_variant = {str(k.get("variant")): k for k in keys}
    units = []
    for index, r in enumerate(results):
        for sub, g in r.parts:
            suffix = f"-{g.variant}" if len(r.parts) > 1 else ""   # one PDF per variant
            units.append((index, r.grade.student, suffix, g, sub,
                          by_variant.get(g.variant or "")))
    return [r.grade for r in results], units


def _units(grades, submissions, keys, single: bool) -> list:
    """Per feedback PDF: its number, name and suffix, the grade, the submission and the key."""
    by_variant = {str(k.get("variant")): k for k in keys}
    return [(sub.index, g.student, "", g, sub,
             keys[0] if single else by_variant.get(g.variant or ""))
            for g, sub in zip(grades, submissions)]


# --------------------------------------------------------------------------
# Keys


def _check_key(data, where: str) -> dict:
    """A schema 2 key, checked (:func:`check_key`); a schema 1 key (params
    and answers) is checked as far as it can be before it is converted."""
    from derive.grading.kind_answers import check_key
    from derive.numerics.key import SCHEMA_2
    if isinstance(data, dict) and data.get("schema") == SCHEMA_2:
        return check_key(data, where)
    if not isinstance(data, dict) or not {"params", "answers"} <= set(data):
        raise InputError(where, "not an answer key (needs params and answers; see ANSWER_KEY.md)")
    if not isinstance(data.get("variant", "reference"), str):
        raise InputError(f"{where}: variant", "not text")
    return data


def _schema_2(keys: list[dict], wheres: list[str]) -> list[dict]:
    """Every key as schema 2: schema 1 keys converted (in one batch) and then
    checked as schema 2 keys are (docs/ANSWER_KEY.md)."""
    from derive.grading.kind_answers import check_key
    from derive.numerics.key import SCHEMA_2, from_schema_1
    old = [i for i, k in enumerate(keys) if k.get("schema") != SCHEMA_2]
    try:
        new = from_schema_1([keys[i] for i in old]) if old else []
    except InputError as e:
        where = wheres[0] if len(wheres) == 1 else wheres[0].split(":")[0]
        raise InputError(f"{where}: {e.field}", e.problem) from None
    keys = list(keys)
    for i, k in zip(old, new):
        keys[i] = check_key(k, wheres[i])
    return keys


def _read_key(path, where: str) -> Any:
    """A key file; a huge integer or deep nesting in it is one line too."""
    try:
        return read_data_file(path, where)
    except InputError:
        raise
    except RecursionError:
        raise InputError(where, f"{printable(str(path))}: nested too deeply") from None
    except ValueError:  # Python's limit of 4,300 digits for an integer
        raise InputError(where, f"{printable(str(path))}: has a number with too many "
                         "digits") from None


def load_key(path: str) -> list[dict]:
    """``--key``: one answer key file (schema 1 is read as schema 2)."""
    return _schema_2([_check_key(_read_key(path, "--key"), "--key")], ["--key"])


def _one_assignment(keys: list[dict], where: str) -> list[dict]:
    """The keys of one variant set: the same questions (ids, parts, kinds and
    points; a variant may ask for another class)."""
    def questions(k):
        return {q: (v["part"], v["kind"], v["points"], v.get("param"), v.get("value"))
                for q, v in k["questions"].items()}
    first = questions(keys[0])
    for i, k in enumerate(keys[1:], start=1):
        if questions(k) != first:
            raise InputError(where, f"key {printable(str(k.get('variant')))[:40]} (number "
                             f"{i + 1}) is of another assignment than the first")
    return keys


def load_keys(folder: str) -> list[dict]:
    """``--keys``: the variant set's ``keys.json``, or else every ``*/key.json``."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("--keys", f"{printable(str(root))}: not a folder")
    listing = root / "keys.json"
    if listing.is_file():
        data = _read_key(listing, "--keys")
        if not isinstance(data, list) or not data:
            raise InputError("--keys", f"{printable(str(listing))}: expected a non-empty list "
                             "of answer keys")
        wheres = [f"--keys: {listing.name}[{i}]" for i in range(len(data))]
        return _one_assignment(_schema_2([_check_key(k, w) for k, w in zip(data, wheres)],
                                         wheres), "--keys")
    files = sorted(root.glob("*/key.json"))
    if not files:
        raise InputError("--keys", f"{printable(str(root))}: no keys.json and no "
                         "*/key.json inside")
    wheres = [f"--keys: {printable(f.parent.name)}/key.json" for f in files]
    return _one_assignment(_schema_2([_check_key(_read_key(f, "--keys"), w)
                                      for f, w in zip(files, wheres)], wheres), "--keys")


# --------------------------------------------------------------------------
# Outputs


def report(grades: Sequence[StudentGrade]) -> dict:
    """The JSON report: ``{"students": [...]}``."""
    return {"students": [g.to_json() for g in grades]}


def report_json(grades: Sequence[StudentGrade]) -> str:
    """The report as JSON text: Unicode kept readable, but control, bidi and
    line-separator characters escaped (``\\u009b``, ``\\u202e``)."""
    return printable(json.dumps(report(grades), indent=1, ensure_ascii=False), True) + "\n"


def _clean(text: str, width: int | None = None) -> str:
    """Untrusted text for a terminal: no control characters, clipped."""
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if width is None or len(text) <= width else text[:width - 1] + "…"


def table(grades: Sequence[StudentGrade]) -> str:
    """One line per student: score, a mark per item, the diagnoses."""
    items = _items(grades)
    name_w = min(max([len(_clean(g.student)) for g in grades] + [7]), 28)
    var_w = min(max([len(_clean(g.variant or "-")) for g in grades] + [7]), 16)
    head = (f"{'student':<{name_w}}  {'variant':<{var_w}}  {'score':>6}  "
            + " ".join(f"{_label(q, k):>2}" for k, q in enumerate(items, 1)) + "  diagnosis")
    lines = [head, "-" * len(head)]
    for g in grades:
        marks = " ".join(f"{MARKS[g.items[q].status]:>2}" if q in g.items else " ?"
                         for q in items)
        found = "; ".join(f"{q}: {', '.join(i.diagnosis)}" for q, i in g.items.items()
                          if i.diagnosis)
        if g.error:
            found = f"not graded: {g.error}"
        lines.append(f"{_clean(g.student, name_w):<{name_w}}  "
                     f"{_clean(g.variant or '-', var_w):<{var_w}}  {g.score:>6g}  {marks}  "
                     f"{_clean(found)}".rstrip())
    manual = ", m graded by hand" if any(i.status == "manual" for g in grades
                                         for i in g.items.values()) else ""
    lines.append(f"{len(grades)} submissions; marks: + correct, c carried forward, "
                 f"x wrong, . missing, ! invalid{manual}")
    return "\n".join(lines) + "\n"


def _label(item: str, position: int) -> str:
    """An item's column head in the table: its number (q7: 7), else its position."""
    return item[1:] if item[:1] == "q" and item[1:].isdigit() else str(position)


def _items(grades: Sequence[StudentGrade]) -> list[str]:
    """The graded items (the key's questions), in order."""
    return list(dict.fromkeys(q for g in grades for q in g.items))


def gradebook(grades: Sequence[StudentGrade]) -> str:
    """grades.csv: one row per student (points per item, total, diagnoses)."""
    items = _items(grades)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student", "variant", "score", "max", *items, "diagnosis", "error"])
    for g in grades:
        found = "; ".join(f"{q}: {', '.join(i.diagnosis)}" for q, i in g.items.items()
                          if i.diagnosis)
        w.writerow([spreadsheet_cell(g.student), spreadsheet_cell(g.variant or ""),
                    f"{g.score:g}", f"{g.max:g}",
                    *(f"{g.items[q].points:g}" if q in g.items else "" for q in items), found,
                    spreadsheet_cell(g.error or "")])
    return out.getvalue()


def write_outputs(grades: Sequence[StudentGrade], units: Sequence[tuple], config,
                  out_dir: Path, *, pdf: bool = True, jobs: int | None = None,
                  item: str = "handouts", points: float | None = None) -> list[Path]:
    """grades.csv, report.json, the gradebook imports (moodle-grades.csv,
    canvas-grades.csv, their grade column named ``item``, Canvas's out of
    ``points``: default the largest of the grades') and the feedback
    PDFs (``units``: number, name, suffix, grade, submission, key; the folder as a
    whole, so no PDF of an earlier run is left behind), moved into
    ``out_dir`` together, replacing the old ones, or none of them."""
    from derive.files import commit, updating
    from derive.grading.gradebook import canvas_grades, moodle_grades
    names = ["grades.csv", "report.json", "moodle-grades.csv", "canvas-grades.csv"]
    with updating(out_dir) as stage:
        (stage / "grades.csv").write_text(gradebook(grades), encoding="utf-8")
        (stage / "report.json").write_text(report_json(grades), encoding="utf-8")
        (stage / "moodle-grades.csv").write_text(moodle_grades(grades, item), encoding="utf-8")
        (stage / "canvas-grades.csv").write_text(canvas_grades(grades, item, points),
                                                       encoding="utf-8")
        if pdf:
            _feedback_pdfs(units, config, stage / "feedback", jobs)
        return commit(stage, out_dir, names + (["feedback"] if pdf else []))


def _feedback_pdfs(units, config, folder: Path, jobs) -> None:
    from derive.grading.feedback import build_feedback, feedback_context, file_name, render_feedback
    sources = []
    for index, name, suffix, g, sub, key in units:
        answers = {q: a.value for q, a in sub.answers.items() if not a.error}
        ctx = feedback_context(g, answers, None if g.error else key, config)
        sources.append((file_name(index, name) + suffix, render_feedback(ctx)))
    folder.mkdir(parents=True, exist_ok=True)
    build_feedback(sources, folder, jobs=jobs, progress=sys.stderr.isatty())
