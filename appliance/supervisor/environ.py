"""A unit's environment at start time, and systemd's `$VAR` expansion of Exec lines in it."""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Mapping

from appliance.errors import ConfigError
from appliance.supervisor.model import Command, Unit

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\$")
# Variables that belong to whoever started the supervisor, not to its services.
_NOT_INHERITED = ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")


class EnvironmentFileError(ConfigError):
    """An EnvironmentFile= that must exist cannot be read; the unit fails to start."""


def read_environment_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines; `#`/`;` comments; values may be quoted, as in systemd's EnvironmentFile=."""
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        name, eq, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not _NAME.fullmatch(name):
            continue  # systemd skips lines it cannot use
        if value[:1] in ("'", '"'):
            with contextlib.suppress(ValueError):  # an unbalanced quote: keep the text as written
                value = "".join(shlex.split(value))
        result[name] = value
    return result


def unit_environment(unit: Unit, inherited: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """inherited < `extra` (USER, HOME, NOTIFY_SOCKET...) < Environment= < EnvironmentFile=, as systemd
    orders them (a file overrides Environment=)."""
    env = {k: v for k, v in inherited.items() if k not in _NOT_INHERITED}
    env.update(extra)
    env.update(unit.environment)
    for spec in unit.environment_files:
        try:
            with open(spec.path, encoding="utf-8") as f:
                env.update(read_environment_file(f.read()))
        except FileNotFoundError:
            if not spec.optional:
                raise EnvironmentFileError(f"EnvironmentFile={spec.path}: no such file") from None
        except (OSError, UnicodeDecodeError) as e:
            raise EnvironmentFileError(f"EnvironmentFile={spec.path}: {e}") from e
    return env


def expand_argv(command: Command, env: Mapping[str, str]) -> list[str]:
    """systemd's rules: a word that is exactly `$NAME` becomes the value split at whitespace (zero or
    more words); `${NAME}` anywhere in a word is replaced as is; `$$` is a literal `$`; an unset
    variable is empty."""
    if not command.expand_env:
        return list(command.argv)
    argv: list[str] = []
    for word in command.argv:
        if word.startswith("$") and _NAME.fullmatch(word[1:]):
            argv.extend(_split(env.get(word[1:], "")))
        else:
            argv.append(_BRACED.sub(lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), ""), word))
    return argv


def _split(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()  # unbalanced quotes: plain whitespace splitting
