"""What a tool plugin's `provide_tools()` returns: one `ToolDefinition` per MCP tool.

The server turns `function` into an MCP tool the way it turns its own tools into ones: the
parameters' type hints become the input schema, the return hint the output schema. So every
parameter and the return value must carry a type hint, and the function must be a plain
(synchronous) function: it runs on a worker thread, under the plugin's `limits.hook_seconds`.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from appliance.errors import PluginError, UsageError

if TYPE_CHECKING:
    from appliance.index.lookup import Lookup

TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class ToolDefinition:
    name: str  # unique across the server: lower_snake_case, at most 64 characters
    description: str  # what the tool does, for the model that decides to call it
    function: Callable[..., Any]  # typed parameters and return value
    read_only: bool = True  # False when calling it changes something
    title: str = ""  # a human-readable name; defaults to the name


class IndexAccess(Protocol):
    """What a tool plugin gets to query the index with (the server's IndexService is one)."""

    def lookup(self) -> Lookup: ...


class NoIndex:
    """The index where a process has none: tools that ask for it get a clear error."""

    def lookup(self) -> Lookup:
        raise UsageError("this process has no index open (start the server, or pass --data to the command)")


class LateIndex:
    """Forwards to whatever index the manager is given, when a tool runs (it may come later)."""

    def __init__(self) -> None:
        self.target: IndexAccess = NoIndex()

    def lookup(self) -> Lookup:
        return self.target.lookup()


def check_tool(tool: object, plugin: str) -> ToolDefinition:
    """`tool` as a valid ToolDefinition, or a PluginError saying what is wrong with it."""
    if not isinstance(tool, ToolDefinition):
        raise PluginError(f"{plugin}: provide_tools returned {type(tool).__name__}, not a ToolDefinition")
    where = f"{plugin}: tool {tool.name!r}"
    if not isinstance(tool.name, str) or not TOOL_NAME.match(tool.name):
        raise PluginError(f"{where}: the name must match {TOOL_NAME.pattern}")
    if not isinstance(tool.description, str) or not tool.description.strip():
        raise PluginError(f"{where}: a description is required")
    function = tool.function
    if not callable(function):
        raise PluginError(f"{where}: function is not callable")
    if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
        raise PluginError(f"{where}: function must be a plain function, not async")
    try:
        signature = inspect.signature(function, eval_str=True)
        hints = typing.get_type_hints(function)
    except Exception as e:  # a NameError in a string annotation, a builtin without a signature...
        raise PluginError(f"{where}: cannot read its type hints: {e}") from e
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise PluginError(f"{where}: *{name} parameters cannot be described to a client")
        if name not in hints:
            raise PluginError(f"{where}: parameter {name!r} has no type hint")
    if "return" not in hints:
        raise PluginError(f"{where}: the return value has no type hint")
    return tool


def check_tools(tools: object, plugin: str) -> tuple[ToolDefinition, ...]:
    if tools is None:
        return ()
    if not isinstance(tools, list | tuple):
        raise PluginError(f"{plugin}: provide_tools must return a list of ToolDefinition")
    checked = tuple(check_tool(tool, plugin) for tool in tools)
    names = [tool.name for tool in checked]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PluginError(f"{plugin}: provide_tools returned {', '.join(duplicates)} more than once")
    return checked
