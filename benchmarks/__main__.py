"""Run every benchmark module in turn (`make bench`), print its figures, then
the summary of issue 14's table: each ratio against its goal."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path

# every module of this folder is a benchmark with a run() function; the rows of
# issue 14's table first, in its order
FIRST = ("report", "variants", "key", "grade")
_found = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
          if not m.name.startswith("_")]
MODULES = [f"benchmarks.{name}" for name in
           sorted(_found, key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))]


def main(names=None) -> int:
    from benchmarks._table import summary
    t0 = time.perf_counter()
    rows = []
    for name in names or MODULES:
        module = importlib.import_module(name if "." in name else f"benchmarks.{name}")
        print(f"== {module.__name__}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        rows += module.run() or []
        print(flush=True)
    print("== summary (ratio = measure / floor, in the same run)")
    print(summary(rows))
    print(f"(make bench took {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
