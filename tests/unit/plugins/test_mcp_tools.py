"""Tool plugins on an MCP server: tools registered and withdrawn as plugins change, clients told.

Through the real protocol: the SDK's client over Streamable HTTP against the app in process, in the
handshake era (notifications on the session's stream) and the 2026-07-28 era (subscriptions/listen).
"""

from __future__ import annotations

import functools
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus, ToolsListChanged

from appliance.plugins.manager import PluginManager
from appliance.plugins.mcp_tools import PluginTools

if TYPE_CHECKING:
    from conftest import Plugins

pytestmark = pytest.mark.anyio
MakeManager = Callable[..., PluginManager]
DEADLINE = 20.0
COUNTER = """\
from appliance.plugins.hookspecs import hookimpl
from appliance.plugins.tools import ToolDefinition

@hookimpl
def provide_tools():
    def count(n: int) -> int:
        \"\"\"n plus one.\"\"\"
        return n + 1
    tools = [ToolDefinition("count", "n plus one.", count)]
    {more}
    return tools
"""
MORE = """\
def shout(text: str) -> str:
        return text.upper()
    tools.append(ToolDefinition("shout", "The text, upper-cased.", shout, read_only=False))"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def build(manager: PluginManager) -> tuple[Any, PluginTools]:
    bus = InMemorySubscriptionBus()
    mcp: MCPServer[Any] = MCPServer("test", subscriptions=bus)

    @mcp.tool()
    def own() -> str:
        """The server's own tool."""
        return "own"

    names: list[frozenset[str]] = []
    bridge = PluginTools(mcp, manager, bus, own_tools=["own", "count_own"], on_names=names.append)
    app = mcp.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    return app, bridge


@asynccontextmanager
async def connect(app: Any, **options: Any) -> AsyncIterator[Client]:
    """A client of `app` served by Hypercorn on a loopback port: a real socket, so the session's
    standalone stream (a long GET) works, which an in-process ASGI transport does not stream."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(functools.partial(serve, app, config, shutdown_trigger=stop.wait))
        with anyio.fail_after(DEADLINE):
            while True:
                try:
                    await (await anyio.connect_tcp("127.0.0.1", port)).aclose()
                    break
                except OSError:
                    await anyio.sleep(0.01)
        try:
            async with Client(f"http://127.0.0.1:{port}/mcp", **options) as client:
                yield client
        finally:
            stop.set()


async def tool_names(client: Client) -> list[str]:
    return sorted(t.name for t in (await client.list_tools()).tools)


async def test_tools_follow_the_plugins_and_handshake_clients_hear_of_it(
    plugins: Plugins, make_manager: MakeManager
) -> None:
    folder = plugins.tool("counter", COUNTER.format(more=""))
    manager = make_manager()
    manager.refresh()
    app, bridge = build(manager)
    heard = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(getattr(message, "root", message), "method", "") == "notifications/tools/list_changed":
            heard.set()

    async with connect(app, mode="legacy", message_handler=on_message) as client:
        capabilities = client.server_capabilities.tools
        assert capabilities is not None and capabilities.list_changed
        assert await tool_names(client) == ["count", "own"]
        result = await client.call_tool("count", {"n": 41})
        assert not result.is_error and result.structured_content == {"result": 42}

        (folder / "plugin.py").write_text(COUNTER.format(more=MORE))
        await anyio.to_thread.run_sync(manager.refresh)
        with anyio.fail_after(DEADLINE):
            await heard.wait()
        assert await tool_names(client) == ["count", "own", "shout"]
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert listed["shout"].annotations is not None and listed["shout"].annotations.read_only_hint is False

        heard = anyio.Event()
        shutil.rmtree(folder)
        await anyio.to_thread.run_sync(manager.refresh)
        with anyio.fail_after(DEADLINE):
            await heard.wait()
        assert await tool_names(client) == ["own"]
        gone = await client.call_tool("count", {"n": 1})
        assert gone.is_error
    assert bridge.names() == {"own", "count_own"}


async def test_listeners_of_the_2026_revision_hear_of_it(plugins: Plugins, make_manager: MakeManager) -> None:
    manager = make_manager()
    manager.refresh()
    app, _ = build(manager)
    async with connect(app, mode="2026-07-28") as client:
        assert await tool_names(client) == ["own"]
        async with client.listen(tools_list_changed=True) as subscription:
            await client.list_tools()  # the loop is known once a request has been served
            plugins.tool("counter", COUNTER.format(more=""))
            await anyio.to_thread.run_sync(manager.refresh)
            with anyio.fail_after(DEADLINE):
                event = await subscription.__anext__()
            assert isinstance(event, ToolsListChanged)
        assert await tool_names(client) == ["count", "own"]


async def test_a_plugin_may_not_replace_the_servers_own_tools(
    plugins: Plugins, make_manager: MakeManager
) -> None:
    plugins.tool("impostor", COUNTER.format(more="").replace('"count"', '"own"'))
    manager = make_manager()
    manager.refresh()
    app, _ = build(manager)
    async with connect(app, mode="legacy") as client:
        result = await client.call_tool("own", {})
        assert result.structured_content == {"result": "own"}
    assert manager.info("impostor").conflicts == ["tool own is one of the server's own"]


def test_names_follow_the_tools(plugins: Plugins, make_manager: MakeManager, tmp_path: Path) -> None:
    plugins.tool("counter", COUNTER.format(more=""))
    manager = make_manager()
    manager.refresh()
    _, bridge = build(manager)
    assert bridge.names() == {"own", "count_own", "count"}
