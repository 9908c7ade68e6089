"""Collect the exit status of every child, our own and strays.

The supervisor may run as PID 1 (without tini), where orphans are reparented to it; so it reaps
with `waitpid(-1)` on SIGCHLD and hands each status to whoever started that pid. Being the only
caller of wait*() in the process, it never races the subprocess module for a status.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExitStatus:
    code: int | None = None  # exit code, when the process exited
    signal: int | None = None  # signal number, when it was killed

    @classmethod
    def from_wait_status(cls, status: int) -> ExitStatus:
        code = os.waitstatus_to_exitcode(status)
        return cls(signal=-code) if code < 0 else cls(code=code)

    @property
    def success(self) -> bool:
        return self.code == 0

    def __str__(self) -> str:
        if self.signal is not None:
            return f"killed by {signal.Signals(self.signal).name}"
        return f"exited with status {self.code}"


class Reaper:
    def __init__(self) -> None:
        self._children: dict[int, tuple[subprocess.Popen[bytes], asyncio.Future[ExitStatus]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_signal_handler(signal.SIGCHLD, self.reap)
        self.reap()  # whatever exited before the handler was in place

    def close(self) -> None:
        if self._loop is not None:
            self._loop.remove_signal_handler(signal.SIGCHLD)
            self._loop = None

    def watch(self, popen: subprocess.Popen[bytes]) -> asyncio.Future[ExitStatus]:
        """Call right after starting `popen`, before awaiting anything, so no exit can be missed."""
        future: asyncio.Future[ExitStatus] = asyncio.get_running_loop().create_future()
        self._children[popen.pid] = (popen, future)
        return future

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            entry = self._children.pop(pid, None)
            if entry is None:
                log.debug("reaped orphan process %d", pid)
                continue
            popen, future = entry
            # Popen would otherwise think the child still runs and warn when it is collected.
            popen.returncode = os.waitstatus_to_exitcode(status)
            if not future.done():
                future.set_result(ExitStatus.from_wait_status(status))
