"""Tool definitions: what provide_tools may return."""

from __future__ import annotations

from typing import Any

import pytest

from appliance.errors import PluginError
from appliance.plugins.tools import ToolDefinition, check_tool, check_tools


def typed(repo: str, path: str) -> int:
    return 0


def untyped(repo, path: str) -> int:  # type: ignore[no-untyped-def]
    return 0


def no_return(repo: str):  # type: ignore[no-untyped-def]
    return 0


def varargs(*paths: str) -> int:
    return 0


async def asynchronous(repo: str) -> int:
    return 0


def test_a_typed_function_is_a_tool() -> None:
    tool = ToolDefinition("count_lines", "Count lines.", typed)
    assert check_tool(tool, "p") is tool
    assert check_tools([tool], "p") == (tool,)
    assert check_tools(None, "p") == ()


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        (ToolDefinition("Count", "d", typed), "the name must match"),
        (ToolDefinition("count", "  ", typed), "a description is required"),
        (ToolDefinition("count", "d", untyped), "parameter 'repo' has no type hint"),
        (ToolDefinition("count", "d", no_return), "the return value has no type hint"),
        (ToolDefinition("count", "d", varargs), r"\*paths parameters"),
        (ToolDefinition("count", "d", asynchronous), "not async"),
        (ToolDefinition("count", "d", 3), "not callable"),  # type: ignore[arg-type]
        ("count", "not a ToolDefinition"),
    ],
)
def test_invalid_tools_are_refused_with_the_reason(tool: Any, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        check_tool(tool, "p")


def test_a_tool_name_may_appear_once() -> None:
    tool = ToolDefinition("count", "d", typed)
    with pytest.raises(PluginError, match="count more than once"):
        check_tools([tool, tool], "p")
    with pytest.raises(PluginError, match="must return a list"):
        check_tools(tool, "p")
