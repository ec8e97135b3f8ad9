"""Run every benchmark module in turn and print its figures."""

import importlib
import pkgutil
import sys
from pathlib import Path

# every module of this folder is a benchmark with a run() function
MODULES = sorted(f"benchmarks.{m.name}" for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                 if not m.name.startswith("_"))


def main(names=None) -> int:
    for name in names or MODULES:
        module = importlib.import_module(name if "." in name else f"benchmarks.{name}")
        print(f"== {module.__name__}: {module.__doc__.strip().splitlines()[0]}")
        module.run()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
