"""Bind addresses, the refusal to expose an unauthenticated index, and the Host/Origin allow-list."""

from __future__ import annotations

import pytest

from appliance.errors import UsageError
from appliance.server.config import ServerConfig, check_exposure, is_loopback, parse_bind, transport_security


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:9000", ("0.0.0.0", 9000)),
        ("[::1]:8080", ("::1", 8080)),
        (":8081", ("127.0.0.1", 8081)),
        ("localhost:80", ("localhost", 80)),
    ],
)
def test_parse_bind(bind: str, expected: tuple[str, int]) -> None:
    assert parse_bind(bind) == expected


@pytest.mark.parametrize("bind", ["8080", "host:", "host:http", "host:70000", ""])
def test_parse_bind_refuses_nonsense(bind: str) -> None:
    with pytest.raises(UsageError, match="expected HOST:PORT"):
        parse_bind(bind)


def test_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com", "192.168.1.1"))


def test_listening_beyond_loopback_needs_tokens_or_an_explicit_opt_out() -> None:
    exposed = ServerConfig(data_dir="/d", host="0.0.0.0")
    with pytest.raises(UsageError, match=r"refusing to listen on 0\.0\.0\.0:8080 without authentication"):
        check_exposure(exposed, has_tokens=False)
    check_exposure(exposed, has_tokens=True)
    check_exposure(ServerConfig(data_dir="/d", host="0.0.0.0", insecure_no_auth=True), has_tokens=False)
    check_exposure(ServerConfig(data_dir="/d", host="127.0.0.1"), has_tokens=False)


def test_allowed_hosts_default_to_loopback_and_the_bind_address() -> None:
    local = transport_security(ServerConfig(data_dir="/d"))
    assert local.enable_dns_rebinding_protection
    assert {"localhost", "localhost:*", "127.0.0.1:*", "[::1]:*"} <= set(local.allowed_hosts)
    assert "http://localhost:*" in local.allowed_origins and "https://127.0.0.1:*" in local.allowed_origins
    specific = transport_security(
        ServerConfig(data_dir="/d", host="10.1.2.3", allowed_hosts=("code.example",))
    )
    assert {"10.1.2.3:*", "code.example", "code.example:*"} <= set(specific.allowed_hosts)
    assert "0.0.0.0:*" not in transport_security(ServerConfig(data_dir="/d", host="0.0.0.0")).allowed_hosts
    assert not transport_security(
        ServerConfig(data_dir="/d", allowed_hosts=("*",))
    ).enable_dns_rebinding_protection


def test_config_survives_the_trip_to_a_worker() -> None:
    config = ServerConfig(
        data_dir="/d",
        host="::",
        port=1,
        workers=3,
        allowed_hosts=("a",),
        repos=(("n", "/r"),),
        plugin_roots=("/p",),
    )
    assert ServerConfig.from_json(config.to_json()) == config
    assert config.url == "http://[::]:1/mcp"
