"""The layers of the package: the index stands alone; the plugin system serves it, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "appliance"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_index_imports_neither_the_plugin_system_nor_the_server() -> None:
    offending = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in (PACKAGE / "index").rglob("*.py")
        for module in imported_modules(path)
        if module.startswith(("appliance.plugins", "appliance.server", "appliance.cli"))
    }
    assert offending == set()
