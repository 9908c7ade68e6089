"""HTTP request metrics as plain ASGI middleware: count by method, route and status; time each request.

The route label is one of the app's fixed routes, or `other` for any path the app does not serve:
a raw path would make one series per URL anyone cares to request. A request is timed to the end
of its response, except a GET answered with an event stream (the MCP session's listening
stream, open for as long as the client stays): that one is timed to its response headers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appliance.metrics import Metrics

OTHER = "other"


class HTTPMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = frozenset(routes)

    def route(self, path: str) -> str:
        if path in self.routes:
            return path
        trimmed = path.rstrip("/")
        return trimmed if trimmed in self.routes else OTHER

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in _METHODS else OTHER
        route = self.route(scope["path"])
        status = 500  # unless the app answers
        timed = False

        async def observe(message: Message) -> None:
            nonlocal status, timed
            if message["type"] == "http.response.start":
                status = message["status"]
                if method == "GET" and _is_event_stream(message):
                    timed = True
                    self.metrics.http_duration.labels(route).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            if not timed:
                self.metrics.http_duration.labels(route).observe(time.perf_counter() - started)
            self.metrics.http_requests.labels(method, route, str(status)).inc()


_METHODS = frozenset({"GET", "POST", "DELETE", "HEAD", "OPTIONS", "PUT", "PATCH"})


def _is_event_stream(message: Message) -> bool:
    return any(
        k == b"content-type" and v.startswith(b"text/event-stream") for k, v in message.get("headers", ())
    )
