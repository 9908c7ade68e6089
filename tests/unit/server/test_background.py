"""`serve PATH`: the server answers while the repository is indexed in the background, then follows
changes on disk; `reindex` queues a rescan and index_status reports it."""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.to_thread
import pytest
from mcp import Client

from appliance.server.app import build_app, build_service

pytestmark = pytest.mark.anyio
DEADLINE = 20.0


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def eventually(client: Client, tool: str, predicate: Any, **arguments: Any) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE
    while True:
        answer = await call(client, tool, **arguments)
        if predicate(answer):
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"{tool} never satisfied the condition; last answer: {answer}")
        await anyio.sleep(0.05)


async def test_indexes_in_the_background_then_follows_changes(tmp_path, served, connect) -> None:
    live = tmp_path / "live"
    live.mkdir()
    (live / "first.py").write_text("def first_function():\n    return 1\n")
    config = served.config(repos=(("live", str(live)),), data_dir=str(tmp_path / "fresh"))
    service = build_service(config, served.metrics)
    assert service.background is not None
    async with connect(build_app(config, service, served.metrics)) as client:
        status = await call(client, "index_status")
        assert status["mode"] == "indexing" and [r["name"] for r in status["repos"]] == ["live"]
        assert await anyio.to_thread.run_sync(service.background.wait_idle, 1, DEADLINE)
        found = await call(client, "find_symbol", name="first_function")
        assert [s["path"] for s in found["symbols"]] == ["first.py"]
        status = await eventually(client, "index_status", lambda s: s["repos"][0]["state"] == "watching")
        assert status["repos"][0]["files"] == 1 and status["repos"][0]["lag_seconds"] is not None

        (live / "second.py").write_text("def second_function():\n    return 2\n")
        await eventually(client, "find_symbol", lambda r: r["total"] == 1, name="second_function")

        queued = await call(client, "reindex", repo="live")
        assert queued["queued"] == ["live"]
        assert await anyio.to_thread.run_sync(service.background.wait_idle, 2, DEADLINE)
        unknown = await client.call_tool("reindex", {"repo": "elsewhere"})
        assert unknown.is_error and "no repository named 'elsewhere'" in unknown.content[0].text  # type: ignore[union-attr]
