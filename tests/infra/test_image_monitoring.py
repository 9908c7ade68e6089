"""Monitoring inside the image: Prometheus scrapes every process, loads the rules, and knows its
Alertmanager; Alertmanager is ready."""

from __future__ import annotations

import json
from typing import Any

import pytest
from container_helpers import Appliance, wait_for

pytestmark = pytest.mark.docker

JOBS = {"appliance-server", "appliance-indexer", "appliance-supervisor", "prometheus", "alertmanager"}


def prometheus_api(appliance: Appliance, path: str) -> Any:
    status, body = appliance.http(9090, f"/api/v1/{path}")
    assert status == 200, body
    return json.loads(body)["data"]


def test_every_target_is_up(appliance: Appliance) -> None:
    def health() -> dict[str, str]:
        targets = prometheus_api(appliance, "targets?state=active")["activeTargets"]
        return {t["labels"]["job"]: t["health"] for t in targets}

    def all_up() -> bool:
        return health() == dict.fromkeys(JOBS, "up")

    try:
        wait_for("every Prometheus target up", all_up, timeout=90, interval=1)
    except AssertionError:
        pytest.fail(f"targets: {health()}")


def test_rules_are_loaded(appliance: Appliance) -> None:
    groups = prometheus_api(appliance, "rules")["groups"]
    alerts = {rule["name"] for group in groups for rule in group["rules"] if rule["type"] == "alerting"}
    assert {"ApplianceUnitDown", "ApplianceTargetDown", "ApplianceIndexingStalled"} <= alerts
    assert all(rule["health"] == "ok" for group in groups for rule in group["rules"])


def test_alertmanager_is_ready_and_known_to_prometheus(appliance: Appliance) -> None:
    assert appliance.http_inside("http://127.0.0.1:9093/-/ready")[0] == 200
    status, body = appliance.http_inside("http://127.0.0.1:9093/api/v2/status")
    assert status == 200 and json.loads(body)["cluster"]["status"] in ("disabled", "ready")
    active = prometheus_api(appliance, "alertmanagers")["activeAlertmanagers"]
    assert [a["url"] for a in active] == ["http://127.0.0.1:9093/api/v2/alerts"]
