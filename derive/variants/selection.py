"""What the variant generators share: a candidate stream examined in order,
the statistics of what the constraints rejected, and the error when no
candidate meets them.

A generator draws a batch of candidates from a variant's stream, screens
the whole batch (one verdict per candidate and constraint), and takes the
candidates in stream order: the first that passes every check (and any
later per-candidate check the generator applies) is the variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from derive.problem.spec import InputError


@dataclass
class Stats:
    """What ``handouts stress`` reports: how the constraints treated the
    candidates examined (up to each accepted one)."""

    examined: int = 0
    accepted: int = 0
    rejected: dict = field(default_factory=dict)   # name -> candidates it rejected
    checked: dict = field(default_factory=dict)    # name -> candidates it was checked on
    seconds: float = 0.0

    def count(self, name: str, rejected: int, checked: int) -> None:
        self.rejected[name] = self.rejected.get(name, 0) + int(rejected)
        self.checked[name] = self.checked.get(name, 0) + int(checked)

    def worst(self) -> list[tuple[float, str]]:
        """(rejection rate, constraint) of every constraint checked, worst first."""
        return sorted(((self.rejected[n] / max(checked, 1), n)
                       for n, checked in self.checked.items()), reverse=True)


class Stream:
    """One variant's candidates, drawn and screened a batch at a time and
    examined in stream order, at most ``limit`` of them."""

    def __init__(self, seed: int, key: tuple[int, ...], limit: int):
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
        self.limit = limit
        self.tried = 0      # candidates examined
        self.batch: tuple[Any, np.ndarray] | None = None  # with its verdicts (B, n)

    def refill(self, c, verdicts: np.ndarray, checked: np.ndarray) -> None:
        """A new batch with its verdicts (B, n) and which checks ran on which
        candidate (B, n; a check that did not run passes)."""
        self.batch, self.pos = (c, verdicts), 0   # pos: the next candidate to examine
        self.checked = checked

    @property
    def spent(self) -> bool:
        return self.tried >= self.limit

    def next(self, stats: Stats, names: Sequence[str]) -> int | None:
        """Examine candidates up to the next that passes every batch check
        (its index in the batch), or to the end of the batch or of the
        allowance (None)."""
        if self.batch is None:
            return None
        c, ok = self.batch
        limit = min(len(c), self.pos + self.limit - self.tried)
        passing = np.flatnonzero(ok[self.pos:limit].all(axis=1))
        end = self.pos + int(passing[0]) + 1 if len(passing) else limit
        seen, ran = ok[self.pos:end], self.checked[self.pos:end]
        stats.examined += len(seen)
        for name, rejected, checked in zip(names, (~seen & ran).sum(axis=0), ran.sum(axis=0)):
            stats.count(name, rejected, checked)
        self.tried += end - self.pos
        self.pos = end
        return end - 1 if len(passing) else None


class Unmeetable(InputError):
    """No candidate met the constraints within the allowance of candidates."""
