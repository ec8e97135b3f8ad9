"""An answers file (CSV) as an instructor's spreadsheet holds it, for the
tests that grade through ``handouts grade --answers``."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def write_answers_csv(path: Path, submissions: list[dict]) -> Path:
    """``submissions`` ({"student", "variant", "answers"}) as CSV: a column per
    question, ``q.grad`` and ``q.new`` for a gradient-step's pair; every cell
    JSON, so that each float reads back exactly."""
    columns = ["student", "variant"]
    for s in submissions:
        for q, v in s["answers"].items():
            for col in ([f"{q}.{p}" for p in v] if isinstance(v, dict) else [q]):
                if col not in columns:
                    columns.append(col)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, columns)
        w.writeheader()
        for s in submissions:
            row = {"student": s["student"], "variant": s["variant"]}
            for q, v in s["answers"].items():
                for p, x in (v.items() if isinstance(v, dict) else [(None, v)]):
                    row[f"{q}.{p}" if p else q] = json.dumps(x)
            w.writerow(row)
    return path
