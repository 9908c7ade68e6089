"""Tool plugins on the MCP server: their tools registered and withdrawn as plugins come and go, and
connected clients told with `notifications/tools/list_changed`.

Clients of the handshake protocol revisions hear it on their session's standalone stream (the
server advertises `tools.listChanged` for that); clients of the 2026-07-28 revision hear it on
their `subscriptions/listen` streams, through the server's subscription bus. The manager calls
back from its own thread; the notification is sent on the server's event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.subscriptions import SubscriptionBus, ToolsListChanged
from mcp_types import ToolAnnotations

from appliance.plugins.manager import PluginManager
from appliance.plugins.status import Change
from appliance.plugins.tools import ToolDefinition

log = logging.getLogger(__name__)


class PluginTools:
    def __init__(
        self,
        mcp: MCPServer[Any],
        manager: PluginManager,
        bus: SubscriptionBus,
        own_tools: Iterable[str],
        on_names: Callable[[frozenset[str]], None] | None = None,
    ) -> None:
        self.mcp = mcp
        self.manager = manager
        self.bus = bus
        self.own = frozenset(own_tools)
        self.on_names = on_names
        self.registered: dict[str, ToolDefinition] = {}
        self.sessions: dict[int, Any] = {}  # handshake-era sessions, by id, while their connection lives
        self.loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        _advertise_tools_changed(mcp)
        mcp.middleware.append(self.track_sessions)
        manager.reserve_tools(self.own)  # a plugin may not replace the server's own tools
        self._apply(list(manager.tools().values()), ())
        manager.subscribe(self.on_change)

    def names(self) -> frozenset[str]:
        with self._lock:
            return self.own | frozenset(self.registered)

    def on_change(self, change: Change) -> None:
        if not change.tools_added and not change.tools_removed:
            return
        self._apply(change.tools_added, change.tools_removed)
        loop = self.loop
        if loop is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.notify(), loop)

    async def notify(self) -> None:
        """Tell every connected client that the tool list changed."""
        await self.bus.publish(ToolsListChanged())
        for key, session in list(self.sessions.items()):
            try:
                await session.send_tool_list_changed()
            except Exception:  # a session gone meanwhile
                log.debug("tools/list_changed not delivered; dropping the session", exc_info=True)
                self.sessions.pop(key, None)

    async def track_sessions(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Protocol middleware: learns the event loop, and the sessions to notify."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        result = await call_next(ctx)
        if ctx.method == "initialize":
            session = ctx.session
            key = id(session)
            self.sessions[key] = session
            # As for the sessions gauge: the connection's teardown stack is not public in mcp 2.3.
            exit_stack = getattr(getattr(session, "_connection", None), "exit_stack", None)
            if exit_stack is not None:
                exit_stack.callback(functools.partial(self.sessions.pop, key, None))
        return result

    def _apply(self, added: Iterable[ToolDefinition], removed: Iterable[str]) -> None:
        added = [tool for tool in added if tool.name not in self.own]
        replaced = {tool.name for tool in added}
        with self._lock:
            for name in removed:
                if name not in replaced and self.registered.pop(name, None) is not None:
                    self.mcp.remove_tool(name)
            for tool in added:
                _put_tool(self.mcp, tool)
                self.registered[tool.name] = tool
            names = self.own | frozenset(self.registered)
        log.info("plugin tools: %s", ", ".join(sorted(self.registered)) or "none")
        if self.on_names is not None:
            self.on_names(names)


def _put_tool(mcp: MCPServer[Any], tool: ToolDefinition) -> None:
    """Add `tool`, or replace the tool of its name in one step: a call arriving during a reload finds
    the old version or the new one, never no tool. (ToolManager.add_tool keeps an existing tool, and
    mcp 2.3 has no replace: the new Tool goes into its table directly.)"""
    made = Tool.from_function(
        tool.function,
        name=tool.name,
        title=tool.title or tool.name,
        description=tool.description,
        annotations=ToolAnnotations(
            read_only_hint=tool.read_only,
            destructive_hint=False if tool.read_only else None,
            open_world_hint=False,
        ),
    )
    mcp._tool_manager._tools[made.name] = made


def _advertise_tools_changed(mcp: MCPServer[Any]) -> None:
    """Declare `tools.listChanged` to handshake-era clients. MCPServer builds its initialize result
    with default notification options, and offers no setting for them in mcp 2.3."""
    lowlevel = mcp._lowlevel_server
    original = lowlevel.create_initialization_options

    def create_initialization_options(
        notification_options: NotificationOptions | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        options = notification_options or NotificationOptions()
        options.tools_changed = True
        return original(options, *args, **kwargs)

    setattr(lowlevel, "create_initialization_options", create_initialization_options)  # noqa: B010
