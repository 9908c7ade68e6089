"""MCP from the host, as an agent reaches the container: the SDK's Streamable HTTP client against the
published port 8080, with the token the container generated; the mounted repository is searchable,
and a file written on the host becomes searchable too (the watcher sees the bind mount)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import anyio
import pytest
from container_helpers import Appliance, call_tool, wait_for

pytestmark = pytest.mark.docker


def call(appliance: Appliance, tool: str, **arguments: Any) -> dict[str, Any]:
    return anyio.run(call_tool, appliance.mcp_url(), appliance.token(), tool, arguments)


def test_search_code_finds_the_mounted_repository(appliance: Appliance) -> None:
    found = call(appliance, "search_code", pattern="renderReport")
    assert {(m["repo"], m["path"]) for m in found["matches"]} == {("repos", "cmd/main.go")}
    assert found["total"] == 2  # the definition and the call


def test_find_symbol_across_languages(appliance: Appliance) -> None:
    for name, path in [
        ("InvoiceService", "app/service.py"),
        ("checksum_block", "src/lib.rs"),
        ("addToCart", "web/cart.js"),
        ("renderReport", "cmd/main.go"),
    ]:
        symbols = call(appliance, "find_symbol", name=name)["symbols"]
        assert [s["path"] for s in symbols] == [path], name


def test_a_file_written_on_the_host_becomes_searchable(appliance: Appliance) -> None:
    path = appliance.repo / "app" / "late_arrival.py"
    path.write_text("def reconcile_ledger():\n    return 42\n")
    path.chmod(0o644)

    def found() -> bool:
        return call(appliance, "search_code", pattern="reconcile_ledger")["total"] == 1

    wait_for("a new file on the host is searchable through MCP", found, timeout=30)


def test_mcp_needs_the_token(appliance: Appliance) -> None:
    request = urllib.request.Request(
        appliance.mcp_url(),
        method="POST",
        data=b"{}",
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    with refused.value:  # close the connection it holds
        assert refused.value.code == 401


def test_health_endpoints_are_published(appliance: Appliance) -> None:
    assert appliance.http(8080, "/healthz")[0] == 200
    status, body = appliance.http(8080, "/readyz")
    assert status == 200, body
    assert json.loads(body)["status"] == "ready"
