"""What a unit file says, as frozen dataclasses: the parser builds them, the runner reads them."""

from __future__ import annotations

import os
import shlex
import signal
from dataclasses import dataclass
from enum import StrEnum

# systemd's defaults (DefaultTimeoutStartSec=, DefaultRestartSec=, DefaultStartLimit*=).
DEFAULT_TIMEOUT = 90.0
DEFAULT_RESTART_SEC = 0.1
DEFAULT_START_LIMIT_INTERVAL = 10.0
DEFAULT_START_LIMIT_BURST = 5


class ServiceType(StrEnum):
    SIMPLE = "simple"
    NOTIFY = "notify"
    ONESHOT = "oneshot"


class RestartPolicy(StrEnum):
    NO = "no"
    ON_FAILURE = "on-failure"
    ALWAYS = "always"


@dataclass(frozen=True)
class Command:
    """One Exec line: the words after quoting, before `$VAR` expansion (that needs the environment)."""

    argv: tuple[str, ...]
    ignore_failure: bool = False  # "-" prefix: a failing exit counts as success
    expand_env: bool = True  # ":" prefix turns `$VAR` expansion off

    def __str__(self) -> str:
        prefix = ("-" if self.ignore_failure else "") + ("" if self.expand_env else ":")
        return prefix + shlex.join(self.argv)


@dataclass(frozen=True)
class PathCondition:
    """ConditionPathExists=[!]PATH."""

    path: str
    negate: bool = False

    def holds(self) -> bool:
        return os.path.exists(self.path) != self.negate

    def __str__(self) -> str:
        return f"ConditionPathExists={'!' if self.negate else ''}{self.path}"


@dataclass(frozen=True)
class EnvironmentFile:
    path: str
    optional: bool = False  # "-" prefix: a missing file is not an error


@dataclass(frozen=True)
class Unit:
    """One service unit. Durations are seconds, `math.inf` for "infinity"."""

    name: str  # file name, "prometheus.service"
    path: str  # where it was read from, for messages
    description: str = ""
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()
    conditions: tuple[PathCondition, ...] = ()
    type: ServiceType = ServiceType.SIMPLE
    exec_start_pre: tuple[Command, ...] = ()
    exec_start: tuple[Command, ...] = ()  # more than one only for Type=oneshot
    environment: tuple[tuple[str, str], ...] = ()
    environment_files: tuple[EnvironmentFile, ...] = ()
    working_directory: str | None = None  # None: "/", as systemd does for system services
    working_directory_optional: bool = False
    user: str | None = None
    restart: RestartPolicy = RestartPolicy.NO
    restart_sec: float = DEFAULT_RESTART_SEC
    start_limit_interval: float = DEFAULT_START_LIMIT_INTERVAL
    start_limit_burst: int = DEFAULT_START_LIMIT_BURST
    timeout_start: float = DEFAULT_TIMEOUT
    timeout_stop: float = DEFAULT_TIMEOUT
    kill_signal: signal.Signals = signal.SIGTERM
    readiness_url: str | None = None  # X-ReadinessURL=

    @property
    def short_name(self) -> str:
        """The name without ".service", as used for output prefixes: "prometheus"."""
        return self.name.removesuffix(".service")
