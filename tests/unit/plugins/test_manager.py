"""The plugin manager: load and drop sets, the registry swap, last good versions, config at run time."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.errors import ConfigError, NotFoundError
from appliance.index.lookup import Lookup
from appliance.metrics import Metrics
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.manager import PluginManager
from appliance.plugins.runtime import load_registry
from appliance.plugins.status import Change

if TYPE_CHECKING:
    from conftest import Plugins

MakeManager = Callable[..., PluginManager]

COUNTER = """\
from appliance.plugins.hookspecs import hookimpl
from appliance.plugins.tools import ToolDefinition

@hookimpl
def provide_tools(config, index):
    step = config.get("step", 1)

    def count(n: int) -> int:
        return n + step

    return [ToolDefinition("count", "Count on from n.", count)]
"""

UPPER = """\
import dataclasses
from appliance.plugins.hookspecs import hookimpl

@hookimpl
def adjust_symbols(symbols):
    return [dataclasses.replace(s, name=s.name.upper()) for s in symbols]
"""


def sample_value(metrics: Metrics, name: str, labels: dict[str, str]) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_bundled_languages_load_through_the_manager(metrics: Metrics) -> None:
    manager = PluginManager(entry_points=False, metrics=metrics)
    try:
        manager.refresh()
        bundled = {p.name for p in bundled_plugins_dir().iterdir() if (p / "plugin.yaml").is_file()}
        assert {s.name for s in manager.list_plugins() if s.state == "active"} >= bundled
        # Same fingerprints as the plain loader: an index built before plugins had hooks stays valid.
        assert manager.registry.fingerprints() == load_registry([bundled_plugins_dir()])[0].fingerprints()
    finally:
        manager.close()


def test_refresh_loads_the_new_keeps_the_unchanged_reloads_the_changed_drops_the_gone(
    plugins: Plugins, make_manager: MakeManager
) -> None:
    snake = plugins.language("snake")
    counter = plugins.tool("counter", COUNTER)
    manager = make_manager()
    first = manager.refresh()
    assert first.languages == {"snake"}
    assert [t.name for t in first.tools_added] == ["count"]
    assert [(s.name, s.state) for s in manager.list_plugins()] == [("counter", "active"), ("snake", "active")]
    held = manager.loaded("snake")

    assert not manager.refresh()  # nothing changed: nothing loaded, nothing published
    assert manager.loaded("snake") is held

    query = snake / "queries" / "tags.scm"
    query.write_text(query.read_text() + "(class_definition name: (identifier) @name) @definition.class\n")
    change = manager.refresh()
    assert change.languages == {"snake"}
    assert manager.loaded("snake") is not held
    assert not change.tools_added and not change.tools_removed

    old_module = manager.loaded("counter").code.module  # type: ignore[union-attr]
    (counter / "plugin.py").write_text(COUNTER.replace("n + step", "n + step + 100"))
    change = manager.refresh()
    assert change.tools_removed == ("count",)
    assert manager.call_tool("count", n=1) == 102
    assert old_module.__name__ not in sys.modules

    for path in sorted(counter.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    counter.rmdir()
    change = manager.refresh()
    assert change.tools_removed == ("count",)
    assert [s.name for s in manager.list_plugins()] == ["snake"]
    with pytest.raises(NotFoundError):
        manager.call_tool("count", n=1)


def test_subscribers_hear_each_swap_with_the_registry_in_force(
    plugins: Plugins, make_manager: MakeManager
) -> None:
    manager = make_manager()
    heard: list[Change] = []
    unsubscribe = manager.subscribe(heard.append)
    plugins.language("snake")
    manager.refresh()
    [change] = heard
    assert change.registry is manager.registry
    assert change.plugins == ("snake",)
    unsubscribe()
    plugins.language("viper", ext=".viper")
    manager.refresh()
    assert len(heard) == 1


def test_a_failed_new_version_leaves_the_last_good_one_serving(
    plugins: Plugins, make_manager: MakeManager, metrics: Metrics
) -> None:
    snake = plugins.language("snake")
    manager = make_manager()
    manager.refresh()
    serving = manager.registry.plugins["snake"]
    (snake / "queries" / "tags.scm").write_text("(no_such_node) @definition.function\n")
    manager.refresh()
    status = manager.info("snake")
    assert status.state == "active"
    assert status.stage == "query"
    assert status.error is not None and "version 1 stays active" in status.error
    assert manager.registry.plugins["snake"] is serving
    assert sample_value(metrics, "appliance_plugin_reloads_total", {"result": "failed"}) == 1
    (snake / "queries" / "tags.scm").write_text(
        "(function_definition name: (identifier) @name) @definition.function\n"
    )
    manager.refresh()
    assert manager.info("snake").error is None
    assert manager.registry.plugins["snake"] is not serving


def test_settings_enable_and_disable_apply_at_run_time(
    plugins: Plugins, make_manager: MakeManager, tmp_path: Path
) -> None:
    plugins.tool(
        "counter", COUNTER, manifest="config_schema:\n  step: {type: integer, default: 1, minimum: 1}\n"
    )
    manager = make_manager(config_path=tmp_path / "plugins.yaml")
    manager.refresh()
    assert manager.call_tool("count", n=1) == 2
    settings = manager.set_config("counter", "step", "5")
    assert settings["settings"] == {"step": 5}
    assert manager.call_tool("count", n=1) == 6
    assert "step: 5" in (tmp_path / "plugins.yaml").read_text()

    with pytest.raises(ConfigError, match=r"plugins\.counter\.config\.step: 0 is below the minimum 1"):
        manager.set_config("counter", "step", "0")
    assert manager.call_tool("count", n=1) == 6

    assert manager.disable("counter").state == "disabled"
    assert manager.tools() == {}
    assert manager.enable("counter").state == "active"
    assert manager.call_tool("count", n=1) == 6


def test_an_invalid_config_file_leaves_the_previous_config_in_force(
    plugins: Plugins, make_manager: MakeManager, tmp_path: Path, metrics: Metrics
) -> None:
    plugins.tool("counter", COUNTER, manifest="config_schema:\n  step: {type: integer, default: 1}\n")
    path = tmp_path / "plugins.yaml"
    path.write_text("plugins:\n  counter:\n    config: {step: 3}\n")
    manager = make_manager(config_path=path)
    manager.refresh()
    assert manager.call_tool("count", n=0) == 3
    path.write_text("plugins:\n  counter:\n    config: {step: three}\n")
    assert not manager.reload_config()
    assert f"{path}: plugins.counter.config.step: expected integer" in manager.config_error
    assert manager.call_tool("count", n=0) == 3
    assert (
        sample_value(
            metrics, "appliance_plugin_errors_total", {"plugin": "plugins-config", "stage": "config"}
        )
        == 1
    )
    path.write_text("plugins:\n  counter:\n    config: {step: 4}\n")
    assert manager.reload_config()
    assert manager.config_error == ""
    assert manager.call_tool("count", n=0) == 4


def test_the_environment_overrides_a_setting(plugins: Plugins, make_manager: MakeManager) -> None:
    plugins.tool("counter", COUNTER, manifest="config_schema:\n  step: {type: integer, default: 1}\n")
    manager = make_manager(environ={"APPLIANCE_PLUGIN_COUNTER_STEP": "10"})
    manager.refresh()
    assert manager.call_tool("count", n=0) == 10
    assert manager.get_config("counter")["from_environment"] == {"step": "APPLIANCE_PLUGIN_COUNTER_STEP"}


def test_unload_and_load_on_request(plugins: Plugins, make_manager: MakeManager) -> None:
    plugins.language("snake")
    manager = make_manager()
    manager.refresh()
    assert manager.unload("snake").state == "discovered"
    assert "snake" not in manager.registry.plugins
    manager.refresh()
    assert manager.info("snake").state == "discovered"  # unchanged files do not undo an unload
    assert manager.load("snake").state == "active"
    assert "snake" in manager.registry.plugins
    with pytest.raises(NotFoundError, match="no plugin named 'cobra'"):
        manager.reload("cobra")


def test_a_plugin_serves_only_with_the_plugins_it_requires(
    plugins: Plugins, make_manager: MakeManager
) -> None:
    plugins.hooks("upper", UPPER, manifest="requires: [snake]\n")
    manager = make_manager()
    manager.refresh()
    status = manager.info("upper")
    assert status.state == "loaded"
    assert status.conflicts == ["requires snake, not active"]
    plugins.language("snake")
    manager.refresh()
    assert manager.info("upper").state == "active"


def test_adjust_symbols_hooks_attach_to_their_languages(plugins: Plugins, make_manager: MakeManager) -> None:
    plugins.language("snake")
    plugins.language("viper", ext=".viper")
    manager = make_manager()
    manager.refresh()
    before = manager.registry.fingerprints()
    plugins.hooks("upper", UPPER, languages="[snake]")
    change = manager.refresh()
    assert change.languages == {"snake"}  # its files are parsed again; viper's are not
    assert manager.registry.fingerprints()["viper"] == before["viper"]
    snake = manager.registry.plugins["snake"]
    source = b"def greet():\n    shout()\n"
    symbols = snake.adjust_symbols("a.snake", snake.extractor.extract(source), source)
    assert [s.name for s in symbols] == ["GREET", "SHOUT"]


def test_tools_of_one_name_go_to_the_plugin_that_wins(plugins: Plugins, make_manager: MakeManager) -> None:
    plugins.tool("alpha", COUNTER)
    plugins.tool("beta", COUNTER.replace("n + step", "n * 1000"), manifest="priority: 5\n")
    plugins.tool("gamma", COUNTER.replace('"count"', '"search_code"'))
    manager = make_manager(reserved_tools={"search_code"})
    manager.refresh()
    assert manager.call_tool("count", n=2) == 2000
    assert manager.info("alpha").conflicts == ["tool count is claimed by beta (the conflict rule)"]
    assert manager.info("gamma").conflicts == ["tool search_code is one of the server's own"]
    assert set(manager.tools()) == {"count"}


def test_tools_query_the_index_they_are_given(plugins: Plugins, make_manager: MakeManager) -> None:
    plugins.tool(
        "repos",
        """\
        from appliance.plugins.hookspecs import hookimpl
        from appliance.plugins.tools import ToolDefinition

        @hookimpl
        def provide_tools(index):
            def repo_names() -> list[str]:
                return sorted(index.lookup().repos())
            return [ToolDefinition("repo_names", "The indexed repositories.", repo_names)]
        """,
    )
    manager = make_manager()
    manager.refresh()

    class FakeLookup:
        def repos(self) -> dict[str, object]:
            return {"b": 1, "a": 2}

    class FakeIndex:
        def lookup(self) -> Lookup:
            return FakeLookup()  # type: ignore[return-value]

    manager.set_index(FakeIndex())
    assert manager.call_tool("repo_names") == ["a", "b"]


def test_state_gauges_count_every_state(
    plugins: Plugins, make_manager: MakeManager, metrics: Metrics
) -> None:
    plugins.language("snake")
    plugins.write("broken", {"plugin.yaml": "name: broken\n"})
    manager = make_manager()
    manager.refresh()
    assert sample_value(metrics, "appliance_plugins", {"state": "active"}) == 1
    assert sample_value(metrics, "appliance_plugins", {"state": "failed"}) == 1
    assert sample_value(metrics, "appliance_plugins", {"state": "disabled"}) == 0
    assert manager.counts() == {"discovered": 0, "loaded": 0, "active": 1, "failed": 1, "disabled": 0}


def test_readers_never_see_a_half_built_registry(plugins: Plugins, make_manager: MakeManager) -> None:
    snake = plugins.language("snake")
    manager = make_manager()
    manager.refresh()
    stop = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                registry = manager.registry
                plugin = registry.for_path("a.snake")
                assert plugin is None or plugin is registry.plugins["snake"]
                manager.list_plugins()
            except BaseException as e:
                errors.append(e)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(10):
            (snake / "queries" / "tags.scm").write_text(
                f"; round {round_}\n(identifier) @name @reference.call\n"
            )
            manager.refresh()
            if round_ % 3 == 0:
                manager.unload("snake")
                manager.load("snake")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []


def test_folders_without_a_manifest_load_by_convention(plugins: Plugins, make_manager: MakeManager) -> None:
    plugins.write("counter", {"plugin.py": COUNTER.replace('config.get("step", 1)', "1")})
    plugins.write("upper", {"plugin.py": UPPER})
    query = "(function_definition name: (identifier) @name) @definition.function\n"
    plugins.write("python", {"queries/tags.scm": query})
    manager = make_manager()
    manager.refresh()
    assert [(s.name, s.state, s.type) for s in manager.list_plugins()] == [
        ("counter", "active", "tool"),
        ("python", "active", "language"),
        ("upper", "active", "hooks"),
    ]
    assert manager.call_tool("count", n=1) == 2
    assert manager.registry.for_path("x.python") is manager.registry.plugins["python"]
