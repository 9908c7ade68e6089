"""`appliance serve --stdio`: the same tools over stdin/stdout, through the SDK's stdio client."""

from __future__ import annotations

import sys

import anyio
import pytest
from mcp import Client, StdioServerParameters

pytestmark = [pytest.mark.slow, pytest.mark.anyio]


async def test_tools_over_stdio(indexed) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "appliance", "serve", "--stdio"], env=indexed.environ
    )
    async with Client(params, mode="legacy") as client:
        assert {t.name for t in (await client.list_tools()).tools} >= {
            "search_code",
            "find_symbol",
            "reindex",
        }
        found = await client.call_tool("find_symbol", {"name": "UserStore"})
        assert found.structured_content["symbols"][0]["path"] == "src/users.py"  # type: ignore[index]
        bad = await client.call_tool("read_file", {"repo": "fixture", "path": "/etc/passwd"})
        assert bad.is_error
        text = (await client.read_resource("repo://fixture/README.txt")).contents[0].text  # type: ignore[union-attr]
        assert text.startswith("Hello World")


async def test_stdio_indexes_paths_too(env) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "appliance", "serve", "--stdio", str(env.repo)], env=env.environ
    )
    async with Client(params, mode="legacy") as client:
        for _ in range(400):  # polls the server for up to ~20 s: indexing runs in the background
            status = (await client.call_tool("index_status", {})).structured_content
            if status and status["repos"] and status["repos"][0]["state"] == "watching":  # type: ignore[index]
                break
            await anyio.sleep(0.05)
        found = await client.call_tool("search_code", {"pattern": "hello again"})
        assert found.structured_content["total"] == 1  # type: ignore[index]
