#!/usr/bin/env python3
"""The plugin system's figures: discovery, time from the last write to active, and reloads under load.

    bench/plugins.py [--plugins 50] [--drops 20] [--reloads 100] [--clients 4] [--out FILE.md]

1. Discovery: 50 plugin folders (language plugins on tree-sitter-python's grammar, each with a
   query and a sample, and tool plugins), discovered --repeat times; median and max. Target < 100 ms.
2. Last write to active: a plugin folder copied into a watched plugins folder (shutil.copytree, as
   `cp -r`), and an edit of a plugin's query, each --drops times; from the end of the last write to
   the manager's swap that makes the new version active, seen by a subscriber. Both with inotify
   and with --poll (1 s polls). Also the example Lua plugin, when its lib/ is built
   (`pip install --target examples/plugins/lua/lib tree-sitter-lua`). Target < 1 s (inotify).
3. Reloads under load, in process: --clients threads make requests back to back, each a language
   request (the registry's plugin for a file, its tags query run, the hooks applied) or a call of
   a plugin's tool, while the plugins are changed --reloads times (each change waited for until it
   serves). Counts requests made and failed (an exception, or a wrong answer). Target 0 failed.
4. Reloads under load, over MCP: `appliance serve` as its own process with a plugins folder;
   --clients MCP sessions call find_symbol (on a file of the plugin's language) and the plugin's
   tool back to back while the plugins change --reloads times, each change waited for until
   list_plugins shows its version. Counts requests made and failed (an error result, an exception,
   or a wrong answer). Target 0 failed.

1 to 3 run in this process on the real manager and watcher; the machine's figures are in
bench/results/plugins.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from prometheus_client import CollectorRegistry

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.metrics import Metrics  # noqa: E402
from appliance.plugins.discovery import Root, discover  # noqa: E402
from appliance.plugins.hotreload import PluginWatcher  # noqa: E402
from appliance.plugins.manager import PluginManager  # noqa: E402
from appliance.plugins.status import Change  # noqa: E402

QUERY = """\
(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
(call function: (identifier) @name) @reference.call
"""
SAMPLE = """\
class Greeter:
#     ^ definition.class
    pass


def greet(name):
#   ^ definition.function
    return shout(name)
#          ^ reference.call
"""
TOOL = """\
from appliance.plugins.hookspecs import hookimpl
from appliance.plugins.tools import ToolDefinition

VERSION = {version}

@hookimpl
def provide_tools():
    def version_of_{name}(n: int) -> int:
        return n + VERSION
    return [ToolDefinition("version_of_{name}", "The plugin's version plus n.", version_of_{name})]
"""
SOURCE = b"def greet(name):\n    return shout(name)\n"


def write_language(root: Path, name: str, version: int = 1) -> Path:
    folder = root / name
    (folder / "queries").mkdir(parents=True, exist_ok=True)
    (folder / "samples").mkdir(exist_ok=True)
    (folder / "plugin.yaml").write_text(
        f"name: {name}\nversion: '{version}'\ntype: language\nlanguages: [{name.replace('-', '_')}]\n"
        f"file_extensions: [.{name}]\ngrammar: tree_sitter_python\nqueries: queries/tags.scm\n"
        "samples: samples\n"
    )
    (folder / "queries" / "tags.scm").write_text(QUERY)
    (folder / "samples" / f"sample.{name}").write_text(SAMPLE)
    return folder


def write_tool(root: Path, name: str, version: int = 1) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.yaml").write_text(f"name: {name}\nversion: '{version}'\ntype: tool\n")
    (folder / "plugin.py").write_text(TOOL.format(name=name.replace("-", "_"), version=version))
    return folder


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {ms(statistics.median(ordered))}, p90 {ms(p90)}, max {ms(ordered[-1])} (n={len(ordered)})"


def bench_discovery(tmp: Path, count: int, repeat: int) -> dict[str, str]:
    root = tmp / "discovery"
    for i in range(count):
        (write_language if i % 5 else write_tool)(root, f"p{i:03d}")
    roots = [Root(root, "mounted")]
    found = discover(roots, entry_points=False)
    assert len(found.candidates) == count, found.candidates.keys()
    folders_only = []
    with_entry_points = []
    for _ in range(repeat):
        started = time.perf_counter()
        discover(roots, entry_points=False)
        folders_only.append(time.perf_counter() - started)
        started = time.perf_counter()
        discover(roots, entry_points=True)
        with_entry_points.append(time.perf_counter() - started)
    metrics = Metrics(CollectorRegistry())
    manager = PluginManager([root], include_bundled=False, entry_points=False, metrics=metrics, environ={})
    started = time.perf_counter()
    manager.refresh()
    load_all = time.perf_counter() - started
    active = sum(1 for s in manager.list_plugins() if s.state == "active")
    manager.close()
    return {
        f"discovery of {count} plugins (folders)": summary(folders_only),
        f"discovery of {count} plugins (folders and installed entry points)": summary(with_entry_points),
        f"first load of all {count} (discover, load and validate in parallel, swap)": (
            f"{ms(load_all)}, {active} active"
        ),
    }


class SwapClock:
    """Records when each plugin version becomes active, as subscribers see it."""

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager
        self.condition = threading.Condition()
        self.seen: dict[tuple[str, str], float] = {}
        manager.subscribe(self.on_change)

    def on_change(self, change: Change) -> None:
        now = time.monotonic()
        with self.condition:
            for status in self.manager.list_plugins():
                if status.state == "active":
                    self.seen.setdefault((status.name, status.version), now)
            self.condition.notify_all()

    def wait(self, name: str, version: str, timeout: float = 30.0) -> float:
        with self.condition:
            if not self.condition.wait_for(lambda: (name, version) in self.seen, timeout):
                raise TimeoutError(f"{name} {version} not active after {timeout}s")
            return self.seen[(name, version)]


def bench_latency(tmp: Path, drops: int, poll: bool) -> dict[str, str]:
    mode = "poll" if poll else "inotify"
    root = tmp / f"watched-{mode}"
    staging = tmp / f"staging-{mode}"
    root.mkdir()
    metrics = Metrics(CollectorRegistry())
    manager = PluginManager([root], include_bundled=False, entry_points=False, metrics=metrics, environ={})
    manager.refresh()
    clock = SwapClock(manager)
    watcher = PluginWatcher(manager, poll=poll, poll_seconds=1.0, rescan_seconds=3600)
    watcher.start()
    watcher.ready.wait(30)
    drop_times: list[float] = []
    edit_times: list[float] = []
    try:
        for i in range(drops):
            name = f"drop{i:03d}"
            staged = (write_language if i % 2 else write_tool)(staging, name)
            shutil.copytree(staged, root / name)  # cp -r
            last_write = time.monotonic()
            drop_times.append(clock.wait(name, "1") - last_write)
        for i in range(drops):
            name = f"drop{i:03d}"
            folder = root / name
            if (folder / "plugin.py").exists():
                write_tool(root, name, version=i + 2)
            else:
                write_language(root, name, version=i + 2)
            last_write = time.monotonic()
            edit_times.append(clock.wait(name, str(i + 2)) - last_write)
    finally:
        watcher.stop()
        manager.close()
    return {
        f"last write to active, folder copied in ({mode})": summary(drop_times),
        f"last write to active, plugin edited ({mode})": summary(edit_times),
    }


def bench_lua(tmp: Path, drops: int) -> dict[str, str]:
    """The example Lua plugin (grammar in its lib/, ~200 kB of native code) dropped in and removed."""
    example = REPO / "examples" / "plugins" / "lua"
    root = tmp / "watched-lua"
    root.mkdir()
    metrics = Metrics(CollectorRegistry())
    manager = PluginManager([root], include_bundled=False, entry_points=False, metrics=metrics, environ={})
    manager.refresh()
    clock = SwapClock(manager)
    watcher = PluginWatcher(manager, rescan_seconds=3600)
    watcher.start()
    watcher.ready.wait(30)
    times: list[float] = []
    try:
        for _ in range(drops):
            with clock.condition:
                clock.seen.clear()
            shutil.copytree(example, root / "lua")
            last_write = time.monotonic()
            times.append(clock.wait("lua", "1.0.0") - last_write)
            shutil.rmtree(root / "lua")
            deadline = time.monotonic() + 30
            while any(s.name == "lua" for s in manager.list_plugins()):
                if time.monotonic() > deadline:
                    raise TimeoutError("lua not unloaded")
                time.sleep(0.01)
    finally:
        watcher.stop()
        manager.close()
    return {"last write to active, the example Lua plugin with its lib/ copied in (inotify)": summary(times)}


def bench_reloads(tmp: Path, reloads: int, clients: int) -> dict[str, str]:
    root = tmp / "reloads"
    write_language(root, "snake")
    write_tool(root, "counter")
    metrics = Metrics(CollectorRegistry())
    manager = PluginManager([root], include_bundled=False, entry_points=False, metrics=metrics, environ={})
    manager.refresh()
    clock = SwapClock(manager)
    watcher = PluginWatcher(manager, rescan_seconds=3600)
    watcher.start()
    watcher.ready.wait(30)
    stop = threading.Event()
    made = [0] * clients
    failed: list[str] = []

    def client(index: int) -> None:
        while not stop.is_set():
            try:
                if made[index] % 2:
                    plugin = manager.registry.for_path("src/app.snake")
                    assert plugin is not None, "no plugin for .snake"
                    symbols = plugin.adjust_symbols("src/app.snake", plugin.extractor.extract(SOURCE), SOURCE)
                    assert [s.name for s in symbols] == ["greet", "shout"], symbols
                else:
                    answer = manager.call_tool("version_of_counter", n=0)
                    assert isinstance(answer, int) and answer >= 1, answer
            except Exception as e:
                failed.append(f"{type(e).__name__}: {e}")
            made[index] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    try:
        for i in range(reloads):
            version = i + 2
            if i % 2:
                write_tool(root, "counter", version=version)
                clock.wait("counter", str(version))
            else:
                write_language(root, "snake", version=version)
                clock.wait("snake", str(version))
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
        watcher.stop()
        manager.close()
    reloaded = metrics.registry.get_sample_value("appliance_plugin_reloads_total", {"result": "ok"}) or 0
    outcome = f"{sum(made)} made, {len(failed)} failed" + (f" (first: {failed[0]})" if failed else "")
    return {
        f"requests during {reloads} reloads, in process ({clients} threads, {elapsed:.1f} s)": outcome,
        "loads, by appliance_plugin_reloads_total{result=ok}": f"{reloaded:.0f} (2 initial + {reloads})",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_server(tmp: Path, reloads: int, clients: int) -> dict[str, str]:
    from mcp import Client  # the server's dependencies, only for this part

    repo, plugins, bundled = tmp / "server-repo", tmp / "server-plugins", tmp / "server-bundled"
    repo.mkdir()
    (repo / "app.snake").write_text(SOURCE.decode())
    write_language(plugins, "snake")
    write_tool(plugins, "counter")
    bundled.mkdir()
    port = free_port()
    env = {**os.environ, "APPLIANCE_BUNDLED_PLUGINS": str(bundled)}
    env.pop("APPLIANCE_TOKENS_FILE", None)
    log = tmp / "server.log"
    command = [sys.executable, "-m", "appliance", "serve", f"{repo}=repo", "--bind", f"127.0.0.1:{port}"]
    command += ["--data", str(tmp / "server-data"), "--plugins-dir", str(plugins)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    url = f"http://127.0.0.1:{port}/mcp"
    made, failed = [0], []
    versions: list[float] = []

    async def ready() -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                    return
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()}") from None
                await asyncio.sleep(0.05)

    async def versions_of(client: Client) -> dict[str, str]:
        listed = (await client.call_tool("list_plugins", {})).structured_content or {}
        return {p["name"]: p["version"] for p in listed.get("plugins", []) if p["state"] == "active"}

    async def load(stop: asyncio.Event) -> None:
        async with Client(url, mode="legacy") as client:
            turn = 0
            while not stop.is_set():
                turn += 1
                try:
                    if turn % 2:
                        result = await client.call_tool("find_symbol", {"name": "greet"})
                        total = (result.structured_content or {}).get("total")
                        if result.is_error or total != 1:
                            failed.append(f"find_symbol: {result.content if result.is_error else total}")
                    else:
                        result = await client.call_tool("version_of_counter", {"n": 0})
                        if result.is_error or (result.structured_content or {}).get("result", 0) < 1:
                            failed.append(f"version_of_counter: {result.content}")
                except Exception as e:
                    failed.append(f"{type(e).__name__}: {e}")
                made[0] += 1

    async def run() -> float:
        await ready()
        async with Client(url, mode="legacy") as watcher:
            deadline = time.monotonic() + 60
            while (await versions_of(watcher)).keys() < {"snake", "counter"} or not (
                await watcher.call_tool("find_symbol", {"name": "greet"})
            ).structured_content.get("total"):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"plugins not active:\n{log.read_text()}")
                await asyncio.sleep(0.05)
            stop = asyncio.Event()
            tasks = [asyncio.create_task(load(stop)) for _ in range(clients)]
            started = time.monotonic()
            for i in range(reloads):
                name, version = ("counter" if i % 2 else "snake"), str(i + 2)
                (write_tool if i % 2 else write_language)(plugins, name, version=i + 2)
                written = time.monotonic()
                while (await versions_of(watcher)).get(name) != version:
                    if time.monotonic() > written + 30:
                        raise RuntimeError(f"{name} {version} never served:\n{log.read_text()}")
                    await asyncio.sleep(0.01)
                versions.append(time.monotonic() - written)
            elapsed = time.monotonic() - started
            stop.set()
            await asyncio.gather(*tasks)
            return elapsed

    try:
        elapsed = asyncio.run(run())
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    outcome = f"{made[0]} made, {len(failed)} failed" + (f" (first: {failed[0]})" if failed else "")
    return {
        f"requests during {reloads} reloads, over MCP ({clients} sessions, {elapsed:.1f} s)": outcome,
        "last write to the new version in list_plugins, over MCP (includes 10 ms polls)": summary(versions),
    }


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--plugins", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--reloads", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip-poll", action="store_true", help="leave out the --poll latency run")
    parser.add_argument("--skip-server", action="store_true", help="leave out the run over MCP")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as Markdown here")
    args = parser.parse_args()
    figures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="appliance-bench-plugins-") as name:
        tmp = Path(name)
        figures.update(bench_discovery(tmp, args.plugins, args.repeat))
        figures.update(bench_latency(tmp, args.drops, poll=False))
        if not args.skip_poll:
            figures.update(bench_latency(tmp, max(3, args.drops // 4), poll=True))
        if (REPO / "examples" / "plugins" / "lua" / "lib").is_dir():
            figures.update(bench_lua(tmp, max(3, args.drops // 4)))
        else:
            print("no Lua figure: examples/plugins/lua/lib is not built (pip install --target)")
        figures.update(bench_reloads(tmp, args.reloads, args.clients))
        if not args.skip_server:
            figures.update(bench_server(tmp, args.reloads, args.clients))
    for key, value in figures.items():
        print(f"{key}: {value}")
    if args.out is not None:
        lines = [
            "| Measure | Result |",
            "|---|---|",
            *(f"| {key} | {value} |" for key, value in figures.items()),
        ]
        args.out.write_text("\n".join(lines) + "\n")
        print(f"wrote {args.out} ({platform.node()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
