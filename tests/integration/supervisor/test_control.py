"""`appliance units` against a running `appliance init` (a subprocess) on a temporary control socket."""

from __future__ import annotations

import json
import re
import socket
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from supervisor_helpers import InitProcess, fake, write_unit

from appliance.cli import main


class CLI:
    def __init__(self, socket_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.socket_path = socket_path
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        """Run `appliance units ARGS...`; (exit status, stdout, stderr)."""
        self.capsys.readouterr()
        code = main(["units", *args, "--control-socket", str(self.socket_path)])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def cli_and_init(
    units_dir: Path, start_init: Callable[..., InitProcess], capsys: pytest.CaptureFixture[str]
) -> tuple[CLI, InitProcess]:
    write_unit(units_dir, "db", f"[Unit]\nDescription=The database\n[Service]\nExecStart={fake('forever')}\n")
    write_unit(units_dir, "web", "[Unit]\nDescription=The web server\nRequires=db.service\nAfter=db.service\n"
               f"[Service]\nType=notify\nExecStart={fake('notify=READY=1|STATUS=serving', 'forever')}\n")
    # oneshot: `start` waits for it to finish (a Type=simple unit counts as started once it runs)
    write_unit(units_dir, "broken", f"[Service]\nType=oneshot\nExecStart={fake('exit=1')}\n")
    init = start_init(units_dir)
    init.wait_for_states({"db.service": "active", "web.service": "active", "broken.service": "failed"})
    return CLI(init.control_socket, capsys), init


def test_list_status_and_is_active(cli_and_init: tuple[CLI, InitProcess]) -> None:
    cli, init = cli_and_init
    code, out, _ = cli("list")
    assert code == 0
    rows = [line.split(None, 2) for line in out.splitlines()]
    assert rows[0] == ["UNIT", "STATE", "DESCRIPTION"]
    assert ["web.service", "active", "The web server"] in rows
    assert ["broken.service", "failed"] in rows

    code, out, _ = cli("list", "--json")
    assert {u["name"]: u["state"] for u in json.loads(out)} == {
        "broken.service": "failed", "db.service": "active", "web.service": "active"
    }

    code, out, _ = cli("status", "web", "--json")
    status = json.loads(out)
    assert (status["name"], status["state"], status["status_text"]) == ("web.service", "active", "serving")
    assert isinstance(status["pid"], int)

    code, out, _ = cli("status", "broken.service")
    assert code == 0
    assert "State: failed" in out
    assert "Reason: ExecStart " in out
    assert "exited with status 1" in out

    assert cli("is-active", "web")[:2] == (0, "active\n")
    assert cli("is-active", "broken")[:2] == (3, "failed\n")
    assert init.process.poll() is None


def test_stop_start_restart(cli_and_init: tuple[CLI, InitProcess]) -> None:
    cli, init = cli_and_init
    code, out, _ = cli("stop", "db")
    assert (code, out) == (0, "db.service: inactive (stopped)\n")
    # web Requires= db: it stops with it
    assert init.states() == {"db.service": "inactive", "web.service": "inactive", "broken.service": "failed"}
    assert cli("is-active", "db")[0] == 3

    code, out, _ = cli("start", "web")
    assert (code, out) == (0, "web.service: active\n")
    assert init.states()["db.service"] == "active"  # pulled in by Requires=

    pid = json.loads(cli("status", "web", "--json")[1])["pid"]
    assert cli("restart", "web")[0] == 0
    assert json.loads(cli("status", "web", "--json")[1])["pid"] not in (None, pid)

    code, out, err = cli("start", "broken")
    assert code == 1
    assert out.startswith("broken.service: failed (ExecStart ")
    assert "did not start" in err


def test_unknown_unit_and_bad_requests(cli_and_init: tuple[CLI, InitProcess]) -> None:
    cli, init = cli_and_init
    code, _, err = cli("status", "nope")
    assert code == 1
    assert "no unit named 'nope'" in err
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(init.control_socket))
        stream = sock.makefile("rwb")
        for request in (b"not json\n", b'["a list"]\n', b'{"op": "reboot"}\n', b'{"op": "start"}\n'):
            stream.write(request)
            stream.flush()
            answer = json.loads(stream.readline())
            assert answer["ok"] is False, request
            assert answer["error"]
        stream.write(b'{"op": "is-active", "unit": "db"}\n')  # the connection still answers
        stream.flush()
        assert json.loads(stream.readline()) == {"ok": True, "active": True, "state": "active"}
        stream.close()


def test_no_supervisor_listening(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "control.sock"
    monkeypatch.setenv("APPLIANCE_CONTROL_SOCKET", str(path))  # the default comes from the environment
    assert main(["units", "list"]) == 1
    assert capsys.readouterr().err == (
        f"appliance: error: no supervisor is listening on {path} (is `appliance init` running?)\n"
    )


def test_a_second_supervisor_refuses_the_socket(units_dir: Path,
                                                start_init: Callable[..., InitProcess]) -> None:
    write_unit(units_dir, "a", f"[Service]\nExecStart={fake('forever')}\n")
    first = start_init(units_dir)
    first.wait_for_states({"a.service": "active"})
    second = InitProcess(units_dir, first.control_socket, first.output_path.with_name("second.out"))
    assert second.process.wait(timeout=20) == 1
    assert f"another supervisor is already listening on {first.control_socket}" in second.output
    assert first.stop() == 0


def test_metrics_endpoint(units_dir: Path, start_init: Callable[..., InitProcess]) -> None:
    write_unit(units_dir, "a", f"[Service]\nExecStart={fake('forever')}\n")
    init = start_init(units_dir, "--metrics-bind", "127.0.0.1:0")  # port 0: the kernel picks one
    init.wait_for_states({"a.service": "active"})
    match = re.search(r"serving metrics on (http://\S+)", init.output)
    assert match, init.output
    with urllib.request.urlopen(match.group(1), timeout=10) as response:
        text = response.read().decode()
    assert 'appliance_unit_up{unit="a"} 1.0' in text
    assert 'appliance_unit_restarts_total{unit="a"} 0.0' in text
    assert init.stop() == 0
