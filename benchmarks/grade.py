"""Grading: a class of 300 against a 300-variant set of the reference, and feedback PDFs."""

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.key import _timed
from derive.grading.by_kind import prepare_kind
from derive.grading.kind_answers import items_of, key_submission, submission_parser
from derive.grading.kind_grade import grade_all_kinds, grade_submission
from derive.grading.rules import Rules
from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment
from derive.problem.config import Config
from derive.variants.instances import generate_instances
from derive.variants.settings import parse_settings, variant_id

COUNT = 300
SEED = 7


def _class(assignment, instances, keys: list[dict]) -> list[dict]:
    """One submission per variant: a third hand in the key, the others make
    one library mistake consistently (every answer it changes)."""
    codes = list(dict.fromkeys(c for p in assignment.parts for c in km.applicable(p)))
    subs = []
    for i, (instance, key) in enumerate(zip(instances, keys)):
        wrong = km.by_part(assignment, instance, codes=(codes[i % len(codes)],)) if i % 3 else {}
        subs.append(key_submission(key, f"student {i}", json.loads(json.dumps(wrong))))
    return subs


def run() -> None:
    reference = load_assignment("reference")
    instances = generate_instances(reference, SEED, COUNT, parse_settings({}))
    keys = json.loads(json.dumps(build_assignment_keys(
        reference, instances, [variant_id(SEED, k, COUNT) for k in range(COUNT)], SEED)))
    entries = _class(reference, instances, keys)
    parse = submission_parser(items_of(keys[0]))
    grade_all_kinds([parse(entries[0], 0)], keys[:1])  # derive and lambdify first
    t = time.perf_counter()
    subs = [parse(e, i) for i, e in enumerate(entries)]
    t_parse = time.perf_counter() - t
    t = time.perf_counter()
    variants = prepare_kind(keys, Rules())
    t_prepare = time.perf_counter() - t
    best = min(_timed(lambda: grade_all_kinds(subs, keys)) for _ in range(3))
    print(f"{COUNT} submissions against {COUNT} variant keys: {best:.2f} s "
          f"({best / COUNT * 1e3:.1f} ms per submission; target: a class in seconds); "
          f"reading the answers {t_parse:.2f} s; the mistake library for all "
          f"{COUNT} variants: {t_prepare:.2f} s ({t_prepare / COUNT * 1e3:.1f} ms per variant)")
    by_variant = {v.key["variant"]: v for v in variants}
    t_items = _timed(lambda: [grade_submission(s, by_variant[s.variant], Rules())
                              for s in subs]) / COUNT
    print(f"grading one submission once its variant is prepared: {t_items * 1e3:.2f} ms")
    if shutil.which("pdflatex"):
        _pdfs(subs, keys)


def _pdfs(subs, keys) -> None:
    from derive.grading.feedback import build_feedback, feedback_context, file_name, render_feedback
    count = 6
    grades = grade_all_kinds(subs[:count], keys)
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
