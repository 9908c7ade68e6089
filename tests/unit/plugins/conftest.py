"""Fixtures for the plugin system's tests: plugin folders written on the fly, and managers over them.

`plugins` writes plugin folders under one root (`plugins.language(...)`, `plugins.tool(...)`,
`plugins.hooks(...)`); the test languages use tree-sitter-python's grammar under other names and
extensions. `make_manager(...)` builds a PluginManager over that root (bundled plugins and entry
points left out unless asked) with its own metrics registry, and closes it after the test.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from appliance.metrics import Metrics
from appliance.plugins.manager import PluginManager

QUERY = """\
(function_definition name: (identifier) @name) @definition.function
(call function: (identifier) @name) @reference.call
"""

SAMPLE = """\
def greet(name):
#   ^ definition.function
    return shout(name)
#          ^ reference.call
"""


class Plugins:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, files: dict[str, str], root: Path | None = None) -> Path:
        folder = (root or self.root) / name
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return folder

    def language(
        self,
        name: str,
        *,
        ext: str = ".snake",
        language: str = "",
        manifest: str = "",
        query: str = QUERY,
        sample: str | None = SAMPLE,
        code: str | None = None,
        root: Path | None = None,
    ) -> Path:
        files = {
            "plugin.yaml": f"name: {name}\nversion: '1'\ntype: language\nlanguages: [{language or name}]\n"
            f"file_extensions: ['{ext}']\ngrammar: tree_sitter_python\nqueries: queries/tags.scm\n"
            f"samples: samples\n" + textwrap.dedent(manifest),
            "queries/tags.scm": query,
        }
        if sample is not None:
            files[f"samples/sample{ext}"] = sample
        if code is not None:
            files["plugin.py"] = code
        return self.write(name, files, root)

    def tool(self, name: str, code: str, manifest: str = "") -> Path:
        files = {"plugin.yaml": f"name: {name}\nversion: '1'\ntype: tool\n" + textwrap.dedent(manifest)}
        files["plugin.py"] = code
        return self.write(name, files)

    def hooks(self, name: str, code: str, languages: str = "[snake]", manifest: str = "") -> Path:
        files = {
            "plugin.yaml": f"name: {name}\nversion: '1'\ntype: hooks\nlanguages: {languages}\n"
            + textwrap.dedent(manifest),
            "plugin.py": code,
        }
        return self.write(name, files)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry())


@pytest.fixture
def plugins(tmp_path: Path) -> Plugins:
    root = tmp_path / "plugins"
    root.mkdir()
    return Plugins(root)


@pytest.fixture
def make_manager(plugins: Plugins, metrics: Metrics) -> Iterator[Callable[..., PluginManager]]:
    made: list[PluginManager] = []

    def make(**options: Any) -> PluginManager:
        options.setdefault("include_bundled", False)
        options.setdefault("entry_points", False)
        options.setdefault("metrics", metrics)
        options.setdefault("environ", {})
        dirs = options.pop("plugin_dirs", [plugins.root])
        manager = PluginManager(dirs, **options)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        manager.close()
