"""The sd_notify protocol: a datagram socket per unit, passed to it as NOTIFY_SOCKET. Each datagram
is newline-separated KEY=VALUE fields: READY=1, STOPPING=1, STATUS=text, and others we ignore."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from pathlib import Path

MAX_MESSAGE = 4096  # systemd's own limit (PIPE_BUF)


def parse_message(data: bytes) -> dict[str, str]:
    fields = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        key, eq, value = line.partition("=")
        if eq:
            fields[key] = value
    return fields


class NotifySocket:
    def __init__(self, path: Path, on_message: Callable[[dict[str, str]], None]) -> None:
        self.path = path
        self._on_message = on_message
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def open(self, owner_uid: int | None = None) -> None:
        """Bind the socket; `owner_uid` is the unit's user, who must be allowed to send to it."""
        self.path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(self.path))
        sock.setblocking(False)
        os.chmod(self.path, 0o600)
        if owner_uid is not None:
            os.chown(self.path, owner_uid, -1)
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._read)

    def close(self) -> None:
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
            self.path.unlink(missing_ok=True)

    def _read(self) -> None:
        assert self._sock is not None
        while True:
            try:
                data = self._sock.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            self._on_message(parse_message(data))
