"""The supervisor: every unit of a directory, started in dependency order and stopped in reverse.

Runs on one asyncio loop in the main thread (it owns SIGCHLD). Use it as an async context manager;
leaving the block stops every unit:

    async with Supervisor(load_units(path)) as supervisor:
        supervisor.start_all()
        await supervisor.wait_until(lambda: ...)
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType

from appliance.errors import UsageError
from appliance.metrics import METRICS, Metrics
from appliance.supervisor.graph import Graph
from appliance.supervisor.model import Unit
from appliance.supervisor.output import write_stdout
from appliance.supervisor.reaper import Reaper
from appliance.supervisor.service import Runtime, Service
from appliance.supervisor.state import Changes, State, UnitStatus


class Supervisor:
    def __init__(
        self,
        units: Iterable[Unit],
        *,
        metrics: Metrics = METRICS,
        sink: Callable[[str], None] = write_stdout,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """Raises ConfigError for a Requires= on a missing unit or an ordering cycle."""
        self.graph = Graph(units)
        self.changes = Changes()
        self._reaper = Reaper()
        self._runtime_dir: Path | None = None
        runtime = Runtime(
            graph=self.graph,
            reaper=self._reaper,
            changes=self.changes,
            state_of=lambda name: self.services[name].state,
            metrics=metrics,
            sink=sink,
            environ=dict(os.environ if environ is None else environ),
        )
        self.services = {name: Service(self.graph.units[name], runtime) for name in self.graph.start_order()}

    async def __aenter__(self) -> Supervisor:
        self._reaper.start()
        # Short path (sockets allow 107 bytes); searchable by the units' users, who send to their sockets.
        self._runtime_dir = Path(tempfile.mkdtemp(prefix="appliance-init."))
        self._runtime_dir.chmod(0o711)
        for service in self.services.values():
            service.open_notify_socket(self._runtime_dir)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.stop_all()
        finally:
            for service in self.services.values():
                if service.notify is not None:
                    service.notify.close()
            self._reaper.close()
            if self._runtime_dir is not None:
                shutil.rmtree(self._runtime_dir, ignore_errors=True)

    def unit_name(self, name: str) -> str:
        """Accepts "prometheus" or "prometheus.service"."""
        full = name if name.endswith(".service") else f"{name}.service"
        if full not in self.services:
            raise UsageError(f"no unit named {name!r} (see `appliance units list`)")
        return full

    def state(self, name: str) -> State:
        return self.services[self.unit_name(name)].state

    def status(self, name: str | None = None) -> list[UnitStatus]:
        names = [self.unit_name(name)] if name else list(self.services)
        return [self.services[n].status() for n in names]

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = math.inf) -> bool:
        """Wait for a condition on the units' states; False if `timeout` seconds pass first."""
        return await self.changes.wait_for(predicate, timeout)

    def start_all(self) -> None:
        for service in self.services.values():
            service.start()

    async def stop_all(self) -> None:
        await self._stop(self.graph.stop_order())

    async def start(self, name: str) -> None:
        """Start the unit and what it Requires=/Wants=; return once none of them is busy."""
        await self._start(self.graph.pulled_in(self.unit_name(name)))

    async def stop(self, name: str) -> None:
        """Stop the unit and the units that Require= it (they stop first)."""
        await self._stop(self.graph.required_by(self.unit_name(name)))

    async def restart(self, name: str) -> None:
        full = self.unit_name(name)
        stopped = self.graph.required_by(full)
        await self._stop(stopped)
        again = {*stopped, *self.graph.pulled_in(full)}
        await self._start([n for n in self.graph.start_order() if n in again])

    async def _start(self, names: list[str]) -> None:
        for name in names:
            self.services[name].start()
        await self.changes.wait_for(lambda: not any(self.services[n].state.busy for n in names))

    async def _stop(self, names: list[str]) -> None:
        """Stop `names` concurrently, each after the units ordered after it (reverse start order)."""
        chosen = set(names)
        stopped = {name: asyncio.Event() for name in names}

        async def stop_one(name: str) -> None:
            for later in self.graph.before(name) & chosen:
                await stopped[later].wait()
            await self.services[name].stop()
            stopped[name].set()

        await asyncio.gather(*(stop_one(name) for name in names))
