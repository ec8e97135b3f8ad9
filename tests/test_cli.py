"""The command line's registration: each command names its pipeline, which
is imported with the garbage collector paused, and only when it runs."""

import importlib.util
import subprocess
import sys

from derive.cli import make_parser

PAUSED = """
import gc, sys
from derive import cli
collections = []
gc.callbacks.append(lambda phase, info: collections.append(phase))
cli._import_pipeline(("derive.numerics.key",))
print("derive.numerics.key" in sys.modules, gc.isenabled(), gc.get_freeze_count() > 0,
      len(collections))
"""


def _commands() -> dict:
    sub = next(a for a in make_parser()._actions if a.dest == "command")
    return sub.choices


def test_each_pipeline_names_modules_that_exist():
    pipelines = {name: p.get_default("pipeline") for name, p in _commands().items()}
    assert {name for name, modules in pipelines.items() if modules} >= {
        "key", "grade", "report", "variants", "stress", "notebooks"}
    for modules in pipelines.values():
        for module in modules or ():
            assert importlib.util.find_spec(module) is not None, module


def test_the_pipeline_is_imported_without_collections_then_frozen():
    done = subprocess.run([sys.executable, "-c", PAUSED], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True", "0"]
