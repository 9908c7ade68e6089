"""`appliance serve` as a real Hypercorn process on a loopback port, driven by the SDK's Streamable
HTTP client and by plain HTTP: tools, auth, DNS rebinding, health, metrics, readiness notification,
TLS, the refusal to expose an unauthenticated index, and clients that vanish mid-stream."""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
READ_TOKEN = "read-token-0123456789abcdef"
ADMIN_TOKEN = "admin-token-0123456789abcdef"


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx2.get(f"{base}/metrics", verify=False).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.anyio
async def test_every_tool_over_a_real_socket_and_metrics_show_it(indexed) -> None:
    with indexed.serve() as server:
        async with Client(server.url, mode="legacy") as client:
            assert client.protocol_version == "2025-11-25"
            assert (await call(client, "list_repos"))["repos"][0]["name"] == "fixture"
            assert (await call(client, "search_code", pattern="hello", ignore_case=True))["total"] == 2
            assert (await call(client, "search_code", pattern=r"def \w+", regex=True, count_only=True))[
                "total"
            ] == 3
            assert (await call(client, "find_symbol", name="get_user"))["symbols"][0][
                "container"
            ] == "UserStore"
            assert (await call(client, "find_references", name="fetch_row"))["total"] == 1
            outline = await call(client, "file_outline", repo="fixture", path="src/users.py")
            assert [e["name"] for e in outline["outline"]] == ["UserStore", "fetch_row"]
            assert (await call(client, "read_file", repo="fixture", path="README.txt"))["total_lines"] == 2
            assert (await call(client, "index_status"))["repos"][0]["state"] == "indexed"
            assert (await call(client, "list_plugins"))["plugins"][0]["name"] == "python"
            assert "separate indexer" in (await client.call_tool("reindex", {})).content[0].text  # type: ignore[union-attr]
            resource = await client.read_resource("repo://fixture/src/helpers.py")
            assert resource.contents[0].text.startswith("from users import")  # type: ignore[union-attr]
            during = scrape(server.base)
            assert value(during, "appliance_mcp_sessions_open") == 1
        after = scrape(server.base)
    assert value(after, "appliance_mcp_sessions_open") == 0
    assert value(after, "appliance_tool_calls_total", tool="search_code", outcome="ok") == 2
    assert value(after, "appliance_tool_calls_total", tool="reindex", outcome="error") == 1
    assert value(after, "appliance_tool_call_duration_seconds_count", tool="find_symbol") == 1
    assert value(after, "appliance_http_requests_total", method="POST", route="/mcp", status="200") >= 12
    assert value(after, "appliance_http_requests_total", method="GET", route="/readyz", status="200") >= 1
    assert value(after, "appliance_http_request_duration_seconds_count", route="/mcp") >= 12
    assert value(after, "appliance_search_queries_total", kind="literal") == 1
    assert value(after, "appliance_search_queries_total", kind="regex") == 1
    assert value(after, "appliance_search_queries_total", kind="symbol") == 1
    assert value(after, "appliance_cache_misses_total", cache="content") >= 1
    assert value(after, "appliance_process_resident_memory_bytes") > 10e6
    assert value(after, "appliance_build_info", version="0.1.0", python=value_label(after, "python")) == 1
    assert value(after, "appliance_plugins", state="active") == 1


def value_label(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], label: str) -> str:
    for name, labels in samples:
        if name == "appliance_build_info":
            return dict(labels)[label]
    return ""


@pytest.mark.anyio
async def test_tokens_guard_mcp_and_scopes_guard_reindex(indexed, tokens_file) -> None:
    with indexed.serve("--tokens-file", str(tokens_file)) as server:
        for headers in ({}, {"Authorization": "Bearer not-the-token-at-all"}):
            refused = httpx2.post(server.url, json=INITIALIZE, headers={**HEADERS, **headers})
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert httpx2.get(f"{server.base}/healthz").status_code == 200
        for token, allowed in ((READ_TOKEN, False), (ADMIN_TOKEN, True)):
            async with (
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
                Client(streamable_http_client(server.url, http_client=http), mode="legacy") as client,
            ):
                assert (await call(client, "list_repos"))["total"] == 1
                text = (await client.call_tool("reindex", {})).content[0].text  # type: ignore[union-attr]
                assert ("admin scope" in text) is not allowed, text


