"""Bearer tokens: the file format, the constant-time match, the 401, and scopes through the protocol."""

from __future__ import annotations

import pytest
from mcp.shared.exceptions import MCPError

from appliance.errors import ConfigError
from appliance.server.auth import ADMIN, READ, caller_scopes, load_tokens, match_token, parse_tokens

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
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def test_tokens_file_format(tmp_path) -> None:
    tokens = parse_tokens("# comment\n\nAAAAAAAAAAAAAAAAAAAA read\nBBBBBBBBBBBBBBBBBBBB admin # ops\n", "f")
    assert [t.scopes for t in tokens] == [(READ,), (READ, ADMIN)]
    assert all(t.principal.startswith("token-") and "AAAA" not in t.principal for t in tokens)
    with pytest.raises(ConfigError, match=r"^f:2: expected `TOKEN read` or `TOKEN admin`"):
        parse_tokens("AAAAAAAAAAAAAAAAAAAA read\nBBBBBBBBBBBBBBBBBBBB root\n", "f")
    with pytest.raises(ConfigError, match=r"f:1: token shorter than 16"):
        parse_tokens("short read\n", "f")
    with pytest.raises(ConfigError, match="no tokens"):
        (tmp_path / "empty").write_text("# nothing\n")
        load_tokens(tmp_path / "empty")
    with pytest.raises(ConfigError, match="cannot read the tokens file"):
        load_tokens(tmp_path / "missing")


def test_match_token_finds_the_presented_one_only() -> None:
    tokens = parse_tokens("AAAAAAAAAAAAAAAAAAAA read\nBBBBBBBBBBBBBBBBBBBB admin\n", "f")
    assert match_token(tokens, "BBBBBBBBBBBBBBBBBBBB") is tokens[1]
    assert match_token(tokens, "AAAAAAAAAAAAAAAAAAAA") is tokens[0]
    for wrong in ("", "AAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaaaaaaa", "\udcff"):
        assert match_token(tokens, wrong) is None


def test_caller_scopes_without_auth_or_request_is_everything() -> None:
    assert caller_scopes(None, auth_enabled=True) == (READ, ADMIN)  # stdio
    assert caller_scopes(object(), auth_enabled=False) == (READ, ADMIN)  # loopback, no tokens

    class Anonymous:
        def __init__(self) -> None:
            self.scope: dict[str, object] = {}

    assert caller_scopes(Anonymous(), auth_enabled=True) == ()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-0123456789", "Basic dXNlcjpwYXNz", "Bearer"]
)
async def test_mcp_without_a_valid_token_is_401(served, tokens, http_client, authorization) -> None:
    headers = dict(MCP_HEADERS)
    if authorization:
        headers["Authorization"] = authorization
    async with http_client(served.app(tokens)) as http:
        response = await http.post("/mcp", json=INITIALIZE, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"] == "unauthorized"
        if authorization and authorization.startswith("Bearer w"):
            assert 'error="invalid_token"' in response.headers["www-authenticate"]
        for open_path in ("/healthz", "/readyz", "/metrics"):
            assert (await http.get(open_path)).status_code == 200, open_path
    assert (
        served.sample("appliance_http_requests_total", {"method": "POST", "route": "/mcp", "status": "401"})
        == 1
    )


@pytest.mark.anyio
async def test_read_scope_reads_but_cannot_reindex(served, tokens, token_values, connect) -> None:
    async with connect(served.app(tokens), token=token_values["read"]) as client:
        assert not (await client.call_tool("list_repos", {})).is_error
        result = await client.call_tool("reindex", {})
        assert result.is_error
        assert "admin scope" in result.content[0].text  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_admin_scope_may_reindex(served, tokens, token_values, connect) -> None:
    async with connect(served.app(tokens), token=token_values["admin"]) as client:
        result = await client.call_tool("reindex", {})
    # This server only reads the index: the admin gets past the scope check to the explanation.
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "admin scope" not in text and "separate indexer process" in text


@pytest.mark.anyio
async def test_a_session_belongs_to_the_token_that_opened_it(
    served, tokens, token_values, http_client
) -> None:
    app = served.app(tokens)
    admin = {**MCP_HEADERS, "Authorization": f"Bearer {token_values['admin']}"}
    async with http_client(app) as http:
        opened = await http.post("/mcp", json=INITIALIZE, headers=admin)
        assert opened.status_code == 200
        session = opened.headers["mcp-session-id"]
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        reader = {**MCP_HEADERS, "Authorization": f"Bearer {token_values['read']}", "mcp-session-id": session}
        assert (await http.post("/mcp", json=ping, headers=reader)).status_code == 404
        assert (await http.delete("/mcp", headers={**admin, "mcp-session-id": session})).status_code == 200


@pytest.mark.anyio
async def test_a_read_token_reads_resources_and_traversal_is_still_refused(
    served, tokens, token_values, connect
) -> None:
    async with connect(served.app(tokens), token=token_values["read"]) as client:
        contents = (await client.read_resource("repo://repo/docs/README.txt")).contents
        assert contents[0].text.startswith("Hello World")  # type: ignore[union-attr]
        with pytest.raises(MCPError):
            await client.read_resource("repo://repo/../secret")
