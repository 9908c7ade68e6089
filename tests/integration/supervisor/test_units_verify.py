"""The unit files the image ships: our parser reads them, and real systemd accepts them.

`systemd-analyze verify` checks syntax and semantics, and that every Exec binary exists and is
executable. The binaries live in the image, not here, so the check runs against a root directory
(`--root`) holding the units in etc/systemd/system, a copy of this machine's systemd units (the
targets every service depends on by default) and an empty executable at each path the units run.
Nothing else is faked: a unit systemd would warn about makes the test fail.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from supervisor_helpers import REPO

from appliance.errors import ConfigError
from appliance.supervisor.graph import Graph
from appliance.supervisor.model import ServiceType, Unit
from appliance.supervisor.unitfile import load_unit, load_units

UNITS = REPO / "rootfs/etc/appliance/units"
SYSTEMD_UNITS = next((p for p in map(Path, ("/usr/lib/systemd/system", "/lib/systemd/system")) if p.is_dir()),
                     None)


def shipped() -> dict[str, Unit]:
    return {unit.short_name: unit for unit in load_units(UNITS)}


def test_shipped_units_parse_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        units = shipped()
    assert caplog.messages == []
    assert set(units) == {"appliance-server", "appliance-indexer", "prometheus", "alertmanager", "grafana"}
    assert units["appliance-server"].type is ServiceType.NOTIFY
    assert units["prometheus"].readiness_url == "http://127.0.0.1:9090/-/ready"
    assert units["alertmanager"].readiness_url == "http://127.0.0.1:9093/-/ready"
    assert [str(c) for c in units["grafana"].conditions] == [
        "ConditionPathExists=/usr/share/grafana/bin/grafana"
    ]
    assert {u.user for u in units.values()} == {"appliance"}
    order = Graph(units.values()).start_order()
    assert order.index("alertmanager.service") < order.index("prometheus.service")
    assert order.index("prometheus.service") < order.index("grafana.service")
    assert order.index("appliance-indexer.service") < order.index("appliance-server.service")


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None or SYSTEMD_UNITS is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze (Debian's systemd package) is required under CI=true")
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return path


def executables(units: dict[str, Unit]) -> set[str]:
    return {cmd.argv[0] for unit in units.values() for cmd in (*unit.exec_start_pre, *unit.exec_start)}


def verify(unit_files: dict[str, str], root: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify --root=ROOT` on `unit_files` (name -> text), with an empty executable
    at each path the shipped units run."""
    assert SYSTEMD_UNITS is not None
    shutil.copytree(SYSTEMD_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    etc = root / "etc/systemd/system"
    etc.mkdir(parents=True)
    for name, text in unit_files.items():
        (etc / name).write_text(text)
    for path in executables(shipped()):
        stub = root / path.lstrip("/")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    return subprocess.run(
        [systemd_analyze(), "verify", f"--root={root}", "--man=no", *unit_files],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_systemd_analyze_verify_accepts_the_shipped_units(tmp_path: Path) -> None:
    systemd_analyze()
    files = {path.name: path.read_text() for path in sorted(UNITS.glob("*.service"))}
    result = verify(files, tmp_path)
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_systemd_analyze_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    """The check above can fail: systemd warns about a bad value, which our parser refuses too."""
    systemd_analyze()
    text = (UNITS / "prometheus.service").read_text().replace("Restart=on-failure", "Restart=sometimes")
    result = verify({"prometheus.service": text}, tmp_path)
    assert "Failed to parse service restart specifier" in result.stderr
    with pytest.raises(ConfigError, match="Restart: expected one of"):
        load_unit(tmp_path / "etc/systemd/system/prometheus.service")


def test_executables_are_absolute() -> None:
    """systemd would search PATH for a bare name; the image's paths are spelled out."""
    assert all(path.startswith("/") for path in executables(shipped()))
