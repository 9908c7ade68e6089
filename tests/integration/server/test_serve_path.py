"""The README's run command, `appliance serve .`: the current folder is indexed into the default
data dir in the background while the server already answers, then followed as files change."""

from __future__ import annotations

import time

import anyio
import httpx2
import pytest
from mcp import Client

pytestmark = [pytest.mark.slow, pytest.mark.anyio]
DEADLINE = 30.0


async def test_serve_dot(env, eventually) -> None:
    env.environ["XDG_DATA_HOME"] = str(env.tmp / "xdg")
    del env.environ["APPLIANCE_DATA"]  # the default data dir, as on a laptop
    with env.serve(".", cwd=env.repo) as server:  # from inside the repository
        async with Client(server.url, mode="legacy") as client:
            deadline = time.monotonic() + DEADLINE
            while True:
                status = (await client.call_tool("index_status", {})).structured_content
                assert status is not None and status["mode"] == "indexing"
                if status["repos"] and status["repos"][0]["state"] == "watching":
                    break
                assert time.monotonic() < deadline, status
                await anyio.sleep(0.05)
            assert status["data_dir"] == str(env.tmp / "xdg" / "appliance")
            (repo,) = status["repos"]
            assert repo["name"] == "fixture" and repo["files"] == 3
            (env.repo / "src" / "late.py").write_text("def arrived_late():\n    pass\n")
            while not (await client.call_tool("find_symbol", {"name": "arrived_late"})).structured_content[
                "total"
            ]:  # type: ignore[index]
                assert time.monotonic() < deadline + DEADLINE, "the new file never became searchable"
                await anyio.sleep(0.05)
        assert httpx2.get(f"{server.base}/readyz").status_code == 200
