"""plugins.yaml: shape, per-plugin settings against config_schema, the environment, atomic updates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appliance.errors import ConfigError
from appliance.plugins.config import (
    PluginsConfig,
    check_schema,
    coerce,
    describe,
    env_var,
    load_config,
    resolve,
    update,
)

SCHEMA: dict[str, dict[str, Any]] = {
    "max_lines": {"type": "integer", "default": 100, "minimum": 1, "maximum": 1000},
    "mode": {"type": "string", "enum": ["fast", "exact"], "default": "fast"},
    "ratio": {"type": "number"},
    "verbose": {"type": "boolean", "default": False},
}


def write(tmp_path: Path, text: str, name: str = "plugins.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_no_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "plugins.yaml")
    assert config.enabled("anything")
    assert resolve(config, "anything", SCHEMA, {}) == {"max_lines": 100, "mode": "fast", "verbose": False}


def test_yaml_and_json_both_read(tmp_path: Path) -> None:
    yaml_config = load_config(write(tmp_path, "plugins:\n  lua:\n    enabled: false\n"))
    json_config = load_config(write(tmp_path, '{"plugins": {"lua": {"enabled": false}}}', "plugins.json"))
    assert not yaml_config.enabled("lua")
    assert not json_config.enabled("lua")
    assert yaml_config.enabled("other")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plugins: [unclosed\n", "plugins.yaml:2: invalid YAML"),
        ("- a list\n", "expected a mapping with the key `plugins`"),
        ("plugin: {}\n", "plugin: unknown key"),
        ("plugins:\n  lua: 3\n", "plugins.lua: expected a mapping"),
        ("plugins:\n  lua:\n    enable: false\n", "plugins.lua.enable: unknown key"),
        ("plugins:\n  lua:\n    enabled: 'no'\n", "plugins.lua.enabled: expected true or false"),
        ("plugins:\n  lua:\n    config: 3\n", "plugins.lua.config: expected a mapping"),
    ],
)
def test_shape_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"plugins\.yaml") as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)


def test_settings_from_defaults_file_and_environment_in_that_order(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "plugins:\n  word-count:\n    config: {max_lines: 5, ratio: 0.5}\n"))
    environ = {"APPLIANCE_PLUGIN_WORD_COUNT_MODE": "exact", "APPLIANCE_PLUGIN_WORD_COUNT_VERBOSE": "yes"}
    assert resolve(config, "word-count", SCHEMA, environ) == {
        "max_lines": 5,
        "mode": "exact",
        "ratio": 0.5,
        "verbose": True,
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("{max_lines: many}", "plugins.p.config.max_lines: expected integer, got 'many'"),
        ("{max_lines: true}", "plugins.p.config.max_lines: expected integer, got True"),
        ("{max_lines: 0}", "plugins.p.config.max_lines: 0 is below the minimum 1"),
        ("{max_lines: 5000}", "plugins.p.config.max_lines: 5000 is above the maximum 1000"),
        ("{mode: slow}", "plugins.p.config.mode: expected one of 'fast', 'exact', got 'slow'"),
        ("{colour: red}", "plugins.p.config.colour: unknown setting"),
    ],
)
def test_setting_errors_name_the_file_and_the_key(tmp_path: Path, settings: str, message: str) -> None:
    config = load_config(write(tmp_path, f"plugins:\n  p:\n    config: {settings}\n"))
    with pytest.raises(ConfigError) as caught:
        resolve(config, "p", SCHEMA, {})
    assert str(caught.value) == f"{tmp_path / 'plugins.yaml'}: {message}" or message in str(caught.value)
    assert str(tmp_path / "plugins.yaml") in str(caught.value)


def test_environment_values_are_checked_and_named() -> None:
    with pytest.raises(ConfigError, match="APPLIANCE_PLUGIN_P_MAX_LINES: expected integer"):
        resolve(PluginsConfig(), "p", SCHEMA, {"APPLIANCE_PLUGIN_P_MAX_LINES": "lots"})
    with pytest.raises(ConfigError, match="APPLIANCE_PLUGIN_P_VERBOSE: expected true or false"):
        resolve(PluginsConfig(), "p", SCHEMA, {"APPLIANCE_PLUGIN_P_VERBOSE": "perhaps"})


def test_env_var_names() -> None:
    assert env_var("word-count", "max_lines") == "APPLIANCE_PLUGIN_WORD_COUNT_MAX_LINES"
    assert coerce("2.5", {"type": "number"}, "x") == 2.5
    assert coerce("off", {"type": "boolean"}, "x") is False


def test_a_default_must_satisfy_its_own_schema() -> None:
    with pytest.raises(ConfigError, match=r"plugin.yaml: config_schema.n.default: -1 is below the minimum 0"):
        check_schema({"n": {"type": "integer", "default": -1, "minimum": 0}}, "plugin.yaml")


def test_update_changes_one_plugin_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "plugins:\n  lua:\n    enabled: false\n  p:\n    config: {mode: exact}\n")
    update(path, "p", key="max_lines", value=7)
    update(path, "new", enabled=False)
    config = load_config(path)
    assert not config.enabled("lua")
    assert not config.enabled("new")
    assert dict(config.settings("p").config) == {"mode": "exact", "max_lines": 7}
    assert [p.name for p in tmp_path.iterdir()] == ["plugins.yaml"]  # no temporary file left behind


def test_describe_says_where_each_setting_comes_from(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "plugins:\n  p:\n    config: {ratio: 2}\n"))
    described = describe(config, "p", SCHEMA, {"APPLIANCE_PLUGIN_P_MODE": "exact"})
    assert described["settings"] == {"max_lines": 100, "mode": "exact", "ratio": 2, "verbose": False}
    assert described["in_file"] == {"ratio": 2}
    assert described["from_environment"] == {"mode": "APPLIANCE_PLUGIN_P_MODE"}
    assert described["error"] is None
