"""One running appliance container, as the infrastructure tests see it: `docker exec` into it, its
units, its published ports, its logs, and an MCP client from this process to its /mcp.

The image is built by .ci/build-image.sh (the same script as `just image`); conftest.py builds it once
per session and starts the container these helpers wrap.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / ".ci/build-image.sh"
# Units that must be active once the container has started; grafana is skipped in images built
# without it (WITH_GRAFANA=0) and active in images with it.
APP_UNITS = ("appliance-indexer", "appliance-server", "prometheus", "alertmanager")
PUBLISHED = (8080, 9090)  # on 127.0.0.1, random host ports

T = TypeVar("T")


def docker_client() -> str | None:
    """Debian's own client first: the newer one some machines put first on PATH wants buildx to build."""
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    return shutil.which("docker")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.5) -> T:
    """Poll `probe` until it returns something other than None or False; fail after `timeout` seconds
    with the last value seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last is not None and last is not False:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s (last seen: {last!r})")
        time.sleep(interval)


@dataclass
class Appliance:
    docker: str
    name: str
    image: str
    repo: Path
    plugins: Path
    volume: str
    env: Mapping[str, str] = field(default_factory=dict)

    # --- the container

    def docker_cmd(
        self, *args: str, timeout: float = 60, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.docker, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)}: exit {result.returncode}\n{result.stderr}")
        return result

    def start_container(self) -> None:
        args = ["run", "--detach", "--name", self.name, "--hostname", "appliance-test"]
        args += [
            "-v",
            f"{self.repo}:/repos:ro",
            "-v",
            f"{self.plugins}:/plugins",
            "-v",
            f"{self.volume}:/data",
        ]
        for port in PUBLISHED:
            args += ["-p", f"127.0.0.1::{port}"]
        for key, value in self.env.items():
            args += ["-e", f"{key}={value}"]
        self.docker_cmd(*args, self.image)

    def remove(self) -> None:
        self.docker_cmd("rm", "--force", "--volumes", self.name, check=False)
        self.docker_cmd("volume", "rm", "--force", self.volume, check=False)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(
            self.docker_cmd("inspect", "--format", "{{json .State}}", self.name).stdout
        )
        return state

    def logs(self, since: str | None = None) -> str:
        args = ["logs", *(["--since", since] if since else []), self.name]
        result = self.docker_cmd(*args)
        return result.stdout + result.stderr

    def port(self, container_port: int) -> str:
        """HOST:PORT where a published port is reachable; it changes when the container is restarted."""
        out = self.docker_cmd("port", self.name, f"{container_port}/tcp").stdout.split()
        assert out, f"port {container_port} is not published"
        return out[0]

    # --- inside it

    def exec(self, *argv: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.docker_cmd("exec", self.name, *argv, timeout=timeout, check=check)

    def units(self) -> dict[str, dict[str, Any]]:
        """`appliance units list --json`, by short name ("prometheus")."""
        listed = json.loads(self.exec("appliance", "units", "list", "--json").stdout)
        return {u["name"].removesuffix(".service"): u for u in listed}

    def wait_until_ready(self, timeout: float = 120) -> dict[str, dict[str, Any]]:
        """Every unit settled: the appliance's units active, grafana active or skipped."""

        def settled() -> dict[str, dict[str, Any]] | None:
            try:
                units = self.units()
            except AssertionError:
                return None  # the supervisor is not listening yet
            failed = {name: u["reason"] for name, u in units.items() if u["state"] == "failed"}
            if failed:  # given up on by the supervisor: waiting longer cannot help
                raise AssertionError(f"{self.name}: units failed: {failed}")
            ok = all(units.get(name, {}).get("state") == "active" for name in APP_UNITS)
            ok = ok and units.get("grafana", {}).get("state") in ("active", "skipped")
            return units if ok else None

        return wait_for(f"{self.name}: every unit active", settled, timeout)

    def http_inside(self, url: str) -> tuple[int, str]:
        """GET `url` from inside the container (for what listens on its loopback only)."""
        script = (
            "import sys, urllib.request, urllib.error\n"
            "try:\n"
            "    r = urllib.request.urlopen(sys.argv[1], timeout=5)\n"
            "    print(r.status); print(r.read().decode())\n"
            "except urllib.error.HTTPError as e:\n"
            "    print(e.code); print(e.read().decode())\n"
        )
        result = self.exec("python3", "-c", script, url, check=False)
        if result.returncode != 0:
            return 0, result.stderr
        status, _, body = result.stdout.partition("\n")
        return int(status), body

    def token(self) -> str:
        """The bearer token the entry script generated into /data/tokens."""
        text = self.exec("cat", "/data/tokens").stdout
        return next(
            line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")
        )

    # --- from the host

    def http(self, container_port: int, path: str) -> tuple[int, str]:
        url = f"http://{self.port(container_port)}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            with e:  # its response holds the connection: close it, not the garbage collector
                return e.code, e.read().decode()
        except OSError as e:
            return 0, str(e)

    def mcp_url(self) -> str:
        return f"http://{self.port(8080)}/mcp"


async def call_tool(url: str, token: str, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One MCP tool call over Streamable HTTP with the SDK's client, as an agent would make it."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http), mode="legacy") as client,
    ):
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content
