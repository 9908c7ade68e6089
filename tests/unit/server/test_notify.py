"""READY=1 reaches a real datagram socket named by NOTIFY_SOCKET (a path, or an abstract name)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from appliance.server.notify import notify


def test_ready_reaches_a_socket_at_a_path(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(str(path))
        assert notify("READY=1", {"NOTIFY_SOCKET": str(path)})
        receiver.settimeout(5)
        assert receiver.recv(4096) == b"READY=1"


def test_ready_reaches_an_abstract_socket() -> None:
    name = f"appliance-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name)
        assert notify("READY=1", {"NOTIFY_SOCKET": "@" + name})
        receiver.settimeout(5)
        assert receiver.recv(4096) == b"READY=1"


def test_no_socket_no_message(tmp_path: Path) -> None:
    assert not notify("READY=1", {})
    assert not notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})
