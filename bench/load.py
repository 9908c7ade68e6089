#!/usr/bin/env python3
"""Load on `appliance serve`: N concurrent MCP sessions calling find_symbol and search_code.

    bench/load.py --data DIR [--sessions 16] [--duration 60] [--workers 1] [--clients 2] [--rate R]
    bench/load.py --url http://127.0.0.1:8080/mcp ...     (a server already running)
    bench/load.py --overhead                              (what the metrics cost per request)
    bench/load.py --in-process --data DIR                 (the server's own CPU per call, no client)

Starts `appliance serve --data DIR` on a free loopback port (a separate process), waits for
/readyz, picks query terms from the index itself through the server (names after def, class,
struct, ... in a regex search), warms up, then runs the sessions for --duration seconds. Each
session is the SDK's Streamable HTTP client calling the tools, by default 3 find_symbol to 1
search_code, back to back, or with --rate R at R calls/s over all sessions. Searches are for a
defined name, literally or as a regex for its calls: selective, as an agent's are (a regex
matching most lines of a large corpus measures the engine, bench/engine.py's subject). The
sessions are spread over --clients processes so the client side is not one Python thread.

Reports calls/s, p50/p99 latency per tool (from the call, or from when a paced call was due,
to its parsed result: HTTP and SSE included), errors (exceptions and isError results), the CPU
per call of the server and of the clients, and the server's memory (RSS, heap, mapped index)
before the warm-up, after it and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NAME_AFTER_KEYWORD = re.compile(
    r"\b(?:def|class|struct|enum|union|fn|func|typedef)\s+([A-Za-z_][A-Za-z0-9_]{3,})"
)
TERMS_PATTERN = r"\b(def|class|struct|enum|union|fn|func|typedef)\s+[A-Za-z_][A-Za-z0-9_]{3,}"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of CPU the client processes used while measuring

    def add(self, tool: str, seconds: float) -> None:
        self.latencies.setdefault(tool, []).append(seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of `pid` and its children (Hypercorn workers), from /proc: VmRSS in all, or
    RssAnon (the heap: what a leak would grow) or RssFile (pages of the LMDB map read so far)."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def memory(pid: int) -> dict[str, int]:
    return {"rss": rss_bytes(pid), "anon": rss_bytes(pid, "RssAnon"), "file": rss_bytes(pid, "RssFile")}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of `pid` and its children (Hypercorn workers) so far."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_ready(base: str, process: subprocess.Popen[bytes] | None, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        if time.monotonic() > deadline:
            sys.exit(f"the server was not ready within {timeout}s")
        time.sleep(0.1)


async def pick_terms(url: str, want: int = 200) -> tuple[list[str], list[str]]:
    """Names defined in the index, found through the server itself: find_symbol names and literals."""
    from mcp import Client

    async with Client(url, mode="legacy") as client:
        result = await client.call_tool(
            "search_code", {"pattern": TERMS_PATTERN, "regex": True, "limit": 500}
        )
        if result.is_error or not result.structured_content:
            sys.exit(f"cannot pick query terms: {result.content}")
        lines = [m["text"] for m in result.structured_content["matches"]]
    names = sorted({m.group(1) for line in lines for m in NAME_AFTER_KEYWORD.finditer(line)})
    if not names:
        sys.exit("the index holds no definitions to query")
    random.Random(7).shuffle(names)
    selective = [n for n in names if len(n) >= 12] or names  # short names (page, list) match everywhere
    return names[:want], selective[: want // 4]


async def session_loop(
    url: str,
    names: list[str],
    literals: list[str],
    mix: int,
    until: float,
    seed: int,
    tally: Tally,
    interval: float,
) -> None:
    """One session's calls: back to back (interval 0), or one every `interval` seconds. Paced, a call
    is timed from when it was due, so a server that falls behind shows it (no coordinated omission)."""
    from mcp import Client

    rng = random.Random(seed)
    async with Client(url, mode="legacy") as client:
        n = 0
        due = time.monotonic() + rng.random() * interval  # sessions out of step with each other
        while time.monotonic() < until:
            n += 1
            if interval:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            if n % (mix + 1):
                tool, args = "find_symbol", {"name": rng.choice(names), "limit": 20}
            elif rng.random() < 0.8:
                tool, args = "search_code", {"pattern": rng.choice(literals), "limit": 20}
            else:
                pattern = rf"\b{re.escape(rng.choice(literals))}\s*\("  # calls of a defined name
                tool, args = "search_code", {"pattern": pattern, "regex": True, "limit": 20}
            started = min(time.monotonic(), due) if interval else time.monotonic()
            due += interval
            try:
                result = await client.call_tool(tool, args)
            except Exception as e:  # a protocol or transport failure: counted, the session goes on
                tally.errors.append(f"{tool}: {type(e).__name__}: {e}")
                continue
            tally.add(tool, time.monotonic() - started)
            if result.is_error:
                tally.errors.append(f"{tool} {args}: {result.content[0].text[:200]}")  # type: ignore[union-attr]


def client_process(
    url: str,
    sessions: int,
    names: list[str],
    literals: list[str],
    mix: int,
    start_at: float,
    seconds: float,
    seed: int,
    interval: float,
    out: Any,
) -> None:
    tally = Tally()
    cpu = [0.0]

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        until = time.monotonic() + seconds
        started = time.process_time()
        await asyncio.gather(
            *(
                session_loop(url, names, literals, mix, until, seed * 1000 + i, tally, interval)
                for i in range(sessions)
            )
        )
        cpu[0] = time.process_time() - started

    asyncio.run(main())
    out.put((tally.latencies, tally.errors, cpu[0]))


def run_clients(
    url: str, args: argparse.Namespace, names: list[str], literals: list[str], seconds: float
) -> Tally:
    interval = args.sessions / args.rate if args.rate else 0.0  # seconds between one session's calls
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 3.0  # every process connects its sessions first, then all start together
    per = [
        args.sessions // args.clients + (1 if i < args.sessions % args.clients else 0)
        for i in range(args.clients)
    ]
    procs = [
        context.Process(
            target=client_process,
            args=(url, n, names, literals, args.mix, start_at, seconds, i, interval, queue),
        )
        for i, n in enumerate(per)
        if n
    ]
    for p in procs:
        p.start()
    tally = Tally()
    for _ in procs:
        latencies, errors, cpu = queue.get()
        for tool, values in latencies.items():
            tally.latencies.setdefault(tool, []).extend(values)
        tally.errors.extend(errors)
        tally.client_cpu += cpu
    for p in procs:
        p.join()
    return tally


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(
    args: argparse.Namespace, tally: Tally, rss: dict[str, dict[str, int]], seconds: float
) -> dict[str, Any]:
    calls = sum(len(v) for v in tally.latencies.values())
    result: dict[str, Any] = {
        "sessions": args.sessions,
        "offered_rate": args.rate or None,
        "clients": args.clients,
        "workers": args.workers,
        "seconds": seconds,
        "calls": calls,
        "calls_per_second": round(calls / seconds, 1),
        "errors": len(tally.errors),
        "client_cpu_ms_per_call": round(1000 * tally.client_cpu / max(calls, 1), 3),
        "memory_mb": {when: {k: round(v / 1e6, 1) for k, v in m.items()} for when, m in rss.items()},
        "tools": {},
    }
    for tool, values in sorted(tally.latencies.items()):
        result["tools"][tool] = {
            "calls": len(values),
            "p50_ms": round(1000 * statistics.median(values), 2),
            "p99_ms": round(1000 * percentile(values, 0.99), 2),
            "max_ms": round(1000 * max(values), 2),
        }
    if rss.get("warm") and rss.get("end"):
        for kind in ("rss", "anon"):
            growth = 100.0 * (rss["end"][kind] - rss["warm"][kind]) / rss["warm"][kind]
            result[f"{kind}_growth_percent"] = round(growth, 1)
    return result


def load(args: argparse.Namespace) -> dict[str, Any]:
    process = None
    if args.url:
        url = args.url
    else:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "appliance",
            "serve",
            "--data",
            str(args.data),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/mcp"
    base = url.rsplit("/mcp", 1)[0]
    try:
        wait_ready(base, process)
        rss = {"start": memory(process.pid)} if process else {}
        names, literals = asyncio.run(pick_terms(url))
        run_clients(url, args, names, literals, args.warmup)
        if process:
            rss["warm"] = memory(process.pid)
            cpu = cpu_seconds(process.pid)
        tally = run_clients(url, args, names, literals, args.duration)
        result = report(args, tally, rss, args.duration)
        if process is not None:
            rss["end"] = memory(process.pid)
            result = report(args, tally, rss, args.duration)
            result["server_cpu_ms_per_call"] = round(
                1000 * (cpu_seconds(process.pid) - cpu) / max(result["calls"], 1), 3
            )
        return result | {"load_average": os.getloadavg(), "sample_errors": tally.errors[:5]}
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def in_process(data: Path, calls: int = 3000, json_response: bool = False) -> dict[str, float]:
    """The server's own cost per tool call: the composed app driven by raw ASGI messages in this
    process, no socket, no HTTP parsing, no MCP client. One session; find_symbol, back to back."""
    import anyio
    from prometheus_client import CollectorRegistry

    from appliance.metrics import Metrics
    from appliance.server.app import build_app, build_service
    from appliance.server.config import ServerConfig

    config = ServerConfig(data_dir=str(data), workers=2 if json_response else 1)  # 2: stateless, JSON
    metrics = Metrics(CollectorRegistry())
    app = build_app(config, build_service(config, metrics), metrics)
    base = [
        (b"host", b"127.0.0.1:8080"),
        (b"accept", b"application/json, text/event-stream"),
        (b"content-type", b"application/json"),
    ]

    async def post(headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await anyio.sleep_forever()
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer.update(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/mcp",
            "raw_path": b"/mcp",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 8080),
        }
        await app(scope, receive, send)  # type: ignore[arg-type]
        return answer

    async def main() -> dict[str, float]:
        async with app.router.lifespan_context(app):
            hello = {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "b", "version": "1"},
                },
            }
            opened = await post(base, json.dumps(hello).encode())
            headers = [*base, (b"mcp-protocol-version", b"2025-11-25")]
            session = dict(opened["headers"]).get(b"mcp-session-id")
            if session:
                headers.append((b"mcp-session-id", session))
                await post(headers, b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
            bodies = [
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": i + 1,
                        "method": "tools/call",
                        "params": {"name": "find_symbol", "arguments": {"name": "main", "limit": 20}},
                    }
                ).encode()
                for i in range(calls)
            ]
            for body in bodies[:200]:
                await post(headers, body)
            cpu, wall = time.process_time(), time.perf_counter()
            for body in bodies:
                await post(headers, body)
            return {
                "server_cpu_ms_per_call": round(1000 * (time.process_time() - cpu) / calls, 3),
                "wall_ms_per_call": round(1000 * (time.perf_counter() - wall) / calls, 3),
            }

    return anyio.run(main)


def overhead(requests: int = 20000) -> dict[str, float]:
    """Per-request cost of the metrics: the HTTP middleware and the tool-call middleware, each timed
    against the same work without it, in process (no network: the difference is the metrics alone)."""
    import anyio
    from prometheus_client import CollectorRegistry

    from appliance.metrics import Metrics
    from appliance.server.httpmetrics import HTTPMetrics
    from appliance.server.toolcalls import ToolCallMiddleware

    metrics = Metrics(CollectorRegistry())
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/event-stream")],
    }
    body = {"type": "http.response.body", "body": b"data: {}\n\n", "more_body": False}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(start)
        await send(body)

    async def send(message: Any) -> None:
        pass

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    wrapped = HTTPMetrics(app, metrics, routes=("/mcp", "/healthz", "/readyz", "/metrics"))
    scope = {"type": "http", "method": "POST", "path": "/mcp", "headers": []}

    class Ctx:
        def __init__(self) -> None:
            self.method = "tools/call"
            self.params = {"name": "find_symbol", "arguments": {}}

    async def call_next(ctx: Any) -> Any:
        return {"content": [], "isError": False}

    tool_mw = ToolCallMiddleware(metrics, ["find_symbol"])

    async def timed(fn: Any) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            await fn()
        return (time.perf_counter() - started) / requests

    async def main() -> dict[str, float]:
        best: dict[str, float] = {}
        for _ in range(5):
            for name, fn in (
                ("bare_asgi", lambda: app(scope, receive, send)),
                ("http_metrics", lambda: wrapped(scope, receive, send)),
                ("bare_tool", lambda: call_next(Ctx())),
                ("tool_metrics", lambda: tool_mw(Ctx(), call_next)),  # type: ignore[arg-type]
            ):
                best[name] = min(best.get(name, float("inf")), await timed(fn))
        http_us = 1e6 * (best["http_metrics"] - best["bare_asgi"])
        tool_us = 1e6 * (best["tool_metrics"] - best["bare_tool"])
        return {
            "http_metrics_us": round(http_us, 2),
            "tool_metrics_us": round(tool_us, 2),
            "per_tool_call_us": round(http_us + tool_us, 2),
        }

    return anyio.run(main)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="data dir holding the index to serve")
    parser.add_argument("--url", help="use a server already running at this /mcp URL")
    parser.add_argument("--sessions", type=int, default=16, help="concurrent MCP sessions (default 16)")
    parser.add_argument(
        "--clients", type=int, default=2, help="client processes sharing the sessions (default 2)"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured (default 60)")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of load before measuring (default 5)"
    )
    parser.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="offered calls/s over all sessions (default 0: back to back)"
    )
    parser.add_argument(
        "--mix", type=int, default=3, help="find_symbol calls per search_code call (default 3)"
    )
    parser.add_argument(
        "--overhead", action="store_true", help="measure the metrics' cost per request instead"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="measure the server's own CPU per call (needs --data)"
    )
    args = parser.parse_args()
    if args.overhead:
        print(json.dumps(overhead(), indent=2))
        return 0
    if args.in_process:
        if not args.data:
            parser.error("--in-process needs --data DIR")
        results = {kind: in_process(args.data, json_response=kind == "json") for kind in ("sse", "json")}
        print(json.dumps(results | {"load_average": os.getloadavg()}, indent=2))
        return 0
    if not args.url and not args.data:
        parser.error("give --data DIR (or --url of a running server)")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(json.dumps(load(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
