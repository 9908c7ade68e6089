"""Helpers for the supervisor's integration tests: unit files running fake_service.py, waiting with
a deadline, and `appliance init` as a real subprocess."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory with a short path (Unix socket paths are limited to 107 bytes), open to every
    user (a unit may run as nobody)."""
    path = Path(tempfile.mkdtemp(prefix="sup-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def units_dir(tmp_path: Path) -> Path:
    path = tmp_path / "units"
    path.mkdir()
    return path


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


@pytest.fixture
def start_init(tmp_path: Path, short_dir: Path) -> Iterator[Callable[..., InitProcess]]:
    started: list[InitProcess] = []

    def start(units: Path, *options: str) -> InitProcess:
        """Start `appliance init --units UNITS OPTIONS...` (OPTIONS default to --no-metrics)."""
        init = InitProcess(units, short_dir / "control.sock", tmp_path / "init.out", *options)
        started.append(init)
        return init

    yield start
    for init in started:
        if init.process.poll() is None:  # the test failed half-way: leave no process behind
            try:
                pids = [u["pid"] for u in request(init.control_socket, "list")["units"] if u["pid"]]
            except ApplianceError:
                pids = []
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            init.process.kill()
            init.process.wait()
