"""monitoring/alertmanager/: the config template and its rendering, checked by the real amtool."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ALERTMANAGER = Path(__file__).resolve().parents[3] / "monitoring" / "alertmanager"
TEMPLATE = ALERTMANAGER / "alertmanager.yml"
RENDER = ALERTMANAGER / "render_config.py"
URL = "https://hooks.example.com/services/T00/B00?token=s3cret&x=1"


def render(output: Path, url: str | None) -> subprocess.CompletedProcess[str]:
    """Run render_config.py as the container's entry step would, with or without the URL set."""
    env = {k: v for k, v in os.environ.items() if k != "APPLIANCE_ALERT_WEBHOOK_URL"}
    if url is not None:
        env["APPLIANCE_ALERT_WEBHOOK_URL"] = url
    argv = [sys.executable, str(RENDER), "--template", str(TEMPLATE), "--output", str(output)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def receiver_for(amtool: Any, config: Path, *labels: str) -> str:
    result = amtool.run("config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def webhook_urls(config: dict[str, Any]) -> list[str]:
    return [w["url"] for r in config["receivers"] for w in r.get("webhook_configs", [])]


def test_template_is_valid_and_routes_nowhere(amtool: Any) -> None:
    """Used as it is (no entry step, or no URL), Alertmanager starts and sends nothing."""
    result = amtool.run("check-config", TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert receiver_for(amtool, TEMPLATE, "alertname=ApplianceUnitDown", "severity=critical") == "null"


def test_with_a_url_every_alert_goes_to_the_webhook(amtool: Any, tmp_path: Path) -> None:
    output = tmp_path / "alertmanager.yml"
    result = render(output, URL)
    assert result.returncode == 0, result.stderr
    assert URL not in result.stdout + result.stderr, "the URL may hold a token: never print it"
    assert amtool.run("check-config", output).returncode == 0
    assert webhook_urls(yaml.safe_load(output.read_text())) == [URL]
    for labels in (("severity=critical", "alertname=ApplianceUnitDown"), ("severity=warning",)):
        assert receiver_for(amtool, output, *labels) == "webhook"


@pytest.mark.parametrize("url", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_without_a_url_alerts_go_to_the_null_receiver(amtool: Any, tmp_path: Path, url: str | None) -> None:
    output = tmp_path / "alertmanager.yml"
    result = render(output, url)
    assert result.returncode == 0, result.stderr
    assert amtool.run("check-config", output).returncode == 0
    assert receiver_for(amtool, output, "severity=critical") == "null"


@pytest.mark.parametrize("url", ["hooks.example.com/x", "ftp://hooks.example.com/x", "https:///no-host"])
def test_a_malformed_url_is_an_error(tmp_path: Path, url: str) -> None:
    output = tmp_path / "alertmanager.yml"
    result = render(output, url)
    assert result.returncode == 2
    assert "APPLIANCE_ALERT_WEBHOOK_URL" in result.stderr
    assert url not in result.stderr
    assert not output.exists()


def test_the_rendered_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    output = tmp_path / "run" / "appliance" / "alertmanager.yml"
    assert render(output, URL).returncode == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert render(output, None).returncode == 0
    assert webhook_urls(yaml.safe_load(output.read_text())) != [URL]
    assert [p.name for p in output.parent.iterdir()] == ["alertmanager.yml"]
