"""Forward a child's output line by line, each line prefixed with the unit's name."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

# A line longer than this is forwarded in pieces rather than held in memory.
MAX_LINE = 64 * 1024


def write_stdout(line: str) -> None:
    """The default sink: the supervisor's stdout, flushed per line so `docker logs` sees it at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class LineForwarder(asyncio.Protocol):
    """Reads a pipe; calls `sink(prefix + line)` per line. `closed` resolves at end of file."""

    def __init__(self, prefix: str, sink: Callable[[str], None]) -> None:
        self._prefix = prefix
        self._sink = sink
        self._buffer = b""
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._emit(line)
        while len(self._buffer) >= MAX_LINE:
            self._emit(self._buffer[:MAX_LINE])
            self._buffer = self._buffer[MAX_LINE:]

    def eof_received(self) -> bool | None:
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self._buffer:
            self._emit(self._buffer)
            self._buffer = b""
        if not self.closed.done():
            self.closed.set_result(None)

    def _emit(self, line: bytes) -> None:
        self._sink(self._prefix + line.decode("utf-8", errors="replace").rstrip("\r"))
