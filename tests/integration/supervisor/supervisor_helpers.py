"""Helpers for the supervisor's integration tests: unit files that run fake_service.py, waiting with
a deadline, and `appliance init` as a real subprocess. (Imported by name: a module called
`conftest` would be ambiguous, since every test directory has one.)"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import appliance
from appliance.errors import ApplianceError
from appliance.supervisor.control import request

FAKE_SERVICE = Path(__file__).with_name("fake_service.py")
REPO = Path(appliance.__file__).resolve().parent.parent
DEADLINE = 20.0  # generous: only a broken supervisor ever waits this long


def fake(*actions: str) -> str:
    """An ExecStart= value that runs fake_service.py with `actions`."""
    return shlex.join([sys.executable, str(FAKE_SERVICE), *actions])


def write_unit(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.service"
    path.write_text(text)
    return path


def read_log(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def eventually(predicate: Callable[[], bool], timeout: float = DEADLINE, interval: float = 0.02) -> None:
    """Poll `predicate` until it holds; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class InitProcess:
    """`appliance init` as a subprocess; its stdout (with stderr) collected in a file."""

    def __init__(self, units: Path, control_socket: Path, output: Path, *options: str) -> None:
        self.control_socket = control_socket
        self.output_path = output
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        with output.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "appliance", "init", "--units", str(units),
                 "--control-socket", str(control_socket), *(options or ["--no-metrics"])],
                stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO,
            )

    @property
    def output(self) -> str:
        return self.output_path.read_text()

    def states(self) -> dict[str, str]:
        """Unit name -> state; empty while the control socket is not up yet."""
        try:
            units = request(self.control_socket, "list")["units"]
        except ApplianceError:
            assert self.process.poll() is None, f"appliance init exited early:\n{self.output}"
            return {}
        return {u["name"]: u["state"] for u in units}

    def wait_for_states(self, expected: dict[str, str]) -> None:
        eventually(lambda: all(self.states().get(name) == state for name, state in expected.items()))

    def stop(self) -> int:
        """SIGTERM, then the exit status."""
        self.process.terminate()
        try:
            return self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"appliance init did not exit after SIGTERM:\n{self.output}")
