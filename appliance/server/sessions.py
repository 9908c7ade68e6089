"""The `appliance_mcp_sessions_open` gauge, kept by a protocol-level middleware (HTTP and stdio alike)."""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from appliance.metrics import Metrics


class SessionGauge:
    """Counts MCP sessions open: one more when an `initialize` succeeds, one less when its connection ends."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "initialize":
            return await call_next(ctx)
        result = await call_next(ctx)
        # The connection and its teardown stack are not public on the request context in mcp 2.3;
        # the gauge stays untouched (and a test fails) if that changes.
        connection = getattr(ctx.session, "_connection", None)
        exit_stack = getattr(connection, "exit_stack", None)
        if exit_stack is not None:
            self.metrics.sessions_open.inc()
            exit_stack.callback(self.metrics.sessions_open.dec)
        return result
