"""Plugins dropped into a running server's plugins folder while clients query, then taken away.

`appliance serve REPO --plugins-dir DIR` runs as a real process. The example plugins are copied
into DIR (`cp -r`): the Lua language plugin, whose grammar is not bundled but comes in its own
lib/, and the word-count tool plugin. A client that already holds a session hears
`notifications/tools/list_changed`, sees the new tools and calls them; the repository's Lua file
becomes searchable by symbol. Another client queries all along, and never sees a failure. Then the
plugins are removed, and everything they brought goes with them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from appliance.plugins.discovery import bundled_plugins_dir

pytestmark = [pytest.mark.slow, pytest.mark.anyio]
DEADLINE = 60.0
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "plugins"
APP_PY = "def main():\n    return run_app()\n\n\ndef run_app():\n    return 0\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(tmp: Path, repo: Path, plugins: Path, *extra: str) -> Iterator[str]:
    bundled = tmp / "bundled"  # the Python plugin alone: loading every bundled one takes seconds
    bundled.mkdir()
    (bundled / "python").symlink_to(bundled_plugins_dir() / "python")
    port = free_port()
    env = {**os.environ, "APPLIANCE_BUNDLED_PLUGINS": str(bundled), "PYTHONUNBUFFERED": "1"}
    for name in ("NOTIFY_SOCKET", "APPLIANCE_TOKENS_FILE", "APPLIANCE_PLUGINS_DIR"):
        env.pop(name, None)
    log = tmp / "serve.log"
    command = [sys.executable, "-m", "appliance", "serve", f"{repo}=repo", "--bind", f"127.0.0.1:{port}"]
    command += ["--data", str(tmp / "data"), "--plugins-dir", str(plugins), *extra]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, f"not ready:\n{log.read_text()}"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not await check():
        assert time.monotonic() < deadline, f"{what}: not before the deadline"
        await anyio.sleep(0.05)


async def structured(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    content: dict[str, Any] | None = result.structured_content
    assert content is not None
    return content


async def test_plugins_dropped_in_serve_at_once_and_leave_cleanly(tmp_path: Path, staged: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "scripts").mkdir()
    (repo / "src" / "app.py").write_text(APP_PY)
    lua = (EXAMPLES / "lua" / "samples" / "account.lua").read_text()
    (repo / "scripts" / "account.lua").write_text(lua)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    changes = 0

    async def on_message(message: Any) -> None:
        nonlocal changes
        if getattr(getattr(message, "root", message), "method", "") == "notifications/tools/list_changed":
            changes += 1

    with serve(tmp_path, repo, plugins) as url:
        async with (
            Client(url, mode="legacy", message_handler=on_message) as client,
            Client(url, mode="legacy") as other,
        ):

            async def indexed() -> bool:
                repos = (await structured(client, "index_status"))["repos"]
                return bool(repos) and repos[0]["state"] == "watching"

            await until(indexed, "the repository indexed")
            assert (await structured(client, "find_symbol", name="deposit"))["total"] == 0
            tools_before = {t.name for t in (await client.list_tools()).tools}

            made, failures = 0, []
            stop = anyio.Event()

            async def keep_querying() -> None:  # another client, all along
                nonlocal made
                while not stop.is_set():
                    for tool, arguments in (
                        ("find_symbol", {"name": "run_app"}),
                        ("search_code", {"pattern": "def"}),
                    ):
                        try:
                            result = await other.call_tool(tool, arguments)
                            if result.is_error:
                                failures.append(f"{tool}: {result.content}")
                        except Exception as e:
                            failures.append(f"{tool}: {type(e).__name__}: {e}")
                        made += 1

            async with anyio.create_task_group() as group:
                group.start_soon(keep_querying)

                shutil.copytree(staged / "lua", plugins / "lua")  # cp -r, while the server runs
                shutil.copytree(staged / "word-count", plugins / "word-count")

                async def tools_arrived() -> bool:
                    return changes >= 1 and "count_lines" in {
                        t.name for t in (await client.list_tools()).tools
                    }

                await until(tools_arrived, "the tool plugin's tools announced")
                lines = await structured(client, "count_lines", repo="repo", path="scripts/account.lua")
                assert lines == {"result": len(lua.splitlines())}
                words = await structured(client, "count_words", repo="repo", path="src/app.py")
                assert words["lines"] == len(APP_PY.splitlines())

                async def lua_searchable() -> bool:
                    found = await structured(client, "find_symbol", name="deposit")
                    return [(s["path"], s["language"], s["kind"]) for s in found["symbols"]] == [
                        ("scripts/account.lua", "lua", "method")
                    ]

                await until(lua_searchable, "the Lua file searchable by symbol")
                listed = {p["name"]: p for p in (await structured(client, "list_plugins"))["plugins"]}
                assert listed["lua"]["state"] == "active" and listed["lua"]["extensions"] == [".lua"]
                assert listed["word-count"]["state"] == "active"
                assert listed["word-count"]["tools"] == ["count_lines", "count_words"]

                shutil.rmtree(plugins / "word-count")
                shutil.rmtree(plugins / "lua")

                async def tools_gone() -> bool:
                    names = {t.name for t in (await client.list_tools()).tools}
                    return changes >= 2 and names == tools_before

                await until(tools_gone, "the tool plugin's tools withdrawn and announced")
                gone = await client.call_tool("count_lines", {"repo": "repo", "path": "src/app.py"})
                assert gone.is_error

                async def lua_gone() -> bool:
                    total: int = (await structured(client, "find_symbol", name="deposit"))["total"]
                    return total == 0

                await until(lua_gone, "the Lua symbols gone with the Lua plugin")
                names = {p["name"] for p in (await structured(client, "list_plugins"))["plugins"]}
                assert names == {"python"}
                stop.set()
            assert made > 0
            assert failures == []


def test_the_indexer_process_follows_plugins_too(tmp_path: Path, staged: Path) -> None:
    """`appliance watch` (the image's indexer unit): a language plugin dropped in re-indexes its
    files, and its removal takes their symbols away again."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "account.lua").write_text((EXAMPLES / "lua" / "samples" / "account.lua").read_text())
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "python").symlink_to(bundled_plugins_dir() / "python")
    env = {**os.environ, "APPLIANCE_BUNDLED_PLUGINS": str(bundled), "APPLIANCE_DATA": str(tmp_path / "data")}
    env.pop("APPLIANCE_PLUGINS_DIR", None)
    log = tmp_path / "watch.log"
    command = [sys.executable, "-m", "appliance", "watch", f"{repo}=repo", "--plugins-dir", str(plugins)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    def definitions(name: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "appliance", "symbol", name, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return [line for line in done.stdout.splitlines() if line.strip()]

    def eventually(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not condition():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"{what}: not before the deadline\n{log.read_text()}"
            time.sleep(0.1)

    try:
        eventually(lambda: "watching 1 repositories" in log.read_text(), "the watcher started")
        assert definitions("deposit") == []
        shutil.copytree(staged / "lua", plugins / "lua")
        eventually(lambda: len(definitions("deposit")) == 1, "the Lua file re-indexed with the Lua plugin")
        shutil.rmtree(plugins / "lua")
        eventually(lambda: definitions("deposit") == [], "the Lua symbols gone with the plugin")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()


def test_the_admin_api_of_a_running_server(tmp_path: Path, staged: Path) -> None:
    """`appliance plugins ... --server URL --token T` against `appliance serve --tokens-file`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(APP_PY)
    plugins = tmp_path / "plugins"
    shutil.copytree(staged / "word-count", plugins / "word-count")
    tokens = tmp_path / "tokens"
    tokens.write_text("admin-token-0123456789abcdef admin\nread-token-0123456789abcdef read\n")
    with serve(tmp_path, repo, plugins, "--tokens-file", str(tokens)) as url:
        env = {**os.environ, "APPLIANCE_SERVER": url.removesuffix("/mcp")}

        def plugins_command(*args: str, token: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "appliance", "plugins", *args, "--token", token],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )

        done = plugins_command("list", "--json", token="admin-token-0123456789abcdef")
        assert done.returncode == 0, done.stderr
        listed = {p["name"]: p["state"] for p in json.loads(done.stdout)["plugins"]}
        assert listed == {"python": "active", "word-count": "active"}
        done = plugins_command("unload", "word-count", "--json", token="admin-token-0123456789abcdef")
        assert json.loads(done.stdout)["state"] == "discovered"
        done = plugins_command("list", token="read-token-0123456789abcdef")
        assert done.returncode == 1 and "403" in done.stderr
        done = plugins_command("list", token="wrong")
        assert done.returncode == 1 and "401" in done.stderr
