"""The layout shows the pipeline: derive/ is grouped by stage, and a stage
imports only the stages before it (and the shared files, cli and commands)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "derive"
STAGES = ("problem", "calculus", "numerics", "documents", "variants", "notebooks", "grading")
MAX_LINES = 400


def _imported_stages(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "derive" and len(parts) > 1 and parts[1] in STAGES:
                out.add(parts[1])
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_earlier_stages(stage):
    later = set(STAGES[STAGES.index(stage) + 1:])
    for path in sorted((PACKAGE / stage).glob("*.py")):
        assert not _imported_stages(path) & later, f"{path.name} imports a later stage"


def test_no_module_is_long():
    long = {p.relative_to(PACKAGE).as_posix(): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long
