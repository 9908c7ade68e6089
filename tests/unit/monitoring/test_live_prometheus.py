"""The real Prometheus, on prometheus.yml and the rules, scraping stand-ins for the appliance processes.

Each stand-in serves a `Metrics(CollectorRegistry())` with every family in use, under the job name of
the process it stands for. Every dashboard query must then return data, and every rule must evaluate
without error and without firing. This catches what parsing cannot: a selector on a job or label
that does not exist, a ratio that is empty while healthy. (A later test does the same against the
real appliance.)
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, start_http_server

from appliance.metrics import Metrics

PROMETHEUS_DIR = Path(__file__).resolve().parents[3] / "monitoring" / "prometheus"
DASHBOARD = PROMETHEUS_DIR.parent / "grafana" / "dashboards" / "appliance.json"
GRAFANA_VARIABLES = {"$__rate_interval": "10s", "$__interval": "1s", "$__range": "1h"}
APPLIANCE_JOBS = ("appliance-server", "appliance-indexer", "appliance-supervisor")
DEADLINE = 60.0

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def exercise(job: str, m: Metrics) -> None:
    """One second of work of the process behind `job`: every family it owns moves."""
    if job == "appliance-server":
        for tool in ("search", "outline"):
            m.tool_calls.labels(tool, "ok").inc(5)
            m.tool_calls.labels(tool, "error").inc(0)
            m.tool_duration.labels(tool).observe(0.004)
        m.http_requests.labels("POST", "/mcp", "200").inc(10)
        m.http_duration.labels("/mcp").observe(0.01)
        m.sessions_open.set(2)
        for kind in ("literal", "symbol"):
            m.search_queries.labels(kind).inc(3)
            m.search_results.labels(kind).inc(30)
            m.search_duration.labels(kind).observe(0.003)
            m.search_truncated.labels(kind, "limit").inc(0)
        m.cache_hits.labels("content").inc(8)
        m.cache_misses.labels("content").inc(2)
        m.cache_evictions.labels("content").inc(1)
    if job in ("appliance-server", "appliance-indexer"):
        m.plugins.labels("active").set(10)
        m.plugin_load_duration.observe(0.2)
        m.plugin_reloads.labels("ok").inc()
        m.plugin_errors.labels("python", "load").inc(0)
    if job == "appliance-indexer":
        m.index_files.labels("python").inc(20)
        m.index_skipped.labels("binary").inc()
        m.index_symbols.labels("python").inc(300)
        m.index_bytes.inc(100_000)
        m.index_batch_duration.observe(0.3)
        m.index_queue_depth.set(25)
        m.index_lag.set(1.5)
        m.index_last_success.set(time.time())
        m.index_map_used.set(300 << 20)
        m.index_map_size.set(1 << 30)
        m.watcher_up.set(1)
        m.watcher_events.inc(4)
        m.watcher_rescans.inc()
    if job == "appliance-supervisor":
        for unit in ("appliance-server", "appliance-indexer"):
            m.unit_up.labels(unit).set(1)
            m.unit_restarts.labels(unit).inc(0)


@pytest.fixture(scope="module")
def stand_ins() -> Iterator[dict[str, int]]:
    """The three appliance processes, each on a free port, working until the module ends."""
    processes, servers = {}, []
    for job in APPLIANCE_JOBS:
        registry = CollectorRegistry()
        port = free_port()
        server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
        servers.append((server, thread))
        processes[job] = (port, Metrics(registry))
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            for job, (_, metrics) in processes.items():
                exercise(job, metrics)
            stop.wait(1.0)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    yield {job: port for job, (port, _) in processes.items()}
    stop.set()
    worker.join()
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join()


def local_config(ports: dict[str, int], rules_dir: Path) -> dict[str, Any]:
    """prometheus.yml with its targets moved to `ports` and every interval at 1s."""
    config: dict[str, Any] = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(rules_dir / Path(pattern).name) for pattern in config["rule_files"]]
    for alertmanager in config["alerting"]["alertmanagers"]:
        alertmanager["static_configs"] = [{"targets": [f"127.0.0.1:{ports['alertmanager']}"]}]
    for job in config["scrape_configs"]:
        job["scrape_interval"] = "1s"
        job["static_configs"] = [{"targets": [f"127.0.0.1:{ports[job['job_name']]}"]}]
    return config


@pytest.fixture(scope="module")
def prometheus(
    prometheus_server: Any, stand_ins: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A running Prometheus on the appliance's config and rules; yields its base URL."""
    binary = prometheus_server.path
    tmp = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    # Alertmanager is not started: its job stays down and its address answers nothing.
    ports = {**stand_ins, "prometheus": port, "alertmanager": free_port()}
    config = tmp / "prometheus.yml"
    config.write_text(yaml.safe_dump(local_config(ports, PROMETHEUS_DIR / "rules")), encoding="utf-8")
    argv = [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'data'}"]
    argv.append(f"--web.listen-address=127.0.0.1:{port}")
    with (tmp / "prometheus.log").open("w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            poll(lambda: get(url + "/-/ready") is not None, "Prometheus ready", tmp / "prometheus.log")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: bytes = response.read()
            return body
    except OSError:
        return None


def api(base: str, path: str, **params: str) -> Any:
    body = get(f"{base}/api/v1/{path}?{urllib.parse.urlencode(params)}")
    assert body is not None, path
    answer = json.loads(body)
    assert answer["status"] == "success", answer
    return answer["data"]


def poll(ready: Callable[[], bool], what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ready():
        if time.monotonic() > deadline:
            tail = log.read_text()[-2000:] if log else ""
            pytest.fail(f"no {what} within {DEADLINE:.0f}s\n{tail}")
        time.sleep(0.25)


def dashboard_queries() -> list[tuple[str, str]]:
    found = []
    for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            found.append((f"{panel['title']} {target['refId']}", expr))
    return found


def test_every_dashboard_query_returns_data(prometheus: str) -> None:
    """Polled: rates need a few scrapes. On a timeout the message lists the queries still empty."""
    queries = dashboard_queries()
    empty: list[str] = []

    def all_answer() -> bool:
        empty[:] = [where for where, expr in queries if not api(prometheus, "query", query=expr)["result"]]
        return not empty

    deadline = time.monotonic() + DEADLINE
    while not all_answer() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert empty == []


def test_every_rule_evaluates_and_none_fires_while_healthy(prometheus: str) -> None:
    rule_files = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
    names = {
        rule.get("alert") or rule["record"]
        for path in rule_files
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    }

    def evaluations() -> dict[str, dict[str, Any]]:
        return {rule["name"]: rule for group in api(prometheus, "rules")["groups"] for rule in group["rules"]}

    assert set(evaluations()) == names
    # Judge the rules on data: once each appliance job has been scraped 3 times, wait for every
    # rule to be evaluated once more (before the first scrape, absent() rightly sees nothing).
    scraped = 'count_over_time(up{job=~"appliance-.*"}[1m]) >= 3'
    poll(lambda: len(api(prometheus, "query", query=scraped)["result"]) == 3, "3 scrapes of every job")
    before = {name: rule["lastEvaluation"] for name, rule in evaluations().items()}
    poll(
        lambda: all(rule["lastEvaluation"] != before[name] for name, rule in evaluations().items()),
        "a new evaluation of every rule",
    )
    rules = evaluations()
    assert {name: rule["lastError"] for name, rule in rules.items() if rule["health"] != "ok"} == {}
    active = {
        (a["labels"]["alertname"], a["labels"].get("job", "")) for a in api(prometheus, "alerts")["alerts"]
    }
    # Alertmanager is not running here: its scrape fails, and that alert may be pending.
    assert active <= {("MonitoringTargetDown", "alertmanager")}
