"""handouts grade --no-pdf of a class of 300, against importing SymPy and NumPy.

The class: a third hand in the key, the others make one library mistake
consistently (every answer it changes). Measure: `handouts grade --answers
class.json --key key.json --no-pdf --out DIR` (everybody against one
variant's key) as a command. Floor: `python -c "import sympy, numpy"`.
Measure and floor alternate; the best of RUNS each. Also, without a goal:
the same class, each student with a variant of their own, against a
300-variant set's keys (`--keys`)."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks._table import Row, alternate, run as run_cmd
from benchmarks.key import instances
from derive.grading.kind_answers import key_submission
from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment

COUNT = 300
RUNS = 3


def _class(assignment, instances, keys: list[dict]) -> list[dict]:
    """One submission per key: a third hand in the key, the others make one
    library mistake consistently (every answer it changes)."""
    codes = list(dict.fromkeys(c for p in assignment.parts for c in km.applicable(p)))
    subs = []
    for i, (instance, key) in enumerate(zip(instances, keys)):
        wrong = km.by_part(assignment, instance, codes=(codes[i % len(codes)],)) if i % 3 else {}
        subs.append(key_submission(key, f"student {i}", json.loads(json.dumps(wrong))))
    return subs


def run() -> list[Row]:
    reference = load_assignment("reference")
    data = instances(COUNT, seed=7)
    keys = json.loads(json.dumps(build_assignment_keys(
        reference, data, [f"s7-{k:03d}" for k in range(COUNT)], 7)))
    work = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        (work / "key.json").write_text(json.dumps(keys[0]))
        (work / "one.json").write_text(json.dumps(_class(reference, [data[0]] * COUNT,
                                                         [keys[0]] * COUNT)))
        (work / "set").mkdir()
        (work / "set" / "keys.json").write_text(json.dumps(keys))
        (work / "class.json").write_text(json.dumps(_class(reference, data, keys)))
        grade = [sys.executable, "-m", "derive", "grade", "--no-pdf"]
        one = grade + ["--answers", str(work / "one.json"), "--key", str(work / "key.json"),
                       "--out", str(work / "out-one")]
        now, floor = alternate(lambda: run_cmd(one),
                               lambda: run_cmd([sys.executable, "-c", "import sympy, numpy"]),
                               RUNS)
        rows = [Row(f"grade {COUNT} students --no-pdf, one key", now, floor, 2.5)]
        print(rows[-1].line())
        t_set = run_cmd(grade + ["--answers", str(work / "class.json"), "--keys",
                                 str(work / "set"), "--out", str(work / "out-set")])
        rows.append(Row(f"grade {COUNT} students --no-pdf, {COUNT} keys", t_set, floor, None))
        print(rows[-1].line())
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
