"""Fixtures for the supervisor's integration tests; the helpers are in supervisor_helpers.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from supervisor_helpers import InitProcess

from appliance.errors import ApplianceError
from appliance.supervisor.control import request


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
