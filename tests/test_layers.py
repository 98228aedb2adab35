"""Imports point one way, top to bottom: the CLI, ui/ and newsdesk/components.py; then eval/; then rag/; then
index/; the settings models at the bottom (they import nothing of the project). A module may import its own
layer and the layers below it, never one above."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.fixtures.cli import REPO

# Layer of each part of the package, highest first; `prompts` holds templates only and sits with rag.
LAYERS = {
    "newsdesk.cli": 4,
    "newsdesk.chat": 4,
    "newsdesk.progress": 4,
    "newsdesk.__main__": 4,
    "newsdesk.ui": 4,
    "newsdesk.components": 4,
    "newsdesk.eval": 3,
    "newsdesk.training": 3,
    "newsdesk.rag": 2,
    "newsdesk.prompts": 2,
    "newsdesk.index": 1,
    "newsdesk.settings": 0,
    "newsdesk": 0,  # the package's own __init__ (its version)
}
FOLDERS = {"newsdesk": "newsdesk", "index": "newsdesk.index", "rag": "newsdesk.rag", "ui": "newsdesk.ui",
           "eval": "newsdesk.eval", "prompts": "newsdesk.prompts"}  # fmt: skip


def layer_of(module: str) -> int:
    best = max((name for name in LAYERS if module == name or module.startswith(name + ".")), key=len)
    return LAYERS[best]


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def project_imports(path: Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("newsdesk"):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names if alias.name.startswith("newsdesk"))
    return imported


def test_every_import_points_down_or_sideways() -> None:
    upward = [
        f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)})"
        for name, path in sorted(modules().items())
        for target in sorted(project_imports(path))
        if layer_of(target) > layer_of(name)
    ]
    assert upward == []


def test_the_settings_import_nothing_of_the_project() -> None:
    assert project_imports(REPO / "newsdesk" / "settings.py") == set()
