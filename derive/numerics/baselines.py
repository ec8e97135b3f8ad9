"""What doing nothing gives (:func:`derive.numerics.key.nothing_done`) for
many keys at once: the forward pass before the step of every key's part in
one batch per network."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from derive.numerics import exact
from derive.numerics.key import nothing_done, part_instance
from derive.numerics.solve import Forward, solve_batch
from derive.problem.assignment import Part


def stepped_parts(key: dict) -> list[str]:
    """The parts whose answers after the step :func:`nothing_done` compares
    with the forward pass before it."""
    return list(dict.fromkeys(
        q["part"] for q in key["questions"].values()
        if q["kind"] == "after-step" or (q["kind"] == "probability" and q.get("after"))))


def nothing_done_all(keys: Sequence[dict]) -> list[dict]:
    """:func:`nothing_done` of each key, the same values: keys of one
    network are solved together, those whose data exact arithmetic decides
    apart from the others (as each would be alone: see
    :func:`derive.numerics.exact.places`)."""
    groups: dict[tuple, list[tuple[int, str, object]]] = {}
    for i, key in enumerate(keys):
        for pid in stepped_parts(key):
            net, data = part_instance(key, pid)
            decided = exact.places(data.x, *data.W, *data.b, data.y) is not None
            groups.setdefault((pid, net, decided), []).append((i, pid, data))
    before: list[dict[str, Forward]] = [{} for _ in keys]
    for (pid, net, _), members in groups.items():
        b = solve_batch(Part(pid, "", (), net, None), [data for _, _, data in members])
        for n, (i, _, _) in enumerate(members):
            pick = lambda arrays: tuple(np.asarray(v[..., n]) for v in arrays)  # noqa: E731
            before[i][pid] = Forward(pick(b.z), pick(b.a), float(b.loss[n]))
    return [nothing_done(key, known) for key, known in zip(keys, before)]
