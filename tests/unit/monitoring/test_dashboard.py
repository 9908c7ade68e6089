"""monitoring/grafana/: provisioning and the dashboard, whose every query promtool parses.

Grafana itself is not installable here; a later test runs the same queries against a live
Prometheus scraping a live appliance.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

GRAFANA = Path(__file__).resolve().parents[3] / "monitoring" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "appliance.json"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "appliance.yml"
INSTALLED_MONITORING = "/etc/appliance/monitoring"  # where the image installs monitoring/

DATASOURCE_UID = "appliance-prometheus"
PANEL_TYPES = {"row", "timeseries", "stat"}
# Grafana's built-in variables the dashboard may use, with stand-ins that make plain PromQL.
GRAFANA_VARIABLES = {"$__rate_interval": "20s", "$__interval": "5s", "$__range": "1h"}


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those in collapsed rows included."""
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every query of the dashboard, Grafana's variables replaced."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            yield f"panel {panel['id']} {panel['title']!r} query {target['refId']}", expr


def test_dashboard_is_provisionable(dashboard: dict[str, Any]) -> None:
    assert dashboard["uid"] and dashboard["title"]
    assert 36 <= dashboard["schemaVersion"] <= 41
    assert dashboard["templating"]["list"] == [], "no variables: the live test runs the queries as they are"
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_panels_do_not_overlap(dashboard: dict[str, Any]) -> None:
    taken: dict[tuple[int, int], str] = {}
    for panel in panels(dashboard):
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        for cell in (
            (x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])
        ):
            assert cell not in taken, f"{panel['title']!r} overlaps {taken[cell]!r}"
            taken[cell] = panel["title"]


def test_every_panel_queries_the_provisioned_datasource(dashboard: dict[str, Any]) -> None:
    datasource = {"type": "prometheus", "uid": DATASOURCE_UID}
    for panel in panels(dashboard):
        assert panel["type"] in PANEL_TYPES, panel["title"]
        if panel["type"] == "row":
            assert "targets" not in panel, panel["title"]
            continue
        assert panel["datasource"] == datasource, panel["title"]
        assert panel["targets"], f"{panel['title']!r} has no query"
        for target in panel["targets"]:
            assert target["datasource"] == datasource, f"{panel['title']!r} {target['refId']}"
            assert target["expr"].strip(), f"{panel['title']!r} {target['refId']}"


def test_datasource_is_the_local_prometheus_with_the_fixed_uid() -> None:
    (datasource,) = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))["datasources"]
    assert datasource["uid"] == DATASOURCE_UID
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://127.0.0.1:9090"


def test_provider_loads_the_installed_dashboards_folder() -> None:
    (provider,) = yaml.safe_load(PROVIDERS.read_text(encoding="utf-8"))["providers"]
    assert provider["type"] == "file"
    path = provider["options"]["path"]
    assert path.startswith(INSTALLED_MONITORING + "/")
    in_repo = GRAFANA.parent / path.removeprefix(INSTALLED_MONITORING + "/")
    assert in_repo == DASHBOARD.parent
    assert sorted(in_repo.glob("*.json")) == [DASHBOARD]


def test_every_metric_family_has_a_panel(
    dashboard: dict[str, Any], metric_families: dict[str, frozenset[str]], names_in: Callable[[str], set[str]]
) -> None:
    shown = set().union(*(names_in(expr) for _, expr in queries(dashboard)))
    missing = sorted(family for family, series in metric_families.items() if not series & shown)
    assert missing == []


def test_queries_read_only_metrics_that_exist(
    dashboard: dict[str, Any], known_series: frozenset[str], names_in: Callable[[str], set[str]]
) -> None:
    unknown = {where: names_in(expr) - known_series for where, expr in queries(dashboard)}
    assert {where: names for where, names in unknown.items() if names} == {}


def test_queries_use_no_other_grafana_variables(dashboard: dict[str, Any]) -> None:
    assert [where for where, expr in queries(dashboard) if "$" in expr] == []


def test_every_query_parses(promtool: Any, dashboard: dict[str, Any], tmp_path: Path) -> None:
    """promtool parses each query as the expression of a recording rule: the real PromQL parser."""
    found = list(queries(dashboard))
    rules = [
        {"record": f"dashboard:query_{i}", "expr": expr, "labels": {"where": where}}
        for i, (where, expr) in enumerate(found)
    ]
    rules_file = tmp_path / "dashboard-queries.yml"
    rules_file.write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8"
    )
    result = promtool.run("check", "rules", rules_file)
    output = result.stdout + result.stderr
    # promtool names a failing rule by its record name: point at the panel too.
    for index in sorted({int(i) for i in re.findall(r"dashboard:query_(\d+)", output)}):
        output += f"\ndashboard:query_{index} is {found[index][0]}: {found[index][1]}"
    assert result.returncode == 0, output
    assert f"SUCCESS: {len(rules)} rules found" in output
