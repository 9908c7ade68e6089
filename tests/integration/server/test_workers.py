"""`appliance serve --workers 2`: both workers serve one port, statelessly (the kernel spreads
connections over the workers, so no request may depend on a session another worker holds), and
/metrics, answered by either, shows the counters of both with process figures summed."""

from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
CALLS = 30


def samples(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx2.get(f"{base}/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_clients_work_and_metrics_add_up_over_workers(indexed, tmp_path) -> None:
    with indexed.serve("--workers", "2", "--metrics-dir", str(tmp_path / "metrics")) as server:
        for _ in range(CALLS):  # a client each: new connections, spread over both workers
            async with Client(server.url, mode="legacy") as client:
                result = await client.call_tool("find_symbol", {"name": "get_user"})
                assert not result.is_error and result.structured_content["total"] == 1  # type: ignore[index]
        stray = httpx2.post(
            server.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=HEADERS
        )
        assert stray.status_code == 200 and "mcp-session-id" not in stray.headers  # stateless
        totals, pids = [], set()
        for _ in range(6):  # whichever worker answers, the totals are the same
            scraped = samples(server.base)
            totals.append(
                scraped[("appliance_tool_calls_total", (("outcome", "ok"), ("tool", "find_symbol")))]
            )
            pids |= {dict(labels).get("pid") for name, labels in scraped if name == "appliance_plugins"}
        assert totals == [float(CALLS)] * 6
        assert len(pids - {None}) == 2  # both workers served and wrote metrics
        assert scraped[("appliance_mcp_sessions_open", ())] == 0
        assert scraped[("appliance_process_resident_memory_bytes", ())] > 20e6
        assert any(name == "appliance_build_info" for name, _ in scraped)
        assert scraped[("appliance_http_request_duration_seconds_count", (("route", "/mcp"),))] >= CALLS


def test_several_workers_do_not_index(indexed) -> None:
    refused = indexed.run("serve", "--workers", "2", str(indexed.repo))
    assert refused.returncode == 1 and "appliance watch" in refused.stderr
