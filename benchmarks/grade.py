"""Grading: a class of 300 against a 300-variant set, and feedback PDFs."""

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.key import _timed, random_instances
from derive.grading.answers import key_submission, parse_submission
from derive.problem.config import Config
from derive.grading.rules import Rules
from derive.grading.grade import grade_all, grade_submission, prepare
from tests.schema_1.keys import build_keys
from tests.schema_1.mistakes import MISTAKES, recompute_many

COUNT = 300


def _class(keys: list[dict]) -> list:
    """One submission per variant: a third hand in the key, the others make
    one library mistake consistently (every item it changes)."""
    wrong = {m.code: recompute_many(keys, [m]) for m in MISTAKES}
    subs = []
    for i, k in enumerate(keys):
        m = MISTAKES[i % len(MISTAKES)]
        replace = wrong[m.code][i][0] if i % 3 else {}
        subs.append(key_submission(k, f"student {i}", replace))
    return subs


def run() -> None:
    keys = build_keys(random_instances(COUNT, seed=7), [f"s7-{k:03d}" for k in range(COUNT)], 7)
    entries = _class(keys)
    grade_all([parse_submission(entries[0], 0)], keys[:1])  # derive and lambdify first
    t = time.perf_counter()
    subs = [parse_submission(e, i) for i, e in enumerate(entries)]
    t_parse = time.perf_counter() - t
    t = time.perf_counter()
    variants = prepare(keys, Rules())
    t_prepare = time.perf_counter() - t
    best = min(_timed(lambda: grade_all(subs, keys)) for _ in range(3))
    print(f"{COUNT} submissions against {COUNT} variant keys: {best:.2f} s "
          f"({best / COUNT * 1e3:.1f} ms per submission; target: a class in seconds); "
          f"validating the answers {t_parse:.2f} s; the mistake library for all "
          f"{COUNT} variants in one batch per mistake set: {t_prepare:.2f} s")
    # the library one variant at a time, as a grader without batching would
    sample = 20
    t_one = _timed(lambda: [prepare([k], Rules()) for k in keys[:sample]]) / sample
    print(f"mistake library per variant: {t_prepare / COUNT * 1e3:.1f} ms batched, "
          f"{t_one * 1e3:.1f} ms one at a time (ratio {t_one / (t_prepare / COUNT):.0f}x)")
    by_variant = {v.key["variant"]: v for v in variants}
    t_items = _timed(lambda: [grade_submission(s, by_variant[s.variant], Rules())
                              for s in subs]) / COUNT
    print(f"grading one submission once its variant is prepared: {t_items * 1e3:.2f} ms")
    if shutil.which("pdflatex"):
        _pdfs(subs, keys)


def _pdfs(subs, keys) -> None:
    from derive.grading.feedback import build_feedback, feedback_context, file_name, render_feedback
    count = 6
    grades = grade_all(subs[:count], keys)
    sources = []
    for g, s, k in zip(grades, subs, keys):
        answers = {q: a.value for q, a in s.answers.items() if not a.error}
        sources.append((file_name(s.index, g.student),
                        render_feedback(feedback_context(g, answers, k, Config()))))
    cores = os.cpu_count() or 1
    times = {}
    for jobs in sorted({1, cores}):
        out = Path(tempfile.mkdtemp())
        times[jobs] = _timed(lambda: build_feedback(sources, out, jobs=jobs))
        shutil.rmtree(out)
    line = ", ".join(f"{jobs} at once {t / count:.2f} s per PDF" for jobs, t in times.items())
    print(f"feedback PDFs ({count}): {line}; a class of {COUNT} with {cores} jobs: "
          f"about {times[cores] / count * COUNT:.0f} s")

