"""The admin API: every plugin action over HTTP, behind the admin scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.testclient import TestClient

from appliance.plugins.admin_api import routes
from appliance.plugins.manager import PluginManager

if TYPE_CHECKING:
    from conftest import Plugins

MakeManager = Callable[..., PluginManager]
TOKENS = {"admin-token": ["read", "admin"], "read-token": ["read"]}


class Bearer(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        token = conn.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in TOKENS:
            return None
        return AuthCredentials(TOKENS[token]), SimpleUser(token)


@pytest.fixture
def client(plugins: Plugins, make_manager: MakeManager, tmp_path: Path) -> Iterator[TestClient]:
    plugins.language("snake")
    plugins.tool(
        "counter",
        """\
        from appliance.plugins.hookspecs import hookimpl
        from appliance.plugins.tools import ToolDefinition

        @hookimpl
        def provide_tools(config):
            def count(n: int) -> int:
                return n + config["step"]
            return [ToolDefinition("count", "Count on.", count)]
        """,
        manifest="config_schema:\n  step: {type: integer, default: 1}\n",
    )
    manager = make_manager(config_path=tmp_path / "plugins.yaml")
    manager.refresh()
    app = Starlette(
        routes=routes(manager), middleware=[Middleware(AuthenticationMiddleware, backend=Bearer())]
    )
    with TestClient(app, headers={"Authorization": "Bearer admin-token"}) as test_client:
        yield test_client


def test_listing_and_info(client: TestClient) -> None:
    listing = client.get("/admin/plugins").json()
    assert [(p["name"], p["state"]) for p in listing["plugins"]] == [
        ("counter", "active"),
        ("snake", "active"),
    ]
    assert listing["config"]["error"] is None
    assert client.get("/admin/plugins/counter").json()["tools"] == ["count"]
    assert [p["name"] for p in client.get("/admin/discover").json()["plugins"]] == ["counter", "snake"]


def test_actions(client: TestClient) -> None:
    assert client.post("/admin/plugins/snake/unload").json()["state"] == "discovered"
    assert client.post("/admin/plugins/snake/load").json()["state"] == "active"
    assert client.post("/admin/plugins/snake/reload").json()["state"] == "active"
    assert client.post("/admin/plugins/snake/disable").json()["state"] == "disabled"
    assert client.post("/admin/plugins/snake/enable").json()["state"] == "active"
    settings = client.post("/admin/plugins/counter/set-config", json={"key": "step", "value": 3}).json()
    assert settings["settings"] == {"step": 3}
    assert client.get("/admin/plugins/counter/config").json()["in_file"] == {"step": 3}


def test_test_parses_the_files_sent(client: TestClient) -> None:
    body = {"files": [{"path": "a.snake", "content": "def f():\n#   ^ definition.function\n    g()\n"}]}
    report = client.post("/admin/plugins/snake/test", json=body).json()
    assert report["ok"]
    assert [s["name"] for s in report["files"][0]["symbols"]] == ["f", "g"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("get", "/admin/plugins/cobra", None, 404, "no plugin named 'cobra'"),
        ("post", "/admin/plugins/snake/explode", {}, 404, "no action 'explode'"),
        ("post", "/admin/plugins/counter/set-config", {"key": "step", "value": "x"}, 409, "expected integer"),
        ("post", "/admin/plugins/counter/set-config", {"key": "colour", "value": 1}, 400, "has no setting"),
        ("post", "/admin/plugins/counter/set-config", {"value": 1}, 409, "needs a body"),
    ],
)
def test_errors_are_json_with_a_status(
    client: TestClient, method: str, path: str, body: dict[str, object] | None, status: int, message: str
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_the_admin_scope_is_required(client: TestClient) -> None:
    assert client.get("/admin/plugins", headers={"Authorization": "Bearer read-token"}).status_code == 403
    assert client.get("/admin/plugins", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/admin/plugins/snake/unload", headers={"Authorization": ""}).status_code == 401
