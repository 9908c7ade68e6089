"""`appliance plugins test`: what a plugin extracts from its samples (or given files), checked.

The symbols are those the index would store: the plugin's tags query, then every active plugin's
`adjust_symbols`. Where a sample asserts its symbols with caret comments, the golden check runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tree_sitter as ts

from appliance.errors import PluginError
from appliance.index.languages import LanguagePlugin
from appliance.index.symbols import ParseBudgetExceeded
from appliance.plugins.golden import check
from appliance.plugins.loader import sample_files, syntax_error
from appliance.plugins.manager import PluginManager


def run_test(manager: PluginManager, name: str, files: Sequence[tuple[str, bytes]] = ()) -> dict[str, Any]:
    """A JSON-able report: the plugin's status, each file's symbols and golden result, its tools."""
    status = manager.info(name)
    loaded = manager.loaded(name)
    report: dict[str, Any] = {"plugin": status.to_json(), "files": [], "tools": [], "ok": False}
    if loaded is None:
        report["error"] = status.error or f"plugin {name} is {status.state}: nothing is loaded"
        return report
    own = loaded.language
    if own is not None:
        serving = manager.registry.plugins.get(own.name)
        plugin = serving if serving is not None and serving.manifest.name == name else own
        targets = list(files) or [(str(p), p.read_bytes()) for p in sample_files(loaded.manifest)]
        report["files"] = [_file(plugin, path, source) for path, source in targets]
    else:
        for path, source in files:
            found = manager.registry.for_path(path)
            report["files"].append(
                _file(found, path, source)
                if found
                else {"path": path, "error": "no active plugin claims this file"}
            )
    report["tools"] = [
        {
            "name": tool.name,
            "description": tool.description,
            "signature": str(inspect.signature(tool.function, eval_str=True)),
            "read_only": tool.read_only,
        }
        for tool in loaded.tools
    ]
    report["ok"] = status.state in ("active", "loaded") and all(
        not f.get("error") and f.get("golden", {}).get("ok", True) for f in report["files"]
    )
    return report


def _file(plugin: LanguagePlugin, path: str, source: bytes) -> dict[str, Any]:
    result: dict[str, Any] = {"path": path, "language": plugin.name}
    try:
        symbols = plugin.extractor.extract(source, plugin.manifest.parse_seconds)
    except (ParseBudgetExceeded, PluginError) as e:
        result["error"] = str(e)
        return result
    symbols = plugin.adjust_symbols(Path(path).name, symbols, source)
    result["syntax_error_line"] = syntax_error(ts.Parser(plugin.extractor.language), source) or None
    result["symbols"] = [
        {
            "line": s.line,
            "column": s.column,
            "tag": f"{'definition' if s.is_definition else 'reference'}.{s.kind}",
            "name": s.name,
            "container": s.container,
        }
        for s in symbols
    ]
    golden = check(source.decode("utf-8", "replace"), symbols)
    if golden.asserted:
        result["golden"] = {
            "ok": golden.ok,
            "asserted": golden.asserted,
            "missing": [list(m) for m in golden.missing],
            "unasserted": [list(u) for u in golden.unasserted],
        }
    return result
