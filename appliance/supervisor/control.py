"""The control socket: a Unix stream socket speaking newline-delimited JSON, one response per request.

    request:  {"op": "list" | "status" | "start" | "stop" | "restart" | "is-active", "unit": "NAME"}
    response: {"ok": true, ...} or {"ok": false, "error": "message"}

`list` and `status` answer {"units": [UnitStatus...]}; `start`, `stop`, `restart` answer once the
unit has settled, with {"unit": UnitStatus}; `is-active` answers {"active": bool, "state": "..."}.
docs/units.md has the details. `ControlServer` is the supervisor's side, `request` the client's.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from appliance.errors import ApplianceError, UsageError
from appliance.supervisor.runner import Supervisor
from appliance.supervisor.state import State

OPERATIONS = ("list", "status", "start", "stop", "restart", "is-active")


class ControlServer:
    def __init__(self, path: Path, supervisor: Supervisor) -> None:
        self.path = path
        self._supervisor = supervisor
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> ControlServer:
        _claim(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._server = await asyncio.start_unix_server(self._serve_client, path=str(self.path))
        except OSError as e:
            raise ApplianceError(f"cannot listen on {self.path}: {e}") from e
        self.path.chmod(0o600)  # the control socket can stop everything: root only
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            for client in list(self._clients):
                client.close()
            await self._server.wait_closed()
        self.path.unlink(missing_ok=True)

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while line := await reader.readline():
                response = await self._answer(line)
                writer.write(json.dumps(response).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, ValueError):
            pass  # the client went away, or sent a line longer than the stream limit
        finally:
            self._clients.discard(writer)
            writer.close()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return {"ok": False, "error": f"not a JSON request: {e}"}
        if not isinstance(request, dict):
            return {"ok": False, "error": "a request is a JSON object"}
        try:
            return {"ok": True, **await self._dispatch(request.get("op"), request.get("unit"))}
        except ApplianceError as e:
            return {"ok": False, "error": str(e)}

    async def _dispatch(self, op: object, unit: object) -> dict[str, Any]:
        supervisor = self._supervisor
        if op not in OPERATIONS:
            raise UsageError(f"unknown operation {op!r}; expected one of {', '.join(OPERATIONS)}")
        if unit is not None and not isinstance(unit, str):
            raise UsageError("\"unit\" is a unit name")
        if op in ("list", "status"):
            return {"units": [s.to_json() for s in supervisor.status(unit)]}
        if not unit:
            raise UsageError(f"{op} needs a unit name")
        if op == "is-active":
            state = supervisor.state(unit)
            return {"active": state is State.ACTIVE, "state": state.value}
        if op == "start":
            await supervisor.start(unit)
        elif op == "stop":
            await supervisor.stop(unit)
        else:
            await supervisor.restart(unit)
        return {"unit": supervisor.status(unit)[0].to_json()}


def _claim(path: Path) -> None:
    """Remove a socket left by a supervisor that died; refuse if one is still listening."""
    if not os.path.lexists(path):
        return
    if not path.is_socket():
        raise ApplianceError(f"{path} exists and is not a socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except ConnectionRefusedError:
            path.unlink()
            return
    raise ApplianceError(f"another supervisor is already listening on {path}")


def request(path: Path, op: str, unit: str | None = None) -> dict[str, Any]:
    """Send one request and return the response; an error response raises UsageError."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as e:
            message = f"no supervisor is listening on {path} (is `appliance init` running?)"
            raise ApplianceError(message) from e
        except OSError as e:
            raise ApplianceError(f"cannot connect to {path}: {e}") from e
        payload = {"op": op} if unit is None else {"op": op, "unit": unit}
        sock.sendall(json.dumps(payload).encode() + b"\n")
        with sock.makefile("rb") as stream:
            line = stream.readline()
    if not line:
        raise ApplianceError(f"the supervisor on {path} closed the connection without an answer")
    response: dict[str, Any] = json.loads(line)
    if not response.get("ok"):
        raise UsageError(str(response.get("error", "unknown error")))
    return response
