"""DNS-rebinding protection on /mcp: a foreign Host or Origin is refused before any session exists."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio

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
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"Host": "evil.example.com"}, 421),
        ({"Host": "evil.example.com:8080"}, 421),
        ({"Origin": "http://evil.example.com"}, 403),
        ({"Origin": "http://localhost.evil.example.com:8080"}, 403),
        ({"Host": "localhost:8080", "Origin": "http://localhost:8080"}, 200),
        ({"Host": "127.0.0.1", "Origin": "http://127.0.0.1"}, 200),
    ],
)
async def test_host_and_origin_are_checked(served, http_client, extra: dict[str, str], status: int) -> None:
    async with http_client(served.app()) as http:
        response = await http.post("/mcp", json=INITIALIZE, headers={**HEADERS, **extra})
        assert response.status_code == status, response.text
    assert served.sample("appliance_mcp_sessions_open") == 0


async def test_allowed_host_option_extends_the_list(served, http_client) -> None:
    app = served.app(allowed_hosts=("code.example",))
    async with http_client(app) as http:
        headers = {**HEADERS, "Host": "code.example:8080", "Origin": "https://code.example:8080"}
        assert (await http.post("/mcp", json=INITIALIZE, headers=headers)).status_code == 200
        headers = {**HEADERS, "Host": "other.example:8080"}
        assert (await http.post("/mcp", json=INITIALIZE, headers=headers)).status_code == 421
