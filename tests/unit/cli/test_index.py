"""`appliance index`: clear errors for bad arguments, a summary for good ones."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.cli import main
from appliance.index.store import Store
from appliance.plugins.discovery import bundled_plugins_dir


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    Store.close_all()


def test_a_missing_folder_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "appliance", "index", "/nope", "--data", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (1, "", "appliance: error: /nope: no such directory\n")
    assert not (tmp_path / "data").exists()  # checked before anything is created


def test_every_path_is_checked_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "good").mkdir()
    assert (
        main(["index", str(tmp_path / "good"), str(tmp_path / "bad"), "--data", str(tmp_path / "data")]) == 1
    )
    assert "bad: no such directory" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_a_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "a.py").write_text("def f():\n    pass\n")
    (repo / "b.bin").write_bytes(b"\0\1\2")
    argv = ["index", f"{repo}=web", "--data", str(tmp_path / "data"), "--workers", "1", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["repo"], summary["indexed"], summary["skipped"]) == ("web", 1, {"binary": 1})
    Store.close_all()
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    # Skipped files are not in the index: the binary one is read again, and skipped again.
    assert (again["indexed"], again["unchanged"], again["skipped"]) == (0, 1, {"binary": 1})


def test_plugins_dir_languages_are_indexed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`index` loads plugins as `serve` does: a language from --plugins-dir parses its files."""
    plugin = tmp_path / "plugins" / "starlark"
    shutil.copytree(bundled_plugins_dir() / "python", plugin)
    manifest = (plugin / "plugin.yaml").read_text()
    manifest = manifest.replace("name: python", "name: starlark").replace("[python]", "[starlark]")
    (plugin / "plugin.yaml").write_text(manifest.replace("[.py, .pyi, .pyw]", "[.star]"))
    shutil.rmtree(plugin / "samples")
    (plugin / "samples").mkdir()
    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "BUILD.star").write_text("def cc_rule(name):\n    pass\n")
    data = ["--data", str(tmp_path / "data"), "--workers", "1"]

    assert main(["index", str(repo), *data, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["symbols"] == 0  # no bundled plugin claims .star
    Store.close_all()
    assert main(["index", str(repo), *data, "--plugins-dir", str(tmp_path / "plugins"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["symbols"] == 1
    Store.close_all()
    assert main(["symbol", "cc_rule", "--data", str(tmp_path / "data"), "--json"]) == 0
    hit = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (hit["path"], hit["language"]) == ("BUILD.star", "starlark")
