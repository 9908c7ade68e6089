"""The server, composed: the MCP server with its tools and resources, and the Starlette app around it.

    Starlette
    ├─ HTTPMetrics      every request counted and timed (outermost, so refusals count too)
    ├─ BearerAuth       /mcp only, when tokens are configured
    ├─ /healthz /readyz /metrics
    └─ the SDK's Streamable HTTP app, serving /mcp (Host/Origin checked by the SDK's transport security)

`build_service` decides what the process does with the index: read it, or (given repositories)
also write it from a background thread.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp_types import EmptyResult, SetLevelRequestParams
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route

from appliance import __version__
from appliance.index.indexer import Indexer, IndexOptions
from appliance.index.store import Store
from appliance.metrics import Metrics
from appliance.plugins.admin_api import routes as plugin_admin_routes
from appliance.plugins.mcp_tools import PluginTools
from appliance.plugins.runtime import PluginRuntime
from appliance.server.auth import BearerAuth, Token
from appliance.server.background import BackgroundIndexer
from appliance.server.config import ServerConfig, transport_security
from appliance.server.conformance import register_conformance_fixtures
from appliance.server.events import MemoryEventStore
from appliance.server.exposition import MetricsApp, worker_exiting
from appliance.server.health import healthz, readyz
from appliance.server.httpmetrics import HTTPMetrics
from appliance.server.notify import notify
from appliance.server.resources import register_resources
from appliance.server.service import IndexService
from appliance.server.sessions import SessionGauge
from appliance.server.toolcalls import ToolCallMiddleware
from appliance.server.tools import register_tools

log = logging.getLogger(__name__)

MCP_PATH = "/mcp"
ADMIN_PATH = "/admin"
ROUTES = (MCP_PATH, "/healthz", "/readyz", "/metrics")
RETRY_MS = 1000  # how soon a client reconnects to a stream the server closed (SSE `retry`)
INSTRUCTIONS = (
    "Code Index Appliance: exact code search and symbol navigation over indexed repositories. "
    "list_repos names the repositories; search_code finds lines (literal or RE2 regex); find_symbol "
    "and find_references locate definitions and uses; file_outline and read_file show a file. "
    "Results are paged: pass next_offset as offset. count_only answers with totals only."
)


def build_service(
    config: ServerConfig, metrics: Metrics, index_options: IndexOptions | None = None
) -> IndexService:
    data_dir = Path(config.data_dir)
    plugins = PluginRuntime.start_loaded(
        [Path(d) for d in config.plugin_dirs],
        metrics=metrics,
        data_dir=data_dir,
        config_path=Path(config.plugins_config) if config.plugins_config else None,
        bundled=[Path(r) for r in config.plugin_roots] or None,
        poll=config.poll,
    )
    registry = plugins.manager.registry
    if not config.repos:
        return IndexService(data_dir, metrics, registry, {}, plugins=plugins)
    store = Store.open(data_dir, writable=True)
    options = index_options or IndexOptions()
    indexer = Indexer(store, registry, options, metrics=metrics)
    background = BackgroundIndexer(indexer, dict(config.repos), metrics, poll=config.poll)
    plugins.follow_indexer(indexer, rescan=lambda: background.request(None))
    return IndexService(data_dir, metrics, registry, {}, background=background, store=store, plugins=plugins)


def build_mcp(
    config: ServerConfig, service: IndexService, metrics: Metrics, auth_enabled: bool
) -> MCPServer[Any]:
    bus = InMemorySubscriptionBus()  # tools/list_changed for subscriptions/listen streams
    mcp: MCPServer[Any] = MCPServer(
        "appliance",
        title="Code Index Appliance",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
        subscriptions=bus,
    )
    register_tools(mcp, service, auth_enabled)
    register_resources(mcp, service)
    if config.conformance_fixtures:
        register_conformance_fixtures(mcp)
    calls = ToolCallMiddleware(metrics, _tool_names(mcp))
    mcp.middleware.extend([SessionGauge(metrics), calls])
    plugins = service.plugin_runtime
    if plugins is not None:  # tool plugins' tools come and go; clients hear of it
        PluginTools(mcp, plugins.manager, bus, _tool_names(mcp), lambda names: setattr(calls, "tools", names))
    _accept_log_level(mcp)
    return mcp


def build_app(
    config: ServerConfig, service: IndexService, metrics: Metrics, tokens: list[Token] | None = None
) -> Starlette:
    mcp = build_mcp(config, service, metrics, auth_enabled=bool(tokens))
    # Several workers share one socket and the kernel spreads connections over them, so a session
    # would reach a worker that never heard of it: there, every request stands alone (stateless).
    # Without a session a stream cannot be resumed either, so answers come as plain JSON, which
    # costs less than an event stream.
    stateless = config.workers > 1
    streamable = mcp.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=stateless,
        json_response=stateless,
        event_store=None if stateless else MemoryEventStore(),
        retry_interval=RETRY_MS,
        transport_security=transport_security(config),
        host=config.host,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if service.background is not None:
            service.background.start()
        if service.plugin_runtime is not None:
            service.plugin_runtime.start()
        try:
            async with mcp.session_manager.run():
                notify("READY=1")
                yield
                notify("STOPPING=1")
        finally:
            if service.background is not None:
                await anyio.to_thread.run_sync(service.background.stop)
            if service.plugin_runtime is not None:
                await anyio.to_thread.run_sync(service.plugin_runtime.stop)
            worker_exiting()

    middleware = [Middleware(HTTPMetrics, metrics=metrics, routes=ROUTES)]
    if tokens:
        middleware.append(Middleware(BearerAuth, tokens=tokens, protected=(MCP_PATH, ADMIN_PATH)))
    plugins = service.plugin_runtime  # /admin/plugins...: the admin scope when tokens are configured
    admin = plugin_admin_routes(plugins.manager, "admin" if tokens else None) if plugins is not None else []
    routes = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz(service), methods=["GET", "HEAD"]),
        Route("/metrics", MetricsApp(metrics), methods=["GET", "HEAD"]),
        *admin,
        Mount("", app=streamable),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def _tool_names(mcp: MCPServer[Any]) -> list[str]:
    return [tool.name for tool in mcp._tool_manager.list_tools()]  # no public synchronous listing in mcp 2.3


def _accept_log_level(mcp: MCPServer[Any]) -> None:
    """Answer logging/setLevel (the conformance suite asks; clients such as the Inspector send it).

    The server sends no log notifications, so there is nothing to filter: the request is accepted.
    MCPServer has no public hook for it in mcp 2.3, hence the low-level server."""

    async def set_level(ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams) -> EmptyResult:
        return EmptyResult()

    mcp._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, set_level)
