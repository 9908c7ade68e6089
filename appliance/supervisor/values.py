"""Parsers for the values of unit-file settings. Each raises ValueError with a message that the
unit-file parser prefixes with the file, line and key."""

from __future__ import annotations

import math
import re
import shlex
import signal
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlsplit

from appliance.supervisor.model import Command, EnvironmentFile, PathCondition

E = TypeVar("E", bound=StrEnum)

# systemd's time units (systemd.time(7)), in seconds.
_TIME_UNITS = {
    **dict.fromkeys(("usec", "us", "µs", "μs"), 1e-6),
    **dict.fromkeys(("msec", "ms"), 1e-3),
    **dict.fromkeys(("seconds", "second", "sec", "s", ""), 1.0),
    **dict.fromkeys(("minutes", "minute", "min", "m"), 60.0),
    **dict.fromkeys(("hours", "hour", "hr", "h"), 3600.0),
    **dict.fromkeys(("days", "day", "d"), 86400.0),
    **dict.fromkeys(("weeks", "week", "w"), 604800.0),
}
_TIME_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([^\d\s.]*)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Characters systemd allows in unit names (unit_name_is_valid).
_UNIT_NAME = re.compile(r"[A-Za-z0-9:_.\\@-]+\.[a-z]+")


def timespan(value: str) -> float:
    """ "5", "500ms", "1min 30s", "infinity" -> seconds; a bare number is seconds."""
    text = value.strip()
    if text == "infinity":
        return math.inf
    total, pos = 0.0, 0
    while pos < len(text):
        match = _TIME_PART.match(text, pos)
        if match is None or match.group(2) not in _TIME_UNITS:
            raise ValueError(f"expected a time span like 5, 500ms, 2s, 1min 30s or infinity, got {value!r}")
        total += float(match.group(1)) * _TIME_UNITS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f"expected a time span, got {value!r}")
    return total


def timeout(value: str) -> float:
    """A timeout, where 0 means "no timeout" as in systemd."""
    seconds = timespan(value)
    return math.inf if seconds == 0 else seconds


def choice(value: str, enum: type[E]) -> E:
    try:
        return enum(value)
    except ValueError:
        names = ", ".join(member.value for member in enum)
        raise ValueError(f"expected one of {names}, got {value!r}") from None


def non_negative_int(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return int(value)


def kill_signal(value: str) -> signal.Signals:
    """ "SIGTERM", "TERM" or a number, as systemd accepts."""
    try:
        if value.isdigit():
            return signal.Signals(int(value))
        return signal.Signals[value if value.startswith("SIG") else "SIG" + value]
    except (KeyError, ValueError):
        raise ValueError(f"expected a signal name like SIGTERM or SIGINT, got {value!r}") from None


def words(value: str) -> list[str]:
    """systemd's word splitting with quotes; shlex's POSIX rules are close enough for our subset."""
    try:
        return shlex.split(value, comments=False, posix=True)
    except ValueError as e:
        raise ValueError(f"cannot split {value!r} into words: {e}") from None


def is_unit_name(name: str) -> bool:
    return _UNIT_NAME.fullmatch(name) is not None


def unit_names(value: str) -> list[str]:
    names = value.split()
    for name in names:
        if not is_unit_name(name):
            raise ValueError(f"expected unit names like prometheus.service, got {name!r}")
    return names


def command(value: str) -> Command:
    """An Exec line: optional prefixes "-" (failure ignored) and ":" (no `$VAR` expansion)."""
    ignore_failure, expand_env = False, True
    rest = value.lstrip()
    while rest[:1] in ("-", ":", "@", "+", "!"):
        prefix, rest = rest[0], rest[1:]
        if prefix == "-":
            ignore_failure = True
        elif prefix == ":":
            expand_env = False
        else:
            raise ValueError(f"the {prefix!r} prefix is not supported by appliance init")
    argv = words(rest)
    if not argv:
        raise ValueError("expected a command line, got nothing")
    if ";" in argv:
        raise ValueError("several commands on one line (\" ; \") are not supported; repeat the key instead")
    return Command(tuple(argv), ignore_failure=ignore_failure, expand_env=expand_env)


def environment(value: str) -> list[tuple[str, str]]:
    """Environment=A=b "C=d e" -> [("A", "b"), ("C", "d e")]."""
    pairs = []
    for word in words(value):
        name, eq, rest = word.partition("=")
        if not eq or not _ENV_NAME.fullmatch(name):
            raise ValueError(f"expected NAME=value assignments, got {word!r}")
        pairs.append((name, rest))
    return pairs


def environment_file(value: str) -> EnvironmentFile:
    optional = value.startswith("-")
    return EnvironmentFile(absolute_path(value.removeprefix("-")), optional=optional)


def path_condition(value: str) -> PathCondition:
    negate = value.startswith("!")
    if value.removeprefix("!").startswith("|"):
        raise ValueError("triggering conditions (\"|\") are not supported by appliance init")
    return PathCondition(absolute_path(value.removeprefix("!")), negate=negate)


def absolute_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"expected an absolute path, got {value!r}")
    return value


def working_directory(value: str) -> tuple[str, bool]:
    """WorkingDirectory=[-]PATH or "~" (the User='s home); returns (path, optional)."""
    optional = value.startswith("-")
    path = value.removeprefix("-")
    return (path if path == "~" else absolute_path(path)), optional


def user(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*\$?|\d+", value):
        raise ValueError(f"expected a user name or numeric id, got {value!r}")
    return value


def readiness_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
    return value


def specifiers(value: str, unit_name: str) -> str:
    """Resolve the few systemd specifiers that make sense here: %n, %N, %p and %%."""
    prefix = unit_name.rsplit(".", 1)[0]
    table = {"n": unit_name, "N": prefix, "p": prefix.split("@", 1)[0], "%": "%"}

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in table:
            raise ValueError(f"specifier %{key} is not supported by appliance init (use %n, %N, %p or %%)")
        return table[key]

    return re.sub(r"%(.?)", replace, value)
