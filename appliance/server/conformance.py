"""Fixtures that the MCP conformance suite names by hand, served only with `--conformance-fixtures`.

Two server scenarios cannot pass against a server's own tools: `server-sse-polling` calls a tool
named `test_reconnection` (which must close its SSE stream mid-call so the client resumes with
Last-Event-ID), and `resources-templates-read` reads `test://template/123/data`. These fixtures
exercise the server's real transport, event store and resource-template machinery under those
names; they never appear unless asked for (tests/conformance/run.sh asks).
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer

RECONNECT_DELAY = (
    0.2  # seconds between closing the stream and answering: the answer arrives on the resumed stream
)


def register_conformance_fixtures(mcp: MCPServer[Any]) -> None:
    @mcp.tool(description="Conformance fixture: closes its SSE stream, then answers on the resumed stream.")
    async def test_reconnection(ctx: Context) -> str:
        await ctx.close_sse_stream()
        await anyio.sleep(RECONNECT_DELAY)
        return "answered after the stream was closed and resumed"

    @mcp.resource(
        "test://template/{id}/data",
        name="conformance-template",
        mime_type="application/json",
        description="Conformance fixture: echoes the template parameter.",
    )
    def template_data(id: str) -> str:
        return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})
