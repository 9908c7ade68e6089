"""/healthz answers while the process lives; /readyz only once the index can be read, else 503 and why."""

from __future__ import annotations

import pytest

from appliance.server.app import build_app, build_service

pytestmark = pytest.mark.anyio


async def test_ready_with_an_index(served, http_client) -> None:
    async with http_client(served.app()) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_not_ready_without_an_index_and_tools_say_why(tmp_path, served, http_client, connect) -> None:
    config = served.config(data_dir=str(tmp_path / "empty"))

    def app():  # type: ignore[no-untyped-def]  # an app runs its lifespan once: one per client
        return build_app(config, build_service(config, served.metrics), served.metrics)

    async with http_client(app()) as http:
        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not ready" and "no index in" in ready.json()["reason"]
    async with connect(app()) as client:
        result = await client.call_tool("search_code", {"pattern": "x"})
        assert result.is_error and "appliance index PATH" in result.content[0].text  # type: ignore[union-attr]
        status = await client.call_tool("index_status", {})
        assert not status.is_error and status.structured_content["ready"] is False  # type: ignore[index]
