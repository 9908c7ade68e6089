"""Fixtures for the monitoring/ tests: the real tools, the appliance's metrics and the rules.

promtool and the prometheus server come with Debian's `prometheus` package, amtool with
`prometheus-alertmanager`. Without them a test skips, except under CI=true, where a missing tool
fails the test: CI installs both packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from appliance.metrics import Metrics

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
RULES_DIR = MONITORING / "prometheus" / "rules"

APT_PACKAGES = {"promtool": "prometheus", "amtool": "prometheus-alertmanager", "prometheus": "prometheus"}


@dataclass(frozen=True)
class Tool:
    path: str

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        """Run the tool to completion with its output captured; the caller checks returncode."""
        argv = [self.path, *map(str, args)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def find_tool(name: str) -> Tool:
    """The installed tool; skip without it, or fail under CI=true, where it must be installed."""
    path = shutil.which(name)
    if path is not None:
        return Tool(path)
    message = f"{name} is not installed (apt-get install {APT_PACKAGES[name]})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}, and CI=true requires it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def promtool() -> Tool:
    return find_tool("promtool")


@pytest.fixture(scope="session")
def amtool() -> Tool:
    return find_tool("amtool")


@pytest.fixture(scope="session")
def prometheus_server() -> Tool:
    """The Prometheus server binary itself."""
    return find_tool("prometheus")


# The series a family of each type exports, by suffix (`_created` left out: nothing queries it).
SERIES_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "info": ("_info",),
}


@pytest.fixture(scope="session")
def metric_families() -> dict[str, frozenset[str]]:
    """Every metric family defined in appliance/metrics.py, mapped to the series names it exports.

    Read from a fresh registry, as Prometheus would scrape it: `collect()` names a counter without
    its `_total` and an Info without its `_info`.
    """
    registry = CollectorRegistry()
    Metrics(registry)
    families = {}
    for family in registry.collect():
        families[family.name] = frozenset(family.name + suffix for suffix in SERIES_SUFFIXES[family.type])
    return families


@pytest.fixture(scope="session")
def rules() -> list[dict[str, Any]]:
    """Every rule (recording and alerting) of monitoring/prometheus/rules/, each with its `file`."""
    found = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            found.extend({**rule, "file": path.name} for rule in group["rules"])
    assert found, f"no rules under {RULES_DIR}"
    return found


# A metric name in PromQL: not part of a longer word, a duration (5m:1m) or a Grafana $variable.
NAME = re.compile(r"(?<![\w:$])[a-zA-Z_:][\w:]*")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def metric_names(expr: str) -> set[str]:
    """The appliance series and recording rules `expr` reads (names with `appliance_` or a colon)."""
    tokens = NAME.findall(STRING.sub('""', expr))
    return {t for t in tokens if t.startswith("appliance_") or ":" in t}


@pytest.fixture(scope="session")
def known_series(metric_families: dict[str, frozenset[str]], rules: list[dict[str, Any]]) -> frozenset[str]:
    """Names an expression may read: the appliance's series and the recording rules."""
    series = set().union(*metric_families.values())
    return frozenset(series | {r["record"] for r in rules if "record" in r})


@pytest.fixture(scope="session")
def names_in() -> Callable[[str], set[str]]:
    """The function giving the appliance series and recording rules an expression reads."""
    return metric_names
