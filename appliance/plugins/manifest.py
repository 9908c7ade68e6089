"""`plugin.yaml`: read, validate against manifest.schema.json, and describe as a dataclass.

Errors name the file and, where YAML knows it, the line: a person fixing a plugin needs both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from appliance.errors import PluginError

MANIFEST_NAME = "plugin.yaml"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: loads are many
SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")


@dataclass(frozen=True)
class Manifest:
    folder: Path
    name: str
    version: str
    type: str
    description: str = ""
    languages: tuple[str, ...] = ()
    file_extensions: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    grammar: str = ""
    queries: str = ""
    samples: str = ""
    priority: int = 0
    entry_point: str = ""
    config_schema: dict[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    parse_seconds: float = 5.0
    hook_seconds: float = 5.0

    @property
    def language(self) -> str:
        """The language this plugin indexes as (its first declared language)."""
        return self.languages[0] if self.languages else self.name


@cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return data


def read_text(path: Path, what: str = "") -> str:
    """A plugin file's text, or a PluginError naming the file (and `what` it is) and why not."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise PluginError(f"{path}: cannot read{what and ' ' + what}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise PluginError(f"{path}: {what + ' is ' if what else ''}not UTF-8 text") from e


def load_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or str(e)
        raise PluginError(f"{where}: invalid YAML: {problem}") from e
    return parse_manifest(folder, data, source=str(path))


def parse_manifest(folder: Path, data: object, source: str) -> Manifest:
    if not isinstance(data, dict):
        raise PluginError(f"{source}: expected a mapping of manifest keys, got {type(data).__name__}")
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise PluginError(f"{source}: {where}: {first.message}")
    limits = data.get("limits", {})
    return Manifest(
        folder=folder,
        name=data["name"],
        version=str(data["version"]),
        type=data["type"],
        description=data.get("description", ""),
        languages=tuple(data.get("languages", ())),
        file_extensions=tuple(data.get("file_extensions", ())),
        filenames=tuple(data.get("filenames", ())),
        grammar=data.get("grammar", ""),
        queries=data.get("queries", ""),
        samples=data.get("samples", ""),
        priority=int(data.get("priority", 0)),
        entry_point=data.get("entry_point", ""),
        config_schema=dict(data.get("config_schema", {})),
        requires=tuple(data.get("requires", ())),
        parse_seconds=float(limits.get("parse_seconds", 5.0)),
        hook_seconds=float(limits.get("hook_seconds", 5.0)),
    )