def test_foreign_host_and_origin_are_refused(indexed) -> None:
    with indexed.serve() as server:
        for headers, status in (
            ({"Host": "evil.example.com"}, 421),
            ({"Origin": "http://evil.example.com"}, 403),
            ({"Host": f"localhost:{server.port}", "Origin": f"http://localhost:{server.port}"}, 200),
        ):
            assert (
                httpx2.post(server.url, json=INITIALIZE, headers={**HEADERS, **headers}).status_code == status
            )


def test_refuses_to_listen_beyond_loopback_without_tokens(indexed, tokens_file) -> None:
    refused = indexed.run("serve", "--bind", "0.0.0.0:1")
    assert refused.returncode == 1
    assert "refusing to listen on 0.0.0.0:1 without authentication" in refused.stderr
    assert "Traceback" not in refused.stderr
    for allowed in (("--insecure-no-auth",), ("--tokens-file", str(tokens_file))):
        with indexed.serve(*allowed, host="0.0.0.0") as server:
            assert httpx2.get(f"{server.base}/healthz").status_code == 200
        assert server.process.returncode == 0, server.output()


def test_health_readiness_and_a_missing_index(env, eventually) -> None:
    def healthy(base: str) -> bool:
        try:
            return httpx2.get(f"{base}/healthz").status_code == 200
        except httpx2.TransportError:
            return False

    with env.serve(ready=False) as server:
        eventually(lambda: healthy(server.base), message="/healthz")
        ready = httpx2.get(f"{server.base}/readyz")
        assert ready.status_code == 503 and "no index in" in ready.json()["reason"]
        indexed = env.run("index", str(env.repo))
        assert indexed.returncode == 0, indexed.stderr
        assert httpx2.get(f"{server.base}/readyz").status_code == 200  # the index appeared: ready now


def test_ready_is_sent_on_notify_socket_once_listening(indexed, tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(str(path))
        receiver.settimeout(30)
        with indexed.serve(environ={"NOTIFY_SOCKET": str(path)}, ready=False) as server:
            assert receiver.recv(4096) == b"READY=1"
            assert httpx2.get(f"{server.base}/healthz").status_code == 200  # listening when READY arrives
        assert receiver.recv(4096) == b"STOPPING=1"


def test_clients_vanishing_mid_stream_do_not_hurt_others(indexed) -> None:
    with indexed.serve() as server:
        opened = httpx2.post(server.url, json=INITIALIZE, headers=HEADERS)
        session = opened.headers["mcp-session-id"]
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "search_code", "arguments": {"pattern": "e", "limit": 500, "context": 20}},
            }
        ).encode()
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", server.port)) as raw:
                raw.sendall(
                    f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Accept: application/json, text/event-stream\r\nmcp-session-id: {session}\r\n"
                    f"mcp-protocol-version: 2025-11-25\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                raw.recv(64)  # the status line has started: go away mid-stream
            with socket.create_connection(("127.0.0.1", server.port)) as raw:  # and one that never finishes
                raw.sendall(b'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"jsonrpc')
        listed = httpx2.post(
            server.url,
            json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
            headers={**HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25"},
        )
        assert listed.status_code == 200 and "search_code" in listed.text
        assert httpx2.get(f"{server.base}/readyz").status_code == 200


@pytest.mark.skipif(
    shutil.which("openssl") is None and os.environ.get("CI") != "true",
    reason="openssl is needed to make a test certificate",
)
def test_tls(indexed, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with indexed.serve("--certfile", str(cert), "--keyfile", str(key), scheme="https") as server:
        trusted = ssl.create_default_context(cafile=str(cert))
        answer = httpx2.post(server.url, json=INITIALIZE, headers=HEADERS, verify=trusted)
        assert answer.status_code == 200 and "serverInfo" in answer.text
        with pytest.raises(httpx2.TransportError):
            httpx2.get(f"http://127.0.0.1:{server.port}/healthz")
    missing = indexed.run("serve", "--certfile", str(cert))
    assert missing.returncode == 1 and "--certfile needs --keyfile" in missing.stderr
