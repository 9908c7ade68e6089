"""Protocol-level middleware on the MCP server: tool-call metrics, and argument errors a person can read.

Runs around every `tools/call` (over HTTP and stdio alike): counts it by tool and outcome, times
it, and rewrites pydantic's multi-line validation report (with documentation links and the
rejected input, which may be a megabyte long) into one line naming each bad argument.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from appliance.metrics import Metrics

UNKNOWN_TOOL = "unknown"  # label for names that are not tools: unbounded input must not become a label
VALIDATION_HEAD = re.compile(r"^Error executing tool (?P<tool>\S+): \d+ validation errors? for \S+$")
PYDANTIC_DETAIL = re.compile(r"\s*\[type=.*$")


class ToolCallMiddleware:
    def __init__(self, metrics: Metrics, tools: Iterable[str]) -> None:
        self.metrics = metrics
        self.tools = frozenset(tools)

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        name = (ctx.params or {}).get("name")
        label = name if isinstance(name, str) and name in self.tools else UNKNOWN_TOOL
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await call_next(ctx)
            if isinstance(result, dict):  # the wire form, as the SDK's runner hands it back
                if result.get("isError"):
                    result = tidy_validation_error(result)
                else:
                    outcome = "ok"
            return result
        finally:
            self.metrics.tool_calls.labels(label, outcome).inc()
            self.metrics.tool_duration.labels(label).observe(time.perf_counter() - started)


def tidy_validation_error(result: dict[str, Any]) -> dict[str, Any]:
    content = result.get("content")
    if not isinstance(content, list) or len(content) != 1 or not isinstance(content[0], dict):
        return result
    text = content[0].get("text")
    if not isinstance(text, str):
        return result
    return {**result, "content": [{**content[0], "text": tidy_validation_message(text)}]}


def tidy_validation_message(text: str) -> str:
    """`Error executing tool T: 2 validation errors for TArguments\nlimit\n  Input should be ...` →
    `T: invalid arguments: limit: Input should be ...; ...`. Other messages are left as they are."""
    lines = text.split("\n")
    head = VALIDATION_HEAD.match(lines[0])
    if head is None:
        return text
    problems: list[str] = []
    field = "arguments"
    for line in lines[1:]:
        if not line.startswith(" "):
            field = line.strip() or field
        elif not line.startswith("    "):
            problems.append(f"{field}: {PYDANTIC_DETAIL.sub('', line.strip())}")
    return f"{head['tool']}: invalid arguments: " + "; ".join(problems)
