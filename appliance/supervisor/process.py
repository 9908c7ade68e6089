"""Start one command of a unit as a child process: in its own process group (so a stop signal
reaches everything it started), with the unit's environment, directory and user; stdout and
stderr share one pipe that a LineForwarder reads."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from appliance.supervisor.credentials import Credentials
from appliance.supervisor.output import LineForwarder
from appliance.supervisor.reaper import ExitStatus, Reaper

# How long to wait for the output pipe to reach end of file once the group is gone: a process that
# left the group (setsid) may still hold it open.
OUTPUT_DRAIN_TIMEOUT = 1.0


@dataclass
class Child:
    popen: subprocess.Popen[bytes]
    exited: asyncio.Future[ExitStatus]
    pipe: BinaryIO  # the read end of stdout and stderr
    _transport: asyncio.ReadTransport | None = None
    _output_closed: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def running(self) -> bool:
        return not self.exited.done()

    async def wait(self, timeout: float | None = None) -> ExitStatus | None:
        """The exit status, or None after `timeout` seconds. Unlike `await self.exited`, being
        cancelled while waiting leaves `exited` alone, so the exit is still seen later."""
        await asyncio.wait({self.exited}, timeout=timeout)
        return self.exited.result() if self.exited.done() else None

    async def wait_exit(self) -> ExitStatus:
        await asyncio.wait({self.exited})
        return self.exited.result()

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # nothing left in the group
            os.killpg(self.pid, sig)

    async def forward_output(self, prefix: str, sink: Callable[[str], None]) -> None:
        loop = asyncio.get_running_loop()
        transport, forwarder = await loop.connect_read_pipe(lambda: LineForwarder(prefix, sink), self.pipe)
        self._transport, self._output_closed = transport, forwarder.closed

    async def drain_output(self) -> None:
        """Forward what is left in the pipe, then close it."""
        if self._transport is None or self._output_closed is None:
            self.pipe.close()
            return
        await asyncio.wait({self._output_closed}, timeout=OUTPUT_DRAIN_TIMEOUT)
        self._transport.close()


def start(
    argv: list[str],
    *,
    env: Mapping[str, str],
    cwd: str,
    credentials: Credentials | None,
    reaper: Reaper,
) -> Child:
    """Synchronous, so the caller holds the Child before anything can interrupt it.
    Raises OSError (or SubprocessError) when the command cannot be executed."""
    read_fd, write_fd = os.pipe()
    try:
        popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=write_fd,
            env=dict(env),
            cwd=cwd,
            process_group=0,
            **(credentials.popen_kwargs() if credentials else {}),
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return Child(popen, reaper.watch(popen), os.fdopen(read_fd, "rb", buffering=0))
