"""monitoring/prometheus/: the config, the rules and the rule unit tests, checked by the real promtool."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from appliance import metrics

PROMETHEUS = Path(__file__).resolve().parents[3] / "monitoring" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.yml"))


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def seconds(duration: str) -> int:
    """Seconds in a Prometheus duration such as `90s`, `10m` or `1h30m`."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|[smhdwy])", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration!r}"
    return int(sum(int(n) * units[u] for n, u in parts))


def alerts(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rules if "alert" in r]


def test_config_is_valid(promtool: Any) -> None:
    result = promtool.run("check", "config", CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    # check config also checks the rule files it finds: all of them, through the relative glob.
    assert f"{len(RULE_FILES)} rule files found" in result.stdout + result.stderr


def test_config_scrapes_every_process_on_its_port() -> None:
    jobs = {job["job_name"]: job for job in load(CONFIG)["scrape_configs"]}
    expected = {
        "appliance-server": f"127.0.0.1:{metrics.SERVER_PORT}",
        "appliance-indexer": f"127.0.0.1:{metrics.INDEXER_METRICS_PORT}",
        "appliance-supervisor": f"127.0.0.1:{metrics.SUPERVISOR_METRICS_PORT}",
        "prometheus": "127.0.0.1:9090",
        "alertmanager": "127.0.0.1:9093",
    }
    targets = {name: [t for sc in job["static_configs"] for t in sc["targets"]] for name, job in jobs.items()}
    assert targets == {name: [target] for name, target in expected.items()}
    assert all(job.get("metrics_path", "/metrics") == "/metrics" for job in jobs.values())


def test_config_loads_the_rules_and_alerts_the_local_alertmanager() -> None:
    config = load(CONFIG)
    assert config["rule_files"] == ["rules/*.yml"]
    alertmanagers = config["alerting"]["alertmanagers"]
    targets = [t for am in alertmanagers for sc in am["static_configs"] for t in sc["targets"]]
    assert targets == ["127.0.0.1:9093"]


def test_rule_files_are_valid(promtool: Any) -> None:
    assert RULE_FILES
    result = promtool.run("check", "rules", *RULE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: p.name)
def test_rule_unit_tests_pass(promtool: Any, test_file: Path) -> None:
    result = promtool.run("test", "rules", test_file)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_file_has_a_test_file() -> None:
    tested = {
        (test_file.parent / rule_file).resolve()
        for test_file in TEST_FILES
        for rule_file in load(test_file)["rule_files"]
    }
    assert tested == {path.resolve() for path in RULE_FILES}


def test_every_alert_has_a_firing_and_a_healthy_case(rules: list[dict[str, Any]]) -> None:
    """Each alert fires in some test case, and has a healthy case: a test case (one set of input
    series) where it never fires, checked after its `for:` has passed, so that "not firing yet"
    or "resolved again" in a firing case does not count as healthy."""
    fires: set[str] = set()
    healthy: set[str] = set()
    for_seconds = {a["alert"]: seconds(a["for"]) for a in alerts(rules)}
    for test_file in TEST_FILES:
        for case in load(test_file)["tests"]:
            checks = case.get("alert_rule_test", [])
            firing_here = {c["alertname"] for c in checks if c.get("exp_alerts")}
            fires |= firing_here
            healthy |= {
                c["alertname"]
                for c in checks
                if c["alertname"] not in firing_here
                and seconds(c["eval_time"]) > for_seconds.get(c["alertname"], 0)
            }
    assert set(for_seconds) - fires == set(), "alerts without a test case where they fire"
    assert set(for_seconds) - healthy == set(), "alerts without a healthy test case"


def test_alerts_are_well_formed(rules: list[dict[str, Any]]) -> None:
    names = [a["alert"] for a in alerts(rules)]
    assert len(names) == len(set(names)), "alert names must be unique"
    for alert in alerts(rules):
        where = f"{alert['file']}: {alert['alert']}"
        seconds(alert["for"])  # present and a duration, even when 0m: a choice, not an omission
        assert alert["labels"]["severity"] in ("warning", "critical"), where
        annotations = alert["annotations"]
        assert set(annotations) >= {"summary", "description"}, where
        assert "$labels." in annotations["summary"] + annotations["description"], where


def test_rules_read_only_metrics_that_exist(
    rules: list[dict[str, Any]], known_series: frozenset[str], names_in: Callable[[str], set[str]]
) -> None:
    """A typo in a metric name still parses, and an alert on it never fires: compare with metrics.py."""
    unknown = {r.get("alert") or r["record"]: names_in(r["expr"]) - known_series for r in rules}
    assert {name: names for name, names in unknown.items() if names} == {}


def test_recording_rules_follow_the_naming_convention(rules: list[dict[str, Any]]) -> None:
    """level:metric:operations (prometheus.io/docs/practices/rules), the metric without `_total`."""
    for rule in rules:
        if "record" in rule:
            level, metric, operations = rule["record"].split(":")
            assert level and operations and metric.startswith("appliance_"), rule["record"]
            assert not metric.endswith("_total"), rule["record"]
