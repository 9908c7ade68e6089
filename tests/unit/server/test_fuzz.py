"""Fuzzing every tool's arguments through the protocol: whatever arrives, the answer is a result (an
`isError` one with a short message, or a valid one), never a protocol failure, and the session
goes on. One app and one session serve all examples of all tools, from an event loop in a background
thread (the conftest closes every store after each test, so all of it is one test).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.from_thread
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from appliance.index.store import Store
from appliance.metrics import Metrics
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.server.app import build_app, build_service
from appliance.server.config import ServerConfig

TOOLS = {
    "search_code": [
        "pattern",
        "regex",
        "ignore_case",
        "repo",
        "glob",
        "language",
        "limit",
        "offset",
        "context",
        "count_only",
    ],
    "find_symbol": ["name", "kind", "language", "repo", "prefix", "fuzzy", "limit", "offset", "count_only"],
    "find_references": [
        "name",
        "kind",
        "language",
        "repo",
        "prefix",
        "fuzzy",
        "limit",
        "offset",
        "count_only",
    ],
    "file_outline": ["repo", "path"],
    "read_file": ["repo", "path", "start_line", "end_line"],
    "list_repos": [],
    "index_status": [],
    "list_plugins": [],
    "reindex": ["repo"],
}
PLAUSIBLE = {
    "pattern": st.sampled_from(["user", "def ", r"\w+_user", "(a+)+$", "[", "", "HELLO", "\\", ".*"]),
    "name": st.sampled_from(["get_user", "UserStore", "getUser", "x", "", "get_"]),
    "repo": st.sampled_from(["repo", "nope", "", "../repo", "repo/src"]),
    "path": st.sampled_from(
        ["src/users.py", "docs/README.txt", "../etc/passwd", "/etc/passwd", "src", "", "src/./users.py"]
    ),
    "glob": st.sampled_from(["*.py", "!*.py", "src/**", "[", "**/**/**", ""]),
}
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


def value_for(key: str) -> st.SearchStrategy[Any]:
    plausible = PLAUSIBLE.get(key)
    return (plausible | JSON | st.text()) if plausible is not None else JSON


@st.composite
def arguments(draw: st.DrawFn, tool: str) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(TOOLS[tool] or ["extra"]), unique=True))
    args = {key: draw(value_for(key)) for key in keys}
    if draw(st.booleans()):
        args[draw(st.text(min_size=1, max_size=12))] = draw(JSON)
    return args


@pytest.fixture(scope="module")
def session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[anyio.from_thread.BlockingPortal, Client]]:
    """An app over a small repository (indexed by the app itself) and one session to it."""
    base = tmp_path_factory.mktemp("fuzz")
    plugins = base / "plugins"
    plugins.mkdir()
    (plugins / "python").symlink_to(bundled_plugins_dir() / "python")
    root = base / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "users.py").write_text("class UserStore:\n    def get_user(self, i):\n        return i\n")
    (root / "docs").mkdir()
    (root / "docs" / "README.txt").write_text("Hello\n")
    config = ServerConfig(
        data_dir=str(base / "data"), repos=(("repo", str(root)),), plugin_roots=(str(plugins),)
    )
    metrics = Metrics(CollectorRegistry())
    service = build_service(config, metrics)
    app = build_app(config, service, metrics)
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(connect(app)) as client,
    ):
        assert service.background is not None and service.background.wait_idle(1, 30)
        yield portal, client
    Store.close_all()


@asynccontextmanager
async def connect(app: Starlette) -> AsyncIterator[Client]:
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            url = "http://127.0.0.1:8080/mcp"
            async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
                yield client


CALLS = st.sampled_from(sorted(TOOLS)).flatmap(lambda tool: arguments(tool).map(lambda args: (tool, args)))


def test_any_arguments_get_a_result(session: tuple[anyio.from_thread.BlockingPortal, Client]) -> None:
    portal, client = session
    seen: set[str] = set()

    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(CALLS)
    def check(call: tuple[str, dict[str, Any]]) -> None:
        tool, args = call
        seen.add(tool)
        result = portal.call(client.call_tool, tool, args)
        if result.is_error:
            text = result.content[0].text  # type: ignore[union-attr]
            assert text and len(text) < 2000, text
            assert text != f"Error executing tool {tool}", (
                f"{tool} crashed on {args!r}"
            )  # the SDK's crash text
        else:
            assert result.structured_content is not None
            json.dumps(result.structured_content)

    check()
    assert seen == set(TOOLS)
    assert not portal.call(client.call_tool, "list_repos", {}).is_error
