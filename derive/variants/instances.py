"""Variants of any assignment: every part with variants drawn from its grids
and kept only when rich (:mod:`derive.variants.richness`).

Part ``j`` (0-based, in file order) of variant ``k`` of seed ``S`` draws its
candidates from its own stream, ``SeedSequence(S, spawn_key=(k, j))``,
``BATCH`` at a time (:func:`derive.variants.draw.draw_part`), solves the
whole batch in one call (:func:`derive.numerics.solve.solve_parts`), screens
it (each candidate's checks in order, up to the first it fails), and takes the first candidate in stream order that passes the screen,
then the mistakes check, and whose data no variant 0..k-1 has. So variant
k depends only on (S, k), the assignment and the settings: ``--count 40``
extends ``--count 30``. Parts without variants keep their given data.
"""

from __future__ import annotations

import json
import time
import numpy as np

from derive.variants.draw import draw_part, varies
from derive.variants.richness import UNIQUE, active
from derive.variants.selection import Stats, Stream, Unmeetable
from derive.variants.settings import VariantSettings, check_count, check_seed, variant_id

BATCH = 32   # candidates drawn per stream and round (fixed: part of the stream)


def generate_instances(assignment, seed: int, count: int, s: VariantSettings,
                       stats: Stats | None = None, progress=None) -> list[dict]:
    """The instances of variants 0..count-1: per variant, the drawn data of
    every part with variants, by part id (``progress(n)`` is called as n
    more variants are complete). ``stats`` counts candidates and accepted
    instances of every part."""
    seed, count = check_seed(seed), check_count(count)
    stats = stats if stats is not None else Stats()
    t0 = time.perf_counter()
    out: list[dict] = [{} for _ in range(count)]
    try:
        drawn = [(j, part) for j, part in enumerate(assignment.parts) if varies(part)]
        for n, (j, part) in enumerate(drawn):
            for k, data in enumerate(_part_instances(part, j, seed, count, s, stats)):
                out[k][part.id] = data
                if progress and n == len(drawn) - 1:
                    progress(1)
        if progress and not drawn:
            progress(count)
    finally:
        stats.seconds += time.perf_counter() - t0
    return out


def _part_instances(part, j: int, seed: int, count: int, s: VariantSettings, stats: Stats):
    """The accepted data of one part for variants 0..count-1, in order."""
    from derive.numerics.solve import solve_parts
    checks = active(part, s.constraints)
    screen = [(r, setting) for r, setting in checks if r.screen]
    late = [(r, setting) for r, setting in checks if not r.screen]
    names = [f"{part.id}.{r.name}" for r, _ in screen]
    seen: set[str] = set()
    for k in range(count):
        stream = Stream(seed, (k, j), s.max_candidates)
        while True:
            i = stream.next(stats, names)
            if i is None:
                if stream.spent:
                    raise _unmeetable(part, j, variant_id(seed, k, count), stats,
                                      s.max_candidates)
                datas = draw_part(stream.rng, part, BATCH, "nonzero_inputs" in s.constraints)
                solutions = solve_parts(part, datas)
                stream.refill(list(zip(datas, solutions)),
                              *_screen(part, datas, solutions, screen, s.figures))
                continue
            data, solution = stream.batch[0][i]
            if not _passes(part, solution, data, late, s.figures, stats):
                continue
            identity = json.dumps(data.to_json(), sort_keys=True)
            if UNIQUE in s.constraints:
                stats.count(f"{part.id}.{UNIQUE}", identity in seen, 1)
                if identity in seen:
                    continue
            seen.add(identity)
            stats.accepted += 1
            yield data
            break


def _screen(part, datas, solutions, screen, figures: int) -> tuple[np.ndarray, np.ndarray]:
    """The screen's verdicts (B, n) on a batch, and which checks ran: each
    candidate's checks in order up to the first it fails."""
    ok = np.ones((len(datas), len(screen)), bool)
    ran = np.zeros_like(ok)
    for i, (data, solution) in enumerate(zip(datas, solutions)):
        for j, (r, setting) in enumerate(screen):
            ran[i, j] = True
            ok[i, j] = r.check(part, solution, data, setting, figures)
            if not ok[i, j]:
                break
    return ok, ran


def _passes(part, solution, data, late, figures: int, stats: Stats) -> bool:
    """The per-candidate checks, in order, each counted where it ran."""
    for r, setting in late:
        ok = r.check(part, solution, data, setting, figures)
        stats.count(f"{part.id}.{r.name}", not ok, 1)
        if not ok:
            return False
    return True


def _unmeetable(part, j: int, vid: str, stats: Stats, limit: int) -> Unmeetable:
    """One line naming the part and the constraint that rejected most."""
    rates = [(rate, name.split(".", 1)[1]) for rate, name in stats.worst()
             if name.startswith(f"{part.id}.")]
    # the worst, and any as bad: the stream ran out, so each candidate it gave
    # was rejected by some constraint, and the worst rate is above 0
    names = sorted(name for rate, name in rates if rate == rates[0][0])
    worst = (f"{' and '.join(names)} rejected {rates[0][0]:.0%} of the candidates "
             f"{'each' if len(names) > 1 else 'it'} checked")
    return Unmeetable(f"parts[{j + 1}].variants",
                      f"no candidate of part {part.id!r} for {vid} met every constraint in "
                      f"{limit} tries ({worst}); widen the grids or switch the constraint off")


def generate_assignment_keys(assignment, seed: int, count: int, s: VariantSettings,
                             stats: Stats | None = None, progress=None) -> list[dict]:
    """The schema 2 answer keys of variants 0..count-1."""
    from derive.numerics.key import build_assignment_keys
    instances = generate_instances(assignment, seed, count, s, stats, progress)
    return build_assignment_keys(assignment, instances,
                                 [variant_id(seed, k, count) for k in range(count)], seed)


def instance_of(assignment, key: dict) -> dict:
    """The data of every part a schema 2 key gives ``params`` for, by part
    id, with the key's numbers as they are (an int stays an int, so it
    prints as the file wrote it)."""
    from derive.numerics.key import part_instance
    return {part.id: part_instance(key, part.id)[1] for part in assignment.parts
            if part.id in key["params"] and part.id in key.get("networks", {})}


def instance_context(assignment, key: dict, config):
    """The variant of ``assignment`` that ``key`` is of, its parts' solutions
    and its documents' render context (figures named, not drawn): what its
    .tex sources and its LMS questions are both rendered from."""
    from derive.documents.assignment_build import figure_paths
    from derive.documents.assignment_context import build_assignment_context
    from derive.numerics.solve import solve_part
    variant = assignment.with_given(instance_of(assignment, key))
    solutions = {p.id: solve_part(p) for p in variant.parts if p.given is not None}
    ctx = build_assignment_context(variant, key, config, figures=figure_paths(variant),
                                   solutions=solutions)
    return variant, solutions, ctx
