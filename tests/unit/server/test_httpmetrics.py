"""HTTP metrics: route templates (never raw paths), statuses, and stream timing."""

from __future__ import annotations

import httpx2
import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from appliance.metrics import Metrics
from appliance.server.httpmetrics import HTTPMetrics

pytestmark = pytest.mark.anyio


async def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


async def boom(request: Request) -> Response:
    raise RuntimeError("boom")


async def events(request: Request) -> Response:
    async def body():  # type: ignore[no-untyped-def]
        yield b"data: 1\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


async def test_requests_are_counted_by_route_template_and_status() -> None:
    metrics = Metrics(CollectorRegistry())
    inner = Starlette(routes=[Route("/healthz", ok), Route("/boom", boom), Route("/mcp", events)])
    app = HTTPMetrics(inner, metrics, routes=("/healthz", "/boom", "/mcp"))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as http:
        for path in ("/healthz", "/healthz/", "/secret/path/1", "/secret/path/2"):
            await http.get(path)
        await http.request("BREW", "/healthz")
        assert (await http.get("/boom")).status_code == 500
        await http.get("/mcp")

    def sample(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    assert sample("appliance_http_requests_total", method="GET", route="/healthz", status="200") == 1
    assert sample("appliance_http_requests_total", method="GET", route="/healthz", status="307") == 1
    assert sample("appliance_http_requests_total", method="GET", route="other", status="404") == 2
    assert sample("appliance_http_requests_total", method="other", route="/healthz", status="405") == 1
    assert sample("appliance_http_requests_total", method="GET", route="/boom", status="500") == 1
    assert sample("appliance_http_request_duration_seconds_count", route="/mcp") == 1
    assert sample("appliance_http_request_duration_seconds_count", route="other") == 2
    routes = {s.labels["route"] for m in metrics.registry.collect() for s in m.samples if "route" in s.labels}
    assert routes == {"/healthz", "/boom", "/mcp", "other"}  # never a raw path
