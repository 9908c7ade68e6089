"""`/healthz` (the process answers) and `/readyz` (it can serve queries: index open, plugins loaded).

Neither needs a token: a supervisor, a load balancer or a container runtime asks them, and they
tell nothing about the code. `/readyz` answers 503 with the reason while the server cannot serve.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from appliance.server.service import IndexService

Endpoint = Callable[[Request], Awaitable[Response]]


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readyz(service: IndexService) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        reason = await anyio.to_thread.run_sync(service.not_ready_reason)  # opening the index touches disk
        if reason is not None:
            return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready", "plugins": len(service.registry.plugins)})

    return endpoint
