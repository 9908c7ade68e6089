"""The state of a unit as the supervisor tracks it, and a way to wait for states to change."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class State(StrEnum):
    INACTIVE = "inactive"  # not started yet, stopped, or exited cleanly
    WAITING = "waiting"  # start queued: waiting for the units it is After=
    ACTIVATING = "activating"  # ExecStartPre= or the main process runs, not ready yet
    ACTIVE = "active"  # ready
    AUTO_RESTART = "auto-restart"  # failed; starts again after RestartSec=
    DEACTIVATING = "deactivating"  # being stopped, or said STOPPING=1
    EXITED = "exited"  # Type=oneshot that finished successfully
    FAILED = "failed"  # failed and will not be restarted (see the reason)
    SKIPPED = "skipped"  # a Condition*= was not met; not an error

    @property
    def busy(self) -> bool:
        """Still on its way somewhere: units ordered after it keep waiting."""
        return self in (State.WAITING, State.ACTIVATING, State.AUTO_RESTART, State.DEACTIVATING)

    @property
    def satisfies_requires(self) -> bool:
        return self in (State.ACTIVE, State.EXITED, State.SKIPPED)


@dataclass(frozen=True)
class UnitStatus:
    """What `appliance units status` shows; also the control protocol's JSON object."""

    name: str
    description: str
    state: State
    reason: str  # why it is in this state: "main process exited with status 1", ...
    since: float  # wall-clock time of the last state change
    pid: int | None
    restarts: int
    status_text: str  # the last STATUS= a notify unit sent

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "state": self.state.value}


class Changes:
    """Wakes every waiter whenever any unit changes state. Waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = math.inf) -> bool:
        """Wait until `predicate()` holds; False if `timeout` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            event = self._event
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(event.wait(), None if math.isinf(remaining) else remaining)
            except TimeoutError:
                return predicate()
        return True
