"""The Streamable HTTP transport under bad or unusual input: malformed JSON-RPC, oversized bodies,
wrong headers, unknown and ended sessions, the GET stream. Each gets a 4xx answer and the server
goes on serving."""

from __future__ import annotations

import json

import anyio
import pytest

pytestmark = pytest.mark.anyio

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


def sse_messages(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:") and line[5:].strip()
    ]


async def open_session(http) -> dict[str, str]:  # type: ignore[no-untyped-def]
    opened = await http.post("/mcp", json=INITIALIZE, headers=HEADERS)
    assert opened.status_code == 200
    session = {
        **HEADERS,
        "mcp-session-id": opened.headers["mcp-session-id"],
        "mcp-protocol-version": "2025-11-25",
    }
    notified = await http.post(
        "/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session
    )
    assert notified.status_code == 202
    return session


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", HEADERS, 400),
        (b"[]", HEADERS, 400),
        (b'{"jsonrpc": "1.0", "id": 1, "method": "ping"}', HEADERS, 400),
        (b'"just a string"', HEADERS, 400),
        (json.dumps(INITIALIZE).encode(), {**HEADERS, "Content-Type": "text/plain"}, 400),
        (json.dumps(INITIALIZE).encode(), {**HEADERS, "Accept": "text/html"}, 406),
        (b"x" * (5 << 20), HEADERS, 413),
    ],
)
async def test_malformed_requests_are_refused(
    served, http_client, body: bytes, headers: dict, status: int
) -> None:  # type: ignore[type-arg]
    async with http_client(served.app()) as http:
        response = await http.post("/mcp", content=body, headers=headers)
        assert response.status_code == status, response.text
        assert (await http.post("/mcp", json=INITIALIZE, headers=HEADERS)).status_code == 200


async def test_sessions_end_with_delete_and_unknown_ones_are_404(served, http_client) -> None:
    async with http_client(served.app()) as http:
        session = await open_session(http)
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        answered = await http.post("/mcp", json=ping, headers=session)
        assert answered.status_code == 200 and sse_messages(answered.text)[-1]["result"] == {}
        assert served.sample("appliance_mcp_sessions_open") == 1
        assert (await http.delete("/mcp", headers=session)).status_code == 200
        assert (await http.post("/mcp", json=ping, headers=session)).status_code == 404
        with anyio.fail_after(5):  # the session's task winds down just after the DELETE is answered
            while served.sample("appliance_mcp_sessions_open") != 0:
                await anyio.sleep(0.01)
        made_up = {**session, "mcp-session-id": "0" * 32}
        assert (await http.post("/mcp", json=ping, headers=made_up)).status_code == 404


async def test_requests_in_a_session_need_a_supported_protocol_version(served, http_client) -> None:
    async with http_client(served.app()) as http:
        session = await open_session(http)
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        response = await http.post(
            "/mcp", json=ping, headers={**session, "mcp-protocol-version": "1999-01-01"}
        )
        assert response.status_code == 400
        tools = {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}
        answered = await http.post("/mcp", json=tools, headers=session)
        assert len(sse_messages(answered.text)[-1]["result"]["tools"]) == 9


async def test_unknown_methods_and_bad_params_are_json_rpc_errors(served, http_client) -> None:
    async with http_client(served.app()) as http:
        session = await open_session(http)
        for message, code in (
            ({"jsonrpc": "2.0", "id": 2, "method": "no/such/method"}, -32601),
            ({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"arguments": {}}}, -32602),
            ({"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": 7}}, -32602),
        ):
            response = await http.post("/mcp", json=message, headers=session)
            assert response.status_code == 200
            assert sse_messages(response.text)[-1]["error"]["code"] == code, message


async def test_post_streams_are_resumable(served, http_client) -> None:
    async with http_client(served.app()) as http:
        session = await open_session(http)
        answered = await http.post(
            "/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "ping"}, headers=session
        )
        events = [line for line in answered.text.splitlines() if line.startswith(("id:", "retry:"))]
        assert events[0].startswith("id:") and "retry: 1000" in answered.text  # priming event first
