"""Modules import only core.toolkit and the modules their manifest depends on (STYLE rule 2)."""

from __future__ import annotations

import ast
from pathlib import Path

from core.config import ROOT
from core.loader import load_graph


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found.extend((node.lineno, name) for name in names)
    return found


def test_bundled_modules_import_only_the_toolkit_and_their_dependencies() -> None:
    graph = load_graph(entry_points=False, addons_path=[])
    problems: list[str] = []
    for name in graph.manifests:
        allowed = {name, *graph.closure([name])}
        for path in sorted((ROOT / "modules" / name).rglob("*.py")):
            if "tests" in path.relative_to(ROOT / "modules" / name).parts:
                continue
            for line, target in _imports(path):
                parts = target.split(".")
                if parts[0] == "core" and parts[:2] != ["core", "toolkit"]:
                    problems.append(f"{path.relative_to(ROOT)}:{line} imports {target} (use core.toolkit)")
                if parts[0] == "modules" and len(parts) > 1 and parts[1] not in allowed:
                    problems.append(
                        f"{path.relative_to(ROOT)}:{line} imports {target}, but '{name}' does not depend on '{parts[1]}'"
                    )
    assert not problems, "\n".join(problems)
