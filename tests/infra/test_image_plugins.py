"""A language plugin copied into the host folder mounted at /plugins becomes active inside the running
container, without a restart: the server lists it (MCP `list_plugins`), and the indexer parses files
of its language (MCP `find_symbol` finds a definition in one)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest
from container_helpers import Appliance, call_tool, wait_for

pytestmark = pytest.mark.docker

# Starlark (Bazel's BUILD and .bzl files) is Python's syntax: the Python grammar parses it.
MANIFEST = """\
name: starlark
version: 0.1.0
description: Starlark (Bazel .bzl and .star files), parsed with the Python grammar.
type: language
languages: [starlark]
file_extensions: [.bzl, .star]
grammar: tree_sitter_python
queries: queries/tags.scm
"""
TAGS = """\
(function_definition name: (identifier) @name) @definition.function
(call function: (identifier) @name) @reference.call
"""
BZL = "def cc_fuzz_target(name, srcs):\n    native.cc_binary(name = name, srcs = srcs)\n"


def call(appliance: Appliance, tool: str, **arguments: Any) -> dict[str, Any]:
    return anyio.run(call_tool, appliance.mcp_url(), appliance.token(), tool, arguments)


def test_a_plugin_dropped_into_the_mounted_folder_becomes_active(
    appliance: Appliance, tmp_path: Path
) -> None:
    staged = tmp_path / "starlark"
    (staged / "queries").mkdir(parents=True)
    (staged / "plugin.yaml").write_text(MANIFEST)
    (staged / "queries" / "tags.scm").write_text(TAGS)
    shutil.copytree(staged, appliance.plugins / "starlark")  # as `cp -r` on the host would
    for path in [appliance.plugins / "starlark", *(appliance.plugins / "starlark").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    def listed() -> dict[str, Any] | None:
        plugins = {p["name"]: p for p in call(appliance, "list_plugins")["plugins"]}
        return plugins.get("starlark") if plugins.get("starlark", {}).get("state") == "active" else None

    plugin = wait_for("the new plugin active in the server", listed, timeout=60, interval=1)
    assert plugin["extensions"] == [".bzl", ".star"]

    rules = appliance.repo / "build" / "fuzz.bzl"
    rules.parent.mkdir(mode=0o755)
    rules.write_text(BZL)
    rules.chmod(0o644)

    def defined() -> list[dict[str, Any]] | None:
        return call(appliance, "find_symbol", name="cc_fuzz_target")["symbols"] or None

    symbols = wait_for("a definition in a file of the new language", defined, timeout=60, interval=1)
    assert [(s["path"], s["language"], s["kind"]) for s in symbols] == [
        ("build/fuzz.bzl", "starlark", "function")
    ]
