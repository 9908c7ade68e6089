"""The life of one unit: wait for the units it is After=, check its conditions, run ExecStartPre=,
start the main process, wait until it is ready, watch it, restart it by its Restart= policy, and
stop it (KillSignal= to its process group, SIGKILL after TimeoutStopSec=)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.metrics import Metrics
from appliance.supervisor import credentials as creds
from appliance.supervisor import process
from appliance.supervisor.environ import EnvironmentFileError, expand_argv, unit_environment
from appliance.supervisor.graph import Graph
from appliance.supervisor.model import Command, RestartPolicy, ServiceType, Unit
from appliance.supervisor.notify import NotifySocket
from appliance.supervisor.ratelimit import Backoff, StartLimit
from appliance.supervisor.readiness import wait_until_ready
from appliance.supervisor.reaper import Reaper
from appliance.supervisor.state import Changes, State, UnitStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """What all services share; the Supervisor builds it."""

    graph: Graph
    reaper: Reaper
    changes: Changes
    state_of: Callable[[str], State]
    metrics: Metrics
    sink: Callable[[str], None]  # where prefixed output lines go
    environ: Mapping[str, str]  # inherited by every unit


@dataclass(frozen=True)
class RunResult:
    success: bool
    reason: str
    duration: float


class StartFailed(Exception):
    """This start attempt failed; the message says why."""


def _seconds(value: float) -> float | None:
    return None if math.isinf(value) else value


class Service:
    def __init__(self, unit: Unit, runtime: Runtime) -> None:
        self.unit = unit
        self._rt = runtime
        self.state = State.INACTIVE
        self.reason = ""
        self.since = time.time()
        self.restarts = 0
        self.status_text = ""
        self.notify: NotifySocket | None = None
        self._child: process.Child | None = None
        self._ready: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop_requested = False
        self._limit = StartLimit(unit.start_limit_interval, unit.start_limit_burst)
        self._backoff = Backoff(unit.restart_sec, unit.start_limit_interval)
        # The unit label is the short name ("prometheus"), as the alert rules and dashboard use it.
        self._metrics = runtime.metrics
        self._metrics.unit_up.labels(unit=unit.short_name).set(0)
        self._restart_counter = runtime.metrics.unit_restarts.labels(unit=unit.short_name)

    def open_notify_socket(self, directory: Path) -> None:
        if self.unit.type is ServiceType.NOTIFY:
            self.notify = NotifySocket(directory / f"{self.unit.short_name}.notify", self._on_notify)
            try:
                owner = creds.resolve(self.unit.user, self.unit.name)
            except creds.UnknownUserError:
                owner = None  # the start will fail and say why
            self.notify.open(owner.uid if owner else None)

    def status(self) -> UnitStatus:
        return UnitStatus(
            name=self.unit.name,
            description=self.unit.description,
            state=self.state,
            reason=self.reason,
            since=self.since,
            pid=self._child.pid if self._child and self._child.running else None,
            restarts=self.restarts,
            status_text=self.status_text,
        )

    def start(self) -> None:
        """Queue a start; nothing happens while one is under way or the unit runs. Like
        `systemctl reset-failed` then `start`, it clears the start limit."""
        if self._task is not None and not self._task.done():
            return
        self._stop_requested = False
        self._limit.reset()
        self._backoff.reset()
        self._set(State.WAITING, "")
        self._task = asyncio.create_task(self._run(), name=f"unit {self.unit.name}")

    async def stop(self) -> None:
        task = self._task
        if task is None or task.done():
            return
        if not self._stop_requested:
            self._stop_requested = True
            task.cancel()
        await asyncio.wait({task})
        if self.state.busy:  # cancelled before it ever ran, so _run could not say so
            self._set(State.INACTIVE, "stopped")

    def _set(self, state: State, reason: str) -> None:
        if (state, reason) == (self.state, self.reason):
            return
        self.state, self.reason, self.since = state, reason, time.time()
        self._export_up()
        level = logging.WARNING if state is State.FAILED else logging.INFO
        log.log(level, "%s: %s%s", self.unit.name, state.value, f" ({reason})" if reason else "")
        self._rt.changes.notify()

    def _export_up(self) -> None:
        """appliance_unit_up: 1 while active, 0 while it should run but does not. A skipped unit
        (a Condition not met: Grafana left out of the image) and a finished oneshot have no series,
        so "up == 0" alerts only for units that are really down."""
        name = self.unit.short_name
        if self.state in (State.SKIPPED, State.EXITED):
            with contextlib.suppress(KeyError):
                self._metrics.unit_up.remove(name)
        else:
            self._metrics.unit_up.labels(unit=name).set(1 if self.state is State.ACTIVE else 0)

    async def _run(self) -> None:
        try:
            await self._lifecycle()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # stop() asked for this; the task ends normally
            await self._stopped()
        except Exception as e:  # a bug here must not take the other units down
            log.exception("%s: internal error", self.unit.name)
            await self._stopped()
            self._set(State.FAILED, f"internal error: {e}")

    async def _stopped(self) -> None:
        child = self._child
        if child is not None and child.running:
            self._set(State.DEACTIVATING, "stopping")
            await self._terminate(child)
        self._set(State.INACTIVE, "stopped")

    async def _lifecycle(self) -> None:
        rt, unit = self._rt, self.unit
        after = rt.graph.after(unit.name)
        await rt.changes.wait_for(lambda: not any(rt.state_of(dep).busy for dep in after))
        for dep in unit.requires:
            state = rt.state_of(dep)
            if state is State.FAILED or (dep in after and not state.satisfies_requires):
                self._set(State.FAILED, f"required unit {dep} is {state.value}")
                return
        for condition in unit.conditions:
            if not condition.holds():
                self._set(State.SKIPPED, f"{condition} was not met")
                return
        loop = asyncio.get_running_loop()
        attempt, last_failure = 0, ""
        while True:
            if not self._limit.allow(loop.time()):
                self._set(
                    State.FAILED,
                    f"{last_failure}; start limit hit: {unit.start_limit_burst} starts "
                    f"within {unit.start_limit_interval:g}s",
                )
                return
            if attempt:
                self.restarts += 1
                self._restart_counter.inc()
            attempt += 1
            result = await self._run_once()
            if not self._should_restart(result):
                done = State.EXITED if unit.type is ServiceType.ONESHOT else State.INACTIVE
                self._set(done if result.success else State.FAILED, result.reason)
                return
            last_failure = result.reason
            delay = self._backoff.next_delay(result.duration)
            self._set(State.AUTO_RESTART, f"{result.reason}; restarting in {delay:g}s")
            await asyncio.sleep(delay)

    def _should_restart(self, result: RunResult) -> bool:
        if self.unit.restart is RestartPolicy.ALWAYS:
            return True
        return self.unit.restart is RestartPolicy.ON_FAILURE and not result.success

    async def _run_once(self) -> RunResult:
        unit = self.unit
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + unit.timeout_start
        self.status_text = ""
        self._set(State.ACTIVATING, "")
        try:
            credentials = creds.resolve(unit.user, unit.name)
            env = self._environment(credentials)
            cwd = self._working_directory(credentials)
            for command in unit.exec_start_pre:
                await self._run_to_end("ExecStartPre", command, env, cwd, credentials, deadline)
            if unit.type is ServiceType.ONESHOT:
                for command in unit.exec_start:
                    await self._run_to_end("ExecStart", command, env, cwd, credentials, deadline)
                return RunResult(True, "finished", loop.time() - started)
            command = unit.exec_start[0]
            self._ready = loop.create_future()
            child = await self._spawn(command, env, cwd, credentials)
            await self._wait_ready(child, deadline)
        except (StartFailed, creds.UnknownUserError, EnvironmentFileError) as e:
            return RunResult(False, str(e), loop.time() - started)
        if self.state is State.ACTIVATING:  # not if STOPPING=1 came right behind READY=1
            self._set(State.ACTIVE, "")
        status = await child.wait_exit()
        await self._cleanup(child)
        success = status.success or command.ignore_failure
        return RunResult(success, f"main process {status}", loop.time() - started)

    def _environment(self, credentials: creds.Credentials | None) -> dict[str, str]:
        extra = credentials.environment() if credentials else {}
        if self.notify is not None:
            extra["NOTIFY_SOCKET"] = str(self.notify.path)
        return unit_environment(self.unit, self._rt.environ, extra)

    def _working_directory(self, credentials: creds.Credentials | None) -> str:
        directory = self.unit.working_directory
        if directory is None:
            return "/"
        if directory == "~":
            directory = credentials.home if credentials else os.path.expanduser("~")
        if os.path.isdir(directory):
            return directory
        if self.unit.working_directory_optional:
            return "/"
        raise StartFailed(f"WorkingDirectory={directory}: no such directory")

    async def _spawn(
        self, command: Command, env: dict[str, str], cwd: str, credentials: creds.Credentials | None
    ) -> process.Child:
        argv = expand_argv(command, env)
        if not argv:
            raise StartFailed(f"{command}: empty command line after variable expansion")
        try:
            child = process.start(argv, env=env, cwd=cwd, credentials=credentials, reaper=self._rt.reaper)
        except (OSError, subprocess.SubprocessError) as e:
            raise StartFailed(f"cannot execute {argv[0]}: {getattr(e, 'strerror', None) or e}") from e
        self._child = child
        await child.forward_output(f"{self.unit.short_name} | ", self._rt.sink)
        return child

    async def _run_to_end(
        self,
        label: str,
        command: Command,
        env: dict[str, str],
        cwd: str,
        credentials: creds.Credentials | None,
        deadline: float,
    ) -> None:
        child = await self._spawn(command, env, cwd, credentials)
        timeout = _seconds(deadline - asyncio.get_running_loop().time())
        status = await child.wait(timeout)
        if status is None:
            await self._terminate(child)
            raise StartFailed(f"{label} did not finish within TimeoutStartSec={self.unit.timeout_start:g}s")
        await self._cleanup(child)
        if not status.success:
            if not command.ignore_failure:
                raise StartFailed(f"{label} {command.argv[0]} {status}")
            log.info("%s: %s %s %s (ignored)", self.unit.name, label, command.argv[0], status)

    async def _wait_ready(self, child: process.Child, deadline: float) -> None:
        if self.unit.type is ServiceType.NOTIFY:
            assert self._ready is not None
            ready: asyncio.Future[None] = self._ready
        elif self.unit.readiness_url:
            ready = asyncio.ensure_future(wait_until_ready(self.unit.readiness_url))
        else:
            return  # Type=simple: ready once started
        try:
            timeout = _seconds(deadline - asyncio.get_running_loop().time())
            waiting: set[asyncio.Future[Any]] = {ready, child.exited}
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if ready is not self._ready:
                ready.cancel()
        if ready in done:
            return
        if child.exited in done:
            await self._cleanup(child)
            raise StartFailed(f"main process {child.exited.result()} before it was ready")
        await self._terminate(child)
        raise StartFailed(f"not ready within TimeoutStartSec={self.unit.timeout_start:g}s")

    async def _terminate(self, child: process.Child) -> None:
        """KillSignal= to the process group; SIGKILL if it is still there after TimeoutStopSec=."""
        if child.running:
            child.signal_group(self.unit.kill_signal)
            if await child.wait(_seconds(self.unit.timeout_stop)) is None:
                log.warning(
                    "%s: still running %gs after %s (TimeoutStopSec=), sending SIGKILL",
                    self.unit.name, self.unit.timeout_stop, self.unit.kill_signal.name,
                )
                child.signal_group(signal.SIGKILL)
                await child.wait_exit()
        await self._cleanup(child)

    async def _cleanup(self, child: process.Child) -> None:
        # Like systemd's control group, the unit ends with its main process: kill what it left behind.
        child.signal_group(signal.SIGKILL)
        await child.drain_output()

    def _on_notify(self, fields: dict[str, str]) -> None:
        if self._child is None or not self._child.running:
            return  # a late message from a process that is gone
        if "STATUS" in fields:
            self.status_text = fields["STATUS"]
            self._rt.changes.notify()
        if fields.get("READY") == "1" and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        if fields.get("STOPPING") == "1":
            self._set(State.DEACTIVATING, "the service said STOPPING=1")
