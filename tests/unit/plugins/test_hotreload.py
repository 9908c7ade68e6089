"""Hot reload: plugin folders that appear, change or go, and plugins.yaml, followed without a restart.

Each test waits for the outcome with a deadline (no sleeps, no timing thresholds): the time from
the last write to a plugin serving is measured by bench/plugins.py instead.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from inotify_simple import flags

from appliance.plugins.hotreload import CONFIG, PluginWatcher
from appliance.plugins.manager import PluginManager

if TYPE_CHECKING:
    from conftest import Plugins

MakeManager = Callable[..., PluginManager]
DEADLINE = 30.0


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.01)


def state(manager: PluginManager, name: str) -> str:
    return next((s.state for s in manager.list_plugins() if s.name == name), "absent")


@pytest.fixture(params=["inotify", "poll"])
def watched(
    request: pytest.FixtureRequest, plugins: Plugins, make_manager: MakeManager, tmp_path: Path
) -> Iterator[tuple[PluginManager, PluginWatcher]]:
    manager = make_manager(config_path=tmp_path / "data" / "plugins.yaml")
    manager.refresh()
    watcher = PluginWatcher(manager, poll=request.param == "poll", poll_seconds=0.05, rescan_seconds=3600)
    watcher.start()
    assert watcher.ready.wait(DEADLINE)
    yield manager, watcher
    watcher.stop()


def test_a_copied_folder_loads_a_changed_one_reloads_a_removed_one_unloads(
    watched: tuple[PluginManager, PluginWatcher], plugins: Plugins, tmp_path: Path
) -> None:
    manager, _ = watched
    staged = plugins.language("snake", root=tmp_path / "staging")
    shutil.copytree(staged, plugins.root / "snake")  # cp -r
    wait_for(lambda: state(manager, "snake") == "active")
    before = manager.info("snake").fingerprint

    query = plugins.root / "snake" / "queries" / "tags.scm"
    query.write_text(query.read_text() + "(class_definition name: (identifier) @name) @definition.class\n")
    wait_for(lambda: manager.info("snake").fingerprint != before)
    assert manager.info("snake").state == "active"

    shutil.rmtree(plugins.root / "snake")
    wait_for(lambda: state(manager, "snake") == "absent")
    assert manager.registry.for_path("a.snake") is None


def test_a_finished_folder_moved_in_loads(
    watched: tuple[PluginManager, PluginWatcher], plugins: Plugins, tmp_path: Path
) -> None:
    manager, _ = watched
    staged = plugins.language("snake", root=plugins.root / ".incoming")  # hidden: ignored while written
    staged.rename(plugins.root / "snake")  # mv
    wait_for(lambda: state(manager, "snake") == "active")


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs tar")
def test_an_unpacked_tarball_loads(
    watched: tuple[PluginManager, PluginWatcher], plugins: Plugins, tmp_path: Path
) -> None:
    manager, _ = watched
    plugins.language("snake", root=tmp_path / "staging")
    archive = tmp_path / "snake.tar"
    subprocess.run(["tar", "-cf", str(archive), "-C", str(tmp_path / "staging"), "snake"], check=True)
    subprocess.run(["tar", "-xf", str(archive), "-C", str(plugins.root)], check=True)
    wait_for(lambda: state(manager, "snake") == "active")


def test_a_config_change_applies_without_a_restart(
    watched: tuple[PluginManager, PluginWatcher], plugins: Plugins
) -> None:
    manager, _ = watched
    plugins.language("snake")
    wait_for(lambda: state(manager, "snake") == "active")
    assert manager.config_path is not None
    manager.config_path.parent.mkdir(parents=True, exist_ok=True)
    manager.config_path.write_text("plugins:\n  snake:\n    enabled: false\n")
    wait_for(lambda: state(manager, "snake") == "disabled")
    manager.config_path.write_text("plugins: [broken\n")
    wait_for(lambda: manager.config_error != "")
    assert state(manager, "snake") == "disabled"  # the previous config stays in force


def test_a_plugins_folder_that_appears_later_is_watched(make_manager: MakeManager, tmp_path: Path) -> None:
    root = tmp_path / "later"
    manager = make_manager(plugin_dirs=[root])
    watcher = PluginWatcher(manager, rescan_seconds=3600)
    watcher.start()
    try:
        assert watcher.ready.wait(DEADLINE)
        (root / "snake" / "queries").mkdir(parents=True)
        (root / "snake" / "queries" / "tags.scm").write_text("(identifier) @name @reference.call\n")
        (root / "snake" / "plugin.yaml").write_text(
            "name: snake\nversion: '1'\ntype: language\nlanguages: [snake]\nfile_extensions: [.snake]\n"
            "grammar: tree_sitter_python\nqueries: queries/tags.scm\n"
        )
        wait_for(lambda: state(manager, "snake") == "active")
    finally:
        watcher.stop()


@pytest.mark.parametrize(
    "name", ["tags.scm.swp", "plugin.py~", ".#plugin.py", "lib.tar.part", "x.partial", "y.tmp"]
)
def test_temporary_files_are_no_events(make_manager: MakeManager, plugins: Plugins, name: str) -> None:
    watcher = PluginWatcher(make_manager())
    folder = plugins.root / "snake"
    watcher._watches[1] = folder
    watcher._collect((1, int(flags.CLOSE_WRITE), 0, name))
    assert watcher._pending == {}
    watcher._collect((1, int(flags.CLOSE_WRITE), 0, "tags.scm"))
    assert list(watcher._pending) == [folder]
    assert CONFIG not in watcher._pending
