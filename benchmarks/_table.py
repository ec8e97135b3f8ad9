"""What the benchmarks share: a measure against its floor (best of a few,
alternated, the machine being shared), its row, the summary table, and the
peak memory of a process tree."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass


@dataclass
class Row:
    """One row of issue 14's table: a measure, its floor, the goal for their ratio."""

    measure: str
    now: float
    floor: float
    goal: float | None

    @property
    def ratio(self) -> float:
        return self.now / self.floor

    def verdict(self) -> str:
        return "-" if self.goal is None else "ok" if self.ratio <= self.goal else "over"

    def line(self) -> str:
        goal = "-" if self.goal is None else f"<= {self.goal:g}x"
        return (f"{self.measure:<48} now {self.now:7.3f} s  floor {self.floor:7.3f} s  "
                f"ratio {self.ratio:5.2f}x  goal {goal:<8} {self.verdict()}")


def summary(rows: list[Row | str]) -> str:
    """The table of every row: ratio against goal, ok or over (a note, a
    string, printed as it is, after the table)."""
    lines = [f"{'measure':<48} {'ratio':>7}  {'goal':>8}  verdict",
             f"{'-' * 48} {'-' * 7}  {'-' * 8}  -------"]
    for r in (r for r in rows if isinstance(r, Row)):
        goal = "-" if r.goal is None else f"<= {r.goal:g}x"
        lines.append(f"{r.measure:<48} {r.ratio:6.2f}x  {goal:>8}  {r.verdict()}")
    return "\n".join(lines + [r for r in rows if isinstance(r, str)])


def timed(fn, clock=time.perf_counter) -> float:
    """Seconds ``fn()`` takes by ``clock`` (wall by default)."""
    t = clock()
    fn()
    return clock() - t


def alternate(measure, floor, runs: int) -> tuple[float, float]:
    """The best of ``runs`` timings of each, measure and floor in turn (so
    both see the same load); each argument is a function giving seconds."""
    nows, floors = [], []
    for _ in range(runs):
        nows.append(measure())
        floors.append(floor())
    return min(nows), min(floors)


def run(cmd: list[str], **kw) -> float:
    """Wall seconds of the command (its output captured; a failure raises)."""
    return timed(lambda: subprocess.run(cmd, check=True, capture_output=True,
                                        stdin=subprocess.DEVNULL, **kw))


def tree_rss(pid: int) -> int:
    """Resident bytes of process ``pid`` and all its descendants, summed."""
    import psutil
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_sampled(cmd: list[str], every: float = 0.02, **kw) -> tuple[float, int]:
    """(wall seconds, peak bytes of the whole process tree's summed RSS,
    sampled every ``every`` seconds) of the command."""
    peak = [0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kw)
    done = threading.Event()

    def sample():
        while not done.wait(every):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, stderr=err)
    return wall, peak[0]
