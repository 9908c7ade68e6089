"""`appliance plugins ...`: offline on the folders and the config file, and through a server's admin API."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection

from appliance.cli import main
from appliance.plugins.admin_api import routes
from appliance.plugins.manager import PluginManager

if TYPE_CHECKING:
    from conftest import Plugins

MakeManager = Callable[..., PluginManager]
DEADLINE = 30.0
COUNTER = """\
from appliance.plugins.hookspecs import hookimpl
from appliance.plugins.tools import ToolDefinition

@hookimpl
def provide_tools(config):
    def count(n: int) -> int:
        return n + config["step"]
    return [ToolDefinition("count", "Count on.", count)]
"""


@pytest.fixture
def cli(
    plugins: Plugins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    monkeypatch.setenv("APPLIANCE_BUNDLED_PLUGINS", str(empty))
    for name in ("APPLIANCE_SERVER", "APPLIANCE_TOKEN", "APPLIANCE_PLUGINS_DIR"):
        monkeypatch.delenv(name, raising=False)
    plugins.language("snake")
    plugins.tool(
        "counter", COUNTER, manifest="config_schema:\n  step: {type: integer, default: 1, maximum: 9}\n"
    )

    def run(*args: str, offline: bool = True) -> tuple[int, str, str]:
        where = ["--plugins-dir", str(plugins.root), "--data", str(tmp_path / "data")] if offline else []
        code = main(["plugins", *args, *where])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_discover_list_info(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("discover", "--json")
    assert code == 0
    assert [p["name"] for p in json.loads(out)["plugins"]] == ["counter", "snake"]
    code, out, _ = cli("list", "--json")
    assert [(p["name"], p["state"]) for p in json.loads(out)["plugins"]] == [
        ("counter", "active"),
        ("snake", "active"),
    ]
    code, out, _ = cli("list")
    assert "counter              active     mounted  1          tool     count" in out
    code, out, _ = cli("info", "snake")
    assert "state:         active" in out
    code, _, err = cli("info", "cobra")
    assert code == 1 and "no plugin named 'cobra'" in err


def test_test_prints_the_symbols_and_the_golden_verdict(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, out, _ = cli("test", "snake")
    assert code == 0
    assert "golden: 2 assertions, all hold" in out
    assert "definition.function      greet" in out
    bad = tmp_path / "bad.snake"
    bad.write_text("def f():\n#   ^ definition.class\n    pass\n")
    code, out, _ = cli("test", "snake", str(bad))
    assert code == 1
    assert "missing: 1:5 definition.class" in out
    code, out, _ = cli("test", "counter", "--json")
    assert json.loads(out)["tools"][0]["signature"] == "(n: int) -> int"


def test_enable_disable_and_settings_edit_the_config_file(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cli("disable", "snake")
    assert code == 0 and "disabled" in out
    assert "enabled: false" in (tmp_path / "data" / "plugins.yaml").read_text()
    code, out, _ = cli("list", "--json")
    assert {p["name"]: p["state"] for p in json.loads(out)["plugins"]}["snake"] == "disabled"
    cli("enable", "snake")
    code, out, _ = cli("set-config", "counter", "step", "4")
    assert code == 0 and "step = 4  (integer, file)" in out
    code, _, err = cli("set-config", "counter", "step", "40")
    assert code == 1 and "plugins.counter.config.step: 40 is above the maximum 9" in err
    monkeypatch.setenv("APPLIANCE_PLUGIN_COUNTER_STEP", "2")
    code, out, _ = cli("get-config", "counter", "--json")
    assert json.loads(out)["settings"] == {"step": 2}
    code, _, err = cli("disable", "cobra")
    assert code == 1 and "no plugin named 'cobra'" in err


def test_unload_needs_a_server(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = cli("unload", "snake")
    assert code == 1 and "give --server URL" in err


class Bearer(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        if conn.headers.get("authorization") != "Bearer admin-token":
            return None
        return AuthCredentials(["read", "admin"]), SimpleUser("admin")


@pytest.fixture
def server(make_manager: MakeManager, tmp_path: Path) -> Iterator[tuple[str, PluginManager]]:
    manager = make_manager(config_path=tmp_path / "server-plugins.yaml")
    manager.refresh()
    app = Starlette(
        routes=routes(manager), middleware=[Middleware(AuthenticationMiddleware, backend=Bearer())]
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def run() -> None:
        loop.run_until_complete(serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", manager
    loop.call_soon_threadsafe(stop.set)
    thread.join(DEADLINE)
    loop.close()


def test_against_a_running_server(
    cli: Callable[..., tuple[int, str, str]],
    server: tuple[str, PluginManager],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, manager = server
    remote = ["--server", url + "/mcp", "--token", "admin-token"]
    code, out, _ = cli("list", "--json", *remote, offline=False)
    assert [p["name"] for p in json.loads(out)["plugins"]] == ["counter", "snake"]
    code, out, _ = cli("unload", "snake", "--json", *remote, offline=False)
    assert json.loads(out)["state"] == "discovered"
    assert manager.info("snake").state == "discovered"
    monkeypatch.setenv("APPLIANCE_SERVER", url)
    monkeypatch.setenv("APPLIANCE_TOKEN", "admin-token")
    code, out, _ = cli("load", "snake", offline=False)
    assert code == 0 and manager.info("snake").state == "active"
    code, out, _ = cli("set-config", "counter", "step", "3", offline=False)
    assert manager.call_tool("count", n=0) == 3
    report: dict[str, Any]
    code, out, _ = cli("test", "snake", "--json", offline=False)
    report = json.loads(out)
    assert code == 0 and report["files"][0]["golden"]["ok"]
    code, _, err = cli("info", "cobra", offline=False)
    assert code == 1 and "no plugin named 'cobra'" in err
    monkeypatch.setenv("APPLIANCE_TOKEN", "wrong")
    code, _, err = cli("list", offline=False)
    assert code == 1 and "401" in err
