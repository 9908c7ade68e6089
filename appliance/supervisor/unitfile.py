"""Parse systemd-style unit files (the subset docs/units.md lists) into frozen `Unit`s.

Errors name the file and line: `units/foo.service:7: Restart: expected one of no, on-failure,
always, got 'sometimes'`. Unknown sections and keys are logged as warnings and ignored, as systemd does.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.errors import ConfigError
from appliance.supervisor import values
from appliance.supervisor.model import RestartPolicy, ServiceType, Unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Key:
    field: str
    parse: Callable[[str], Any]
    many: bool = False  # repeats accumulate; an empty value resets the list


_UNIT_KEYS = {
    "Description": _Key("description", str),
    "After": _Key("after", values.unit_names, many=True),
    "Before": _Key("before", values.unit_names, many=True),
    "Requires": _Key("requires", values.unit_names, many=True),
    "Wants": _Key("wants", values.unit_names, many=True),
    "ConditionPathExists": _Key("conditions", lambda v: [values.path_condition(v)], many=True),
    "StartLimitIntervalSec": _Key("start_limit_interval", values.timespan),
    "StartLimitBurst": _Key("start_limit_burst", values.non_negative_int),
}
_SERVICE_KEYS = {
    "Type": _Key("type", lambda v: values.choice(v, ServiceType)),
    "ExecStartPre": _Key("exec_start_pre", lambda v: [values.command(v)], many=True),
    "ExecStart": _Key("exec_start", lambda v: [values.command(v)], many=True),
    "Environment": _Key("environment", values.environment, many=True),
    "EnvironmentFile": _Key("environment_files", lambda v: [values.environment_file(v)], many=True),
    "WorkingDirectory": _Key("working_directory", values.working_directory),
    "User": _Key("user", values.user),
    "Restart": _Key("restart", lambda v: values.choice(v, RestartPolicy)),
    "RestartSec": _Key("restart_sec", values.timespan),
    # systemd reads these two in [Unit] (and ignores StartLimitIntervalSec in [Service]); both work here.
    "StartLimitIntervalSec": _UNIT_KEYS["StartLimitIntervalSec"],
    "StartLimitBurst": _UNIT_KEYS["StartLimitBurst"],
    "TimeoutStartSec": _Key("timeout_start", values.timeout),
    "TimeoutStopSec": _Key("timeout_stop", values.timeout),
    "KillSignal": _Key("kill_signal", values.kill_signal),
    "X-ReadinessURL": _Key("readiness_url", values.readiness_url),
}
_INSTALL_KEYS = {"WantedBy": _Key("", values.unit_names)}  # accepted for systemd, no meaning here
_SECTIONS = {"Unit": _UNIT_KEYS, "Service": _SERVICE_KEYS, "Install": _INSTALL_KEYS}
_NO_SPECIFIERS = {"X-ReadinessURL"}  # systemd does not touch X- keys, so "%" in a URL stays as written


@dataclass(frozen=True)
class _Line:
    number: int  # where the logical line starts
    text: str


def _logical_lines(text: str) -> Iterator[_Line]:
    """Join backslash continuations, drop blank lines and comments (also inside continuations)."""
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not parts:
            start = number
            if not line or line[0] in "#;":
                continue
        elif line[:1] in ("#", ";"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield _Line(start, " ".join(parts).strip())
        parts = []
    if parts:
        yield _Line(start, " ".join(parts).strip())


class _Builder:
    """Collects the fields of one unit while its lines are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = os.path.basename(path)
        self.fields: dict[str, Any] = {}
        self.lines: dict[str, int] = {}  # key -> line of its last assignment
        self.exec_start_lines: list[int] = []
        self.service_line: int | None = None
        self.last_line = 1

    def error(self, line: int, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{line}: {message}")

    def assign(self, line: int, section: str, key: str, value: str) -> None:
        spec = _SECTIONS[section].get(key)
        if spec is None:
            log.warning("%s:%d: unknown key %r in [%s], ignored", self.path, line, key, section)
            return
        if section == "Service" and key == "StartLimitIntervalSec":
            log.warning("%s:%d: systemd reads StartLimitIntervalSec= in [Unit] only", self.path, line)
        try:
            if key not in _NO_SPECIFIERS:
                value = values.specifiers(value, self.name)
            parsed = spec.parse(value) if value else None
        except ValueError as e:
            raise self.error(line, f"{key}: {e}") from None
        self.lines[key] = line
        if not spec.field:
            return
        if spec.many:
            # An empty assignment resets the list, as in systemd.
            self.fields[spec.field] = [*self.fields.get(spec.field, []), *parsed] if parsed else []
            if key == "ExecStart":
                self.exec_start_lines = [*self.exec_start_lines, line] if parsed else []
        elif parsed is None:
            self.fields.pop(spec.field, None)  # an empty assignment restores the default
        else:
            self.fields[spec.field] = parsed

    def build(self) -> Unit:
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in self.fields.items()}
        if "working_directory" in fields:
            fields["working_directory"], fields["working_directory_optional"] = fields["working_directory"]
        unit = Unit(name=self.name, path=self.path, **fields)
        self._check(unit)
        if unit.type is ServiceType.ONESHOT and "TimeoutStartSec" not in self.lines:
            # systemd: a oneshot has no start timeout unless one is set.
            unit = dataclasses.replace(unit, timeout_start=math.inf)
        return unit

    def _check(self, unit: Unit) -> None:
        if not unit.exec_start:
            where = self.service_line or self.last_line
            raise self.error(where, "[Service] has no ExecStart=, which every unit needs")
        if len(unit.exec_start) > 1 and unit.type is not ServiceType.ONESHOT:
            raise self.error(
                self.exec_start_lines[1], "ExecStart: more than one command is only allowed for Type=oneshot"
            )
        if unit.type is ServiceType.ONESHOT and unit.restart is RestartPolicy.ALWAYS:
            raise self.error(self.lines["Restart"], "Restart: always is not allowed for Type=oneshot")
        if unit.readiness_url and unit.type is not ServiceType.SIMPLE:
            line = self.lines["X-ReadinessURL"]
            raise self.error(line, "X-ReadinessURL: only for Type=simple (notify units send READY=1)")


