"""`appliance serve` as a real process on a free loopback port: started, waited for on /readyz with a
deadline (no sleeps), and stopped with SIGTERM. The fixture repository is indexed with the real
`appliance index`; every process loads the Python plugin alone (loading all of them takes seconds).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from appliance.plugins.discovery import bundled_plugins_dir

DEADLINE = 30.0
APPLIANCE = [sys.executable, "-m", "appliance"]
READ_TOKEN = "read-token-0123456789abcdef"
ADMIN_TOKEN = "admin-token-0123456789abcdef"

FILES = {
    "src/users.py": "class UserStore:\n    def get_user(self, user_id):\n        return fetch_row(user_id)\n"
    "\n\ndef fetch_row(key):\n    return key\n",
    "src/helpers.py": "from users import UserStore\n\n\ndef get_usr(name):\n    return name.title()\n",
    "README.txt": "Hello World\nhello again\n",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    scheme: str = "http"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Env:
    """The environment every process of a test shares: plugins, data dir, fixture repository."""

    tmp: Path
    repo: Path
    data: Path
    environ: dict[str, str]

    def run(self, *args: str, timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*APPLIANCE, *args],
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    @contextmanager
    def serve(
        self,
        *args: str,
        environ: dict[str, str] | None = None,
        scheme: str = "http",
        ready: bool = True,
        host: str = "127.0.0.1",
        cwd: Path | None = None,
    ) -> Iterator[Server]:
        port = free_port()
        log = self.tmp / f"serve-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*APPLIANCE, "serve", "--bind", f"{host}:{port}", *args],
                env={**self.environ, **(environ or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd or self.tmp,
            )
        server = Server(process, port, log, scheme)
        try:
            if ready:
                wait_ready(server)
            yield server
        finally:
            stop(process)


def wait_ready(server: Server, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    with httpx2.Client(verify=False, timeout=2.0) as http:
        while True:
            if server.process.poll() is not None:
                pytest.fail(f"the server exited with {server.process.returncode}:\n{server.output()}")
            try:
                if http.get(f"{server.base}/readyz").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server was not ready within {timeout}s:\n{server.output()}")
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "python").symlink_to(bundled_plugins_dir() / "python")
    repo = tmp_path / "fixture"
    write_files(repo, FILES)
    environ = {
        **os.environ,
        "APPLIANCE_BUNDLED_PLUGINS": str(plugins),
        "APPLIANCE_DATA": str(tmp_path / "data"),
        "PYTHONUNBUFFERED": "1",
    }
    environ.pop("NOTIFY_SOCKET", None)
    environ.pop("APPLIANCE_TOKENS_FILE", None)
    return Env(tmp_path, repo, tmp_path / "data", environ)


@pytest.fixture
def indexed(env: Env) -> Env:
    """`env` with the fixture repository indexed (as `fixture`) by the real `appliance index`."""
    done = env.run("index", str(env.repo))
    assert done.returncode == 0, done.stderr
    return env


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"{READ_TOKEN} read\n{ADMIN_TOKEN} admin\n")
    return path


@pytest.fixture
def eventually() -> Callable[..., None]:
    def wait(predicate: Callable[[], bool], timeout: float = DEADLINE, message: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"{message} not met within {timeout}s")
            time.sleep(0.02)

    return wait


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
