"""The plugin admin API, for `appliance plugins ... --server URL`: Starlette routes the server mounts.

    GET  /admin/plugins                      {"plugins": [status...], "config": {"path", "error"}}
    GET  /admin/discover                     {"plugins": [candidate...]}: what discovery finds now
    GET  /admin/plugins/{name}               status
    GET  /admin/plugins/{name}/config        the settings: resolved, from the file, from the environment
    POST /admin/plugins/{name}/{action}      load, unload, reload, enable, disable: the new status;
                                             set-config with {"key": K, "value": V}: the settings;
                                             test with {"files": [{"path": P, "content": TEXT}]}

Every route needs a bearer token with the admin scope (the server's auth middleware puts the
caller's scopes in `scope["auth"]`): 401 without credentials, 403 without the scope. Errors come
back as {"error": message} with 400 (a bad request), 404 (no such plugin) or 409 (a config error).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from appliance.errors import ApplianceError, ConfigError, NotFoundError
from appliance.plugins.discovery import describe, discover
from appliance.plugins.manager import PluginManager
from appliance.plugins.testing import run_test

ACTIONS = ("load", "unload", "reload", "enable", "disable", "set-config", "test")
Endpoint = Callable[[Request], Awaitable[Response]]


def routes(manager: PluginManager, scope: str | None = "admin") -> list[Route]:
    """The admin routes over `manager`; `scope=None` leaves them open (a server without auth)."""

    def guarded(work: Callable[[Request, dict[str, Any]], Any]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            denied = _denied(request, scope)
            if denied is not None:
                return denied
            body: dict[str, Any] = {}
            if request.method == "POST" and await request.body():
                try:
                    parsed = await request.json()
                except ValueError:
                    return _error(400, "the body is not JSON")
                if not isinstance(parsed, dict):
                    return _error(400, "the body must be a JSON object")
                body = parsed
            try:
                return JSONResponse(await run_in_threadpool(work, request, body))
            except NotFoundError as e:
                return _error(404, str(e))
            except ConfigError as e:
                return _error(409, str(e))
            except ApplianceError as e:
                return _error(400, str(e))

        return endpoint

    def list_plugins(_request: Request, _body: dict[str, Any]) -> Any:
        return {
            "plugins": [p.to_json() for p in manager.list_plugins()],
            "config": {
                "path": str(manager.config_path) if manager.config_path else None,
                "error": manager.config_error or None,
            },
        }

    def discovered(_request: Request, _body: dict[str, Any]) -> Any:
        return {"plugins": describe(discover(manager.roots, manager.entry_points))}

    def info(request: Request, _body: dict[str, Any]) -> Any:
        return manager.info(request.path_params["name"]).to_json()

    def get_config(request: Request, _body: dict[str, Any]) -> Any:
        return manager.get_config(request.path_params["name"])

    def action(request: Request, body: dict[str, Any]) -> Any:
        name, verb = request.path_params["name"], request.path_params["action"]
        if verb == "set-config":
            if not isinstance(body.get("key"), str) or "value" not in body:
                raise ConfigError('set-config needs a body {"key": KEY, "value": VALUE}')
            return manager.set_config(name, body["key"], body["value"])
        if verb == "test":
            files = body.get("files", [])
            if not isinstance(files, list) or not all(
                isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("content"), str)
                for f in files
            ):
                raise ConfigError('test takes a body {"files": [{"path": P, "content": TEXT}]}')
            return run_test(manager, name, [(f["path"], f["content"].encode()) for f in files])
        operations = {
            "load": manager.load,
            "unload": manager.unload,
            "reload": manager.reload,
            "enable": manager.enable,
            "disable": manager.disable,
        }
        if verb not in operations:
            raise NotFoundError(f"no action {verb!r} (actions: {', '.join(ACTIONS)})")
        return operations[verb](name).to_json()

    return [
        Route("/admin/plugins", guarded(list_plugins), methods=["GET"]),
        Route("/admin/discover", guarded(discovered), methods=["GET"]),
        Route("/admin/plugins/{name}", guarded(info), methods=["GET"]),
        Route("/admin/plugins/{name}/config", guarded(get_config), methods=["GET"]),
        Route("/admin/plugins/{name}/{action}", guarded(action), methods=["POST"]),
    ]


def _denied(request: Request, scope: str | None) -> Response | None:
    if scope is None:
        return None
    scopes = list(getattr(request.scope.get("auth"), "scopes", None) or [])
    user = request.scope.get("user")
    if not scopes and not getattr(user, "is_authenticated", False):
        return _error(401, "authentication required: a bearer token with the admin scope")
    if scope not in scopes:
        return _error(403, f"this token lacks the {scope} scope")
    return None


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