def parse_unit(text: str, path: str) -> Unit:
    """Parse the text of the unit file at `path`; its base name is the unit's name."""
    builder = _Builder(path)
    if not values.is_unit_name(builder.name) or not builder.name.endswith(".service"):
        raise ConfigError(f"{path}: not a valid unit file name (like prometheus.service)")
    section: str | None = None
    for line in _logical_lines(text):
        builder.last_line = line.number
        if line.text.startswith("["):
            if not line.text.endswith("]") or len(line.text) < 3:
                message = f"expected a section header like [Service], got {line.text!r}"
                raise builder.error(line.number, message)
            section = line.text[1:-1]
            if section == "Service":
                builder.service_line = line.number
            if section not in _SECTIONS:
                log.warning("%s:%d: unknown section [%s], ignored", path, line.number, section)
            continue
        key, eq, value = line.text.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key:
            raise builder.error(line.number, f"expected key=value or a [Section] header, got {line.text!r}")
        if section is None:
            raise builder.error(line.number, f"{key}= appears before any [Section] header")
        if section in _SECTIONS:
            builder.assign(line.number, section, key, value)
    return builder.build()


def load_unit(path: Path) -> Unit:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read unit file: {e}") from e
    return parse_unit(text, str(path))


def load_units(directory: Path) -> list[Unit]:
    """Every *.service file in `directory`, sorted by name. Other files are ignored with a warning."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such units directory")
    units = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.suffix == ".service" and entry.is_file():
            units.append(load_unit(entry))
        else:
            log.warning("%s: ignored: only .service unit files are supported", entry)
    return units
