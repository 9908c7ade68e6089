"""plugins.yaml: which plugins run, and each one's settings, checked against its `config_schema`.

    plugins:
      word-count:
        enabled: true          # default true; false keeps the plugin from loading (state disabled)
        config:
          max_lines: 5000      # a key of the plugin's config_schema

The file may be YAML or JSON. A setting comes from, in order of precedence, the environment
(`APPLIANCE_PLUGIN_<NAME>_<KEY>`, upper-cased, `-` → `_`), the file, then the schema's default.
Errors name the file and the key; the caller keeps the previous config in force.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from appliance.errors import ConfigError

DEFAULT_NAME = "plugins.yaml"
ENV_PREFIX = "APPLIANCE_PLUGIN_"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class PluginSettings:
    enabled: bool = True
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PluginsConfig:
    path: Path | None = None
    plugins: Mapping[str, PluginSettings] = field(default_factory=dict)
    digest: str = ""  # of the file's bytes: equal while it is unchanged

    def settings(self, name: str) -> PluginSettings:
        return self.plugins.get(name, PluginSettings())

    def enabled(self, name: str) -> bool:
        return self.settings(name).enabled

    def where(self, name: str, key: str = "") -> str:
        location = f"plugins.{name}" + (f".config.{key}" if key else "")
        return f"{self.path or 'plugins config'}: {location}"


def load_config(path: Path | None) -> PluginsConfig:
    """The file at `path` checked for shape (settings are checked per plugin, by `resolve`).
    No file is an empty config."""
    if path is None:
        return PluginsConfig()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return PluginsConfig(path)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(e, 'problem', None) or e}") from e
    return parse_config(path, data, hashlib.sha256(raw).hexdigest()[:16])


def parse_config(path: Path | None, data: object, digest: str = "") -> PluginsConfig:
    source = str(path or "plugins config")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with the key `plugins`")
    unknown = sorted(set(data) - {"plugins"})
    if unknown:
        raise ConfigError(f"{source}: {unknown[0]}: unknown key (expected `plugins`)")
    entries = data.get("plugins") or {}
    if not isinstance(entries, dict):
        raise ConfigError(f"{source}: plugins: expected a mapping of plugin names")
    plugins: dict[str, PluginSettings] = {}
    for name, entry in entries.items():
        where = f"{source}: plugins.{name}"
        entry = {} if entry is None else entry
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping with `enabled` and `config`")
        extra = sorted(set(entry) - {"enabled", "config"})
        if extra:
            raise ConfigError(f"{where}.{extra[0]}: unknown key (expected `enabled` or `config`)")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"{where}.enabled: expected true or false, got {enabled!r}")
        settings = entry.get("config") or {}
        if not isinstance(settings, dict):
            raise ConfigError(f"{where}.config: expected a mapping of settings")
        plugins[str(name)] = PluginSettings(enabled, dict(settings))
    return PluginsConfig(path, plugins, digest)


def env_var(plugin: str, key: str) -> str:
    return f"{ENV_PREFIX}{plugin}_{key}".upper().replace("-", "_")


def resolve(
    config: PluginsConfig, plugin: str, schema: Mapping[str, Mapping[str, Any]], environ: Mapping[str, str]
) -> dict[str, Any]:
    """The plugin's settings: defaults, then the file, then the environment, each checked."""
    given = config.settings(plugin).config
    unknown = sorted(set(given) - set(schema))
    if unknown:
        known = ", ".join(sorted(schema)) or "none"
        raise ConfigError(f"{config.where(plugin, unknown[0])}: unknown setting (its settings: {known})")
    values: dict[str, Any] = {}
    for key, prop in schema.items():
        variable = env_var(plugin, key)
        if variable in environ:
            values[key] = check_value(coerce(environ[variable], prop, variable), prop, variable)
        elif key in given:
            values[key] = check_value(given[key], prop, config.where(plugin, key))
        elif "default" in prop:
            values[key] = prop["default"]
    return values


def describe(
    config: PluginsConfig, plugin: str, schema: Mapping[str, Mapping[str, Any]], environ: Mapping[str, str]
) -> dict[str, Any]:
    """A plugin's settings for people: resolved, and where each came from."""
    try:
        values: dict[str, Any] | None = resolve(config, plugin, schema, environ)
        error = None
    except ConfigError as e:
        values, error = None, str(e)
    return {
        "plugin": plugin,
        "file": str(config.path) if config.path else None,
        "enabled": config.enabled(plugin),
        "settings": values,
        "in_file": dict(config.settings(plugin).config),
        "from_environment": {k: env_var(plugin, k) for k in schema if env_var(plugin, k) in environ},
        "schema": {k: dict(v) for k, v in schema.items()},
        "error": error,
    }


def coerce(text: str, prop: Mapping[str, Any], where: str) -> Any:
    """A setting given as text (the environment, the command line) as the schema's type."""
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        raise ConfigError(f"{where}: expected {kind}, got {text!r}") from None
    if kind == "boolean":
        if text.strip().lower() in TRUE:
            return True
        if text.strip().lower() in FALSE:
            return False
        raise ConfigError(f"{where}: expected true or false, got {text!r}")
    return text


def check_value(value: Any, prop: Mapping[str, Any], where: str) -> Any:
    kind = prop.get("type")
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }.get(str(kind), False)
    if not ok:
        raise ConfigError(f"{where}: expected {kind}, got {value!r}")
    if "enum" in prop and value not in prop["enum"]:
        raise ConfigError(f"{where}: expected one of {', '.join(map(repr, prop['enum']))}, got {value!r}")
    if "minimum" in prop and value < prop["minimum"]:
        raise ConfigError(f"{where}: {value!r} is below the minimum {prop['minimum']}")
    if "maximum" in prop and value > prop["maximum"]:
        raise ConfigError(f"{where}: {value!r} is above the maximum {prop['maximum']}")
    return value


def check_schema(schema: Mapping[str, Mapping[str, Any]], source: str) -> None:
    """Each default of a config_schema must satisfy its own property."""
    for key, prop in schema.items():
        if "default" in prop:
            check_value(prop["default"], prop, f"{source}: config_schema.{key}.default")


def update(
    path: Path, plugin: str, *, enabled: bool | None = None, key: str = "", value: Any = None
) -> PluginsConfig:
    """Change one plugin's `enabled` or one setting in the file, written atomically (the hot-reload
    watcher sees one rename). Comments in the file are not kept."""
    current = load_config(path)
    data: dict[str, Any] = {"plugins": {}}
    for name, settings in current.plugins.items():
        data["plugins"][name] = {"enabled": settings.enabled, "config": dict(settings.config)}
    entry = data["plugins"].setdefault(plugin, {"enabled": True, "config": {}})
    if enabled is not None:
        entry["enabled"] = enabled
    if key:
        entry["config"][key] = value
    for settings in data["plugins"].values():
        if not settings["config"]:
            del settings["config"]
    json_file = path.suffix == ".json"
    text = json.dumps(data, indent=2) + "\n" if json_file else yaml.safe_dump(data, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)
    return load_config(path)
