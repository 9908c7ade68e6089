"""The running image: its units, sockets, files, owners, modes and users; secrets not baked in."""

from __future__ import annotations

import json
import subprocess

import pytest
from container_helpers import APP_UNITS, Appliance, wait_for

pytestmark = pytest.mark.docker


def test_every_unit_is_active(appliance: Appliance) -> None:
    units = appliance.units()
    assert {name: units[name]["state"] for name in APP_UNITS} == dict.fromkeys(APP_UNITS, "active")
    # Images built without Grafana skip its unit: not a failure, and no appliance_unit_up series.
    assert units["grafana"]["state"] in ("active", "skipped")
    assert set(units) == {*APP_UNITS, "grafana"}


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("tcp://0.0.0.0:8080", "MCP server"),
        ("tcp://0.0.0.0:9090", "Prometheus"),
        ("tcp://127.0.0.1:9093", "Alertmanager, loopback only"),
        ("tcp://0.0.0.0:9110", "supervisor metrics"),
        ("tcp://0.0.0.0:9111", "indexer metrics"),
    ],
)
def test_sockets_listen(host, address: str, what: str) -> None:
    assert host.socket(address).is_listening, what


def test_alertmanager_is_not_reachable_from_outside(host) -> None:
    """Its status API shows the webhook URL, which often carries a token."""
    listening = host.socket.get_listening_sockets()
    assert "tcp://127.0.0.1:9093" in listening
    assert not {"tcp://0.0.0.0:9093", "tcp://:::9093"} & set(listening)


def test_data_belongs_to_the_appliance_user(host) -> None:
    data = host.file("/data")
    assert (data.user, data.group, data.mode & 0o007) == ("appliance", "appliance", 0)
    for name in ("prometheus", "alertmanager", "grafana", "index.v2"):
        assert host.file(f"/data/{name}").user == "appliance", name
    tokens = host.file("/data/tokens")
    assert (tokens.user, tokens.mode) == ("appliance", 0o600)


def test_configuration_is_root_owned_and_not_world_writable(host) -> None:
    units = host.file("/etc/appliance/units")
    assert sorted(units.listdir()) == sorted(f"{name}.service" for name in (*APP_UNITS, "grafana"))
    trees = "/etc/appliance /usr/share/appliance /usr/local/bin /opt/appliance"
    not_root = host.check_output(f"find {trees} ! -user root -printf '%p\\n'")
    writable = host.check_output(f"find {trees} -perm -o+w ! -type l -printf '%p\\n'")
    assert (not_root, writable) == ("", "")
    control = host.file("/run/appliance/control.sock")
    assert (control.is_socket, control.user, control.mode) == (True, "root", 0o600)


def test_services_do_not_run_as_root(appliance: Appliance, host) -> None:
    for name, unit in appliance.units().items():
        if unit["pid"] is not None:
            assert host.process.get(pid=unit["pid"]).user == "appliance", name
    # As root: tini and the supervisor only (and the `sh -c ps` that testinfra runs to look).
    root = {(p.comm, p.args) for p in host.process.filter(user="root") if "ps -A" not in p.args}
    assert {comm for comm, _ in root} == {"tini", "appliance"}, root
    assert all("init" in args.split() for comm, args in root if comm == "appliance"), root


def test_health_check_reports_healthy(appliance: Appliance) -> None:
    """Docker's HEALTHCHECK (every 15s) asks the server's /healthz."""

    def healthy() -> bool:
        return appliance.state().get("Health", {}).get("Status") == "healthy"

    wait_for("docker reports the container healthy", healthy, timeout=90, interval=1)


def test_no_secret_is_baked_into_the_image(appliance: Appliance) -> None:
    config = json.loads(
        appliance.docker_cmd("image", "inspect", "--format", "{{json .Config}}", appliance.image).stdout
    )
    names = {entry.partition("=")[0] for entry in config["Env"]}
    assert not {n for n in names if any(word in n for word in ("PASSWORD", "TOKEN", "WEBHOOK", "SECRET"))}
    # /data of the image is empty: the token and any password are made at the first start.
    listed = appliance.docker_cmd("run", "--rm", appliance.image, "ls", "-A", "/data")
    assert listed.stdout == ""


def test_a_missing_tokens_file_stops_the_container_before_anything_starts(appliance: Appliance) -> None:
    result = subprocess.run(
        [appliance.docker, "run", "--rm", "-e", "APPLIANCE_TOKENS_FILE=/run/secrets/tokens", appliance.image],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "APPLIANCE_TOKENS_FILE=/run/secrets/tokens: no such file" in result.stderr
