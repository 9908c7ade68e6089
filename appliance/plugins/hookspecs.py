"""The hooks a code plugin may implement, as a pluggy specification (like datasette's hookspecs.py).

A plugin's `plugin.py` (or the module its manifest's `entry_point` names) marks its functions with
`hookimpl` and names them after a spec below. An implementation may take fewer arguments than
the spec; `config` is the plugin's settings from plugins.yaml, already validated; `index` gives
tools the index the server reads (`index.lookup()` is an `appliance.index.lookup.Lookup`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from appliance.index.symbols import Symbol
    from appliance.plugins.tools import IndexAccess, ToolDefinition

PROJECT = "appliance"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def adjust_symbols(language: str, path: str, symbols: list[Symbol], config: dict[str, Any]) -> list[Symbol]:
    """Return the symbols of one parsed file, adjusted (runs in the parser processes, once per file)."""
    raise NotImplementedError


@hookspec
def provide_tools(config: dict[str, Any], index: IndexAccess) -> list[ToolDefinition]:
    """Return the MCP tools this plugin adds to the server (`index.lookup()` queries the index)."""
    raise NotImplementedError
