"""Fixtures of the infrastructure tests: the image, built once per session with .ci/build-image.sh
(the `just image` script), and one container of it, run as a user would run it: a small repository
mounted read-only at /repos, a plugins folder at /plugins, a named volume at /data, ports 8080 and
9090 published on 127.0.0.1 (random host ports).

Without a Docker engine these tests skip, saying why; under CI=true they fail instead (.ci/run
starts dockerd). APPLIANCE_TEST_IMAGE=TAG uses an image already built instead of building one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import testinfra
from container_helpers import BUILD_SCRIPT, Appliance, docker_client

TEST_TAG = "code-index-appliance:test"
BUILD_TIMEOUT = 1500

# A small repository in bundled languages: one definition each that the tests look for.
REPO_FILES = {
    "app/service.py": (
        "import os\n\n\nclass InvoiceService:\n    def total_due(self, invoice):\n"
        "        return sum(line.amount for line in invoice.lines)\n\n\n"
        "def load_invoices(path):\n    return os.listdir(path)\n"
    ),
    "cmd/main.go": (
        'package main\n\nimport "fmt"\n\nfunc renderReport(name string) string {\n'
        '\treturn fmt.Sprintf("report %s", name)\n}\n\nfunc main() { fmt.Println(renderReport("q3")) }\n'
    ),
    "src/lib.rs": (
        "pub fn checksum_block(data: &[u8]) -> u32 {\n    data.iter().map(|b| *b as u32).sum()\n}\n"
    ),
    "web/cart.js": "export function addToCart(cart, item) {\n  return [...cart, item];\n}\n",
}


def need(reason: str) -> None:
    """Skip with the reason; under CI=true that is a failure, since CI provides everything."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI=true requires it (.ci/run installs docker.io and starts dockerd)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker() -> str:
    client = docker_client()
    if client is None:
        need("no docker client (apt-get install docker.io)")
        raise AssertionError  # not reached
    try:
        version = subprocess.run(
            [client, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        need("the Docker engine does not answer within 30s")
    if version.returncode != 0 or not version.stdout.strip():
        need(f"no Docker engine answers: {version.stderr.strip()[:200] or 'docker version failed'}")
    return client


@pytest.fixture(scope="session")
def image(docker: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The image under test: built here once per session, or APPLIANCE_TEST_IMAGE."""
    given = os.environ.get("APPLIANCE_TEST_IMAGE")
    if given:
        inspect = subprocess.run(
            [docker, "image", "inspect", given], capture_output=True, timeout=30, check=False
        )
        assert inspect.returncode == 0, f"APPLIANCE_TEST_IMAGE={given}: no such image"
        return given
    base = subprocess.run(
        [docker, "image", "inspect", "debian:bookworm-slim"], capture_output=True, timeout=30, check=False
    )
    if base.returncode != 0 and (shutil.which("debootstrap") is None or os.geteuid() != 0):
        need(
            "the base image debian:bookworm-slim is absent and cannot be bootstrapped here "
            "(needs root and debootstrap: apt-get install debootstrap)"
        )
    log = tmp_path_factory.mktemp("image") / "build.log"
    with log.open("w") as out:
        build = subprocess.run(
            [str(BUILD_SCRIPT), TEST_TAG],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DOCKER": docker, "WITH_GRAFANA": "0"},
            timeout=BUILD_TIMEOUT,
            check=False,
        )
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:])
    assert build.returncode == 0, f"{BUILD_SCRIPT.name} failed (exit {build.returncode}); log {log}:\n{tail}"
    return TEST_TAG


def open_to_all(root: Path) -> None:
    """pytest makes private temporary folders; the container's appliance user must read them."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture(scope="session")
def appliance(docker: str, image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Appliance]:
    workspace = tmp_path_factory.mktemp("appliance")
    repo, plugins = workspace / "repo", workspace / "plugins"
    for rel, text in REPO_FILES.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    plugins.mkdir()
    open_to_all(workspace)
    suffix = uuid.uuid4().hex[:8]
    container = Appliance(
        docker=docker,
        name=f"appliance-test-{suffix}",
        image=image,
        repo=repo,
        plugins=plugins,
        volume=f"appliance-test-data-{suffix}",
    )
    container.start_container()
    try:
        try:
            container.wait_until_ready()
        except AssertionError as e:
            raise AssertionError(
                f"{e}\n--- docker logs (last 80 lines):\n{container.logs()[-8000:]}"
            ) from None
        yield container
    finally:
        container.remove()


@pytest.fixture(scope="session")
def host(appliance: Appliance) -> testinfra.host.Host:
    """testinfra's view of the container (docker backend: `docker exec` as root)."""
    return testinfra.get_host(f"docker://{appliance.name}")
