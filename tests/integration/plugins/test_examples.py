"""The example plugins load, validate and extract offline, through `appliance plugins`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def appliance(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appliance", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_example_plugins_pass_their_own_test(staged: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    env = {**os.environ, "APPLIANCE_BUNDLED_PLUGINS": str(empty), "APPLIANCE_DATA": str(tmp_path / "data")}
    where = ["--plugins-dir", str(staged)]
    done = appliance("plugins", "test", "lua", "--json", *where, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["plugin"]["state"] == "active"
    [sample] = report["files"]
    assert sample["golden"] == {"ok": True, "asserted": 12, "missing": [], "unasserted": []}
    done = appliance("plugins", "test", "word-count", "--json", *where, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [t["name"] for t in json.loads(done.stdout)["tools"]] == ["count_lines", "count_words"]
