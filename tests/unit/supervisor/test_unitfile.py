"""The unit-file parser: the systemd subset we read, and an error naming file and line for every
broken input."""

from __future__ import annotations

import logging
import math
import signal
from pathlib import Path

import pytest

from appliance.errors import ConfigError
from appliance.supervisor.model import (
    Command,
    EnvironmentFile,
    PathCondition,
    RestartPolicy,
    ServiceType,
)
from appliance.supervisor.unitfile import load_units, parse_unit
from appliance.supervisor.values import timespan

PATH = "units/foo.service"
SERVICE = "[Service]\nExecStart=/x\n"  # the least a unit needs

FULL = """\
# A comment
; another comment
[Unit]
Description=Foo for %n
After=a.service b.service
After=c.service
Requires=a.service
Wants=b.service
ConditionPathExists=/etc
ConditionPathExists=!/nonexistent
StartLimitIntervalSec=1min
StartLimitBurst=3

[Service]
Type=notify
ExecStartPre=-/bin/mkdir -p /data/foo
ExecStartPre=/bin/true
ExecStart=/usr/bin/foo --name "hello world" \\
    --port=8080 $ARGS ${HOST}:80
Environment="GREETING=hello world" PLAIN=1
Environment=PERCENT=100%%
EnvironmentFile=-/etc/default/foo
EnvironmentFile=/etc/foo.env
WorkingDirectory=-/srv/foo
User=appliance
Restart=on-failure
RestartSec=500ms
TimeoutStartSec=1min 30s
TimeoutStopSec=infinity
KillSignal=SIGINT

[Install]
WantedBy=multi-user.target
"""


def test_parses_every_supported_key() -> None:
    unit = parse_unit(FULL, PATH)
    assert unit.name == "foo.service"
    assert unit.short_name == "foo"
    assert unit.description == "Foo for foo.service"
    assert unit.after == ("a.service", "b.service", "c.service")
    assert unit.requires == ("a.service",)
    assert unit.wants == ("b.service",)
    assert unit.conditions == (PathCondition("/etc"), PathCondition("/nonexistent", negate=True))
    assert unit.start_limit_interval == 60
    assert unit.start_limit_burst == 3
    assert unit.type is ServiceType.NOTIFY
    assert unit.exec_start_pre == (
        Command(("/bin/mkdir", "-p", "/data/foo"), ignore_failure=True),
        Command(("/bin/true",)),
    )
    assert unit.exec_start == (
        Command(("/usr/bin/foo", "--name", "hello world", "--port=8080", "$ARGS", "${HOST}:80")),
    )
    assert unit.environment == (("GREETING", "hello world"), ("PLAIN", "1"), ("PERCENT", "100%"))
    assert unit.environment_files == (
        EnvironmentFile("/etc/default/foo", optional=True),
        EnvironmentFile("/etc/foo.env"),
    )
    assert (unit.working_directory, unit.working_directory_optional) == ("/srv/foo", True)
    assert unit.user == "appliance"
    assert unit.restart is RestartPolicy.ON_FAILURE
    assert unit.restart_sec == 0.5
    assert unit.timeout_start == 90
    assert unit.timeout_stop == math.inf
    assert unit.kill_signal is signal.SIGINT


def test_defaults_are_systemds() -> None:
    unit = parse_unit("[Service]\nExecStart=/bin/true\n", PATH)
    assert unit.type is ServiceType.SIMPLE
    assert unit.restart is RestartPolicy.NO
    assert unit.restart_sec == 0.1
    assert (unit.start_limit_interval, unit.start_limit_burst) == (10, 5)
    assert (unit.timeout_start, unit.timeout_stop) == (90, 90)
    assert unit.kill_signal is signal.SIGTERM
    assert unit.working_directory is None


def test_oneshot_has_no_start_timeout_unless_set() -> None:
    oneshot = "[Service]\nType=oneshot\nExecStart=/bin/true\nExecStart=/bin/false\n"
    unit = parse_unit(oneshot, PATH)
    assert unit.timeout_start == math.inf
    assert len(unit.exec_start) == 2
    assert parse_unit(oneshot + "TimeoutStartSec=5\n", PATH).timeout_start == 5


def test_empty_assignment_resets() -> None:
    text = "[Unit]\nAfter=a.service\nAfter=\nAfter=b.service\n" + SERVICE + "Restart=always\nRestart=\n"
    unit = parse_unit(text, PATH)
    assert unit.after == ("b.service",)
    assert unit.restart is RestartPolicy.NO


def test_exec_prefixes_and_readiness_url() -> None:
    text = "[Service]\nExecStart=-:/bin/echo $HOME\nX-ReadinessURL=http://127.0.0.1:9090/-/ready?a=%20\n"
    unit = parse_unit(text, PATH)
    assert unit.exec_start == (Command(("/bin/echo", "$HOME"), ignore_failure=True, expand_env=False),)
    assert unit.readiness_url == "http://127.0.0.1:9090/-/ready?a=%20"  # no specifiers in X- keys


def test_comments_inside_a_continuation_are_skipped() -> None:
    text = "[Service]\nExecStart=/bin/echo a \\\n# not part of it\n  b\n"
    assert parse_unit(text, PATH).exec_start[0].argv == ("/bin/echo", "a", "b")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5", 5.0),
        ("500ms", 0.5),
        ("2s", 2.0),
        ("1min", 60.0),
        ("1min 30s", 90.0),
        ("1min30s", 90.0),
        ("1h 2m 3s", 3723.0),
        ("1.5s", 1.5),
        ("250us", 0.00025),
        ("infinity", math.inf),
    ],
)
def test_timespans(text: str, seconds: float) -> None:
    assert timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[Service]\nExecStart=/x\nRestart=sometimes\n", 3,
         "Restart: expected one of no, on-failure, always, got 'sometimes'"),
        ("[Service]\nExecStart=/x\n\nthis is not a setting\n", 4, "expected key=value or a [Section] header"),
        ("ExecStart=/x\n[Service]\n", 1, "ExecStart= appears before any [Section] header"),
        ("[Unit]\nDescription=no service\n", 2, "has no ExecStart="),
        ("[Unit]\nDescription=x\n[Service]\nType=simple\n", 3, "has no ExecStart="),
        ("[Service]\nType=forking\nExecStart=/x\n", 2, "Type: expected one of simple, notify, oneshot"),
        ("[Service]\nExecStart=/x\nRestartSec=soon\n", 3, "RestartSec: expected a time span"),
        ("[Service]\nExecStart=/x\nTimeoutStopSec=5 parsecs\n", 3, "TimeoutStopSec: expected a time span"),
        ("[Service]\nExecStart=/x\nKillSignal=SIGFOO\n", 3, "KillSignal: expected a signal name"),
        ("[Unit]\nStartLimitBurst=-1\n" + SERVICE, 2, "StartLimitBurst: expected a non-negative"),
        ("[Service]\nExecStart=/x \"unbalanced\n", 2, "ExecStart: cannot split"),
        ("[Service]\nExecStart=+/x\n", 2, "ExecStart: the '+' prefix is not supported"),
        ("[Service]\nExecStart=/x\nEnvironment=NOEQUALS\n", 3, "Environment: expected NAME=value"),
        ("[Service]\nExecStart=/x\nEnvironment=1A=b\n", 3, "Environment: expected NAME=value"),
        (SERVICE + "EnvironmentFile=relative.env\n", 3, "EnvironmentFile: expected an absolute"),
        ("[Service]\nExecStart=/x\nWorkingDirectory=srv\n", 3, "WorkingDirectory: expected an absolute"),
        ("[Unit]\nConditionPathExists=etc\n[Service]\nExecStart=/x\n", 2, "ConditionPathExists: expected an"),
        ("[Unit]\nAfter=not a unit\n[Service]\nExecStart=/x\n", 2, "After: expected unit names"),
        ("[Service]\nExecStart=/x %h\n", 2, "ExecStart: specifier %h is not supported"),
        ("[Service]\nExecStart=/x\nX-ReadinessURL=ftp://host/\n", 3, "X-ReadinessURL: expected an http://"),
        ("[Service]\nType=notify\nExecStart=/x\nX-ReadinessURL=http://h/\n", 4, "X-ReadinessURL: only for"),
        ("[Service]\nExecStart=/x\nExecStart=/y\n", 3, "ExecStart: more than one command"),
        ("[Service]\nType=oneshot\nExecStart=/x\nRestart=always\n", 4, "Restart: always is not allowed"),
        ("[Service\nExecStart=/x\n", 1, "expected a section header"),
        ("[Service]\nUser=no body\nExecStart=/x\n", 2, "User: expected a user name"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_unit(text, PATH)
    assert str(caught.value).startswith(f"{PATH}:{line}: ")
    assert message in str(caught.value)


def test_the_briefs_example_message() -> None:
    text = "[Unit]\nDescription=x\n\n[Service]\nType=simple\nExecStart=/x\nRestart=sometimes\n"
    with pytest.raises(ConfigError) as caught:
        parse_unit(text, PATH)
    assert str(caught.value) == (
        "units/foo.service:7: Restart: expected one of no, on-failure, always, got 'sometimes'"
    )


def test_unknown_keys_and_sections_warn_and_are_ignored(caplog: pytest.LogCaptureFixture) -> None:
    text = "[Unit]\nDescription=x\nBogus=1\n[Service]\nExecStart=/x\n[Timer]\nOnCalendar=daily\n"
    with caplog.at_level(logging.WARNING):
        unit = parse_unit(text, PATH)
    assert unit.description == "x"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"{PATH}:3: unknown key 'Bogus' in [Unit], ignored",
        f"{PATH}:6: unknown section [Timer], ignored",
    ]


def test_load_units_reads_service_files_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "b.service").write_text("[Service]\nExecStart=/b\n")
    (tmp_path / "a.service").write_text("[Service]\nExecStart=/a\n")
    (tmp_path / "README").write_text("not a unit")
    with caplog.at_level(logging.WARNING):
        units = load_units(tmp_path)
    assert [u.name for u in units] == ["a.service", "b.service"]
    assert units[0].path == str(tmp_path / "a.service")
    assert any("README: ignored" in r.getMessage() for r in caplog.records)


def test_load_units_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.service").write_text("[Service]\nExecStart=/x\nRestart=maybe\n")
    with pytest.raises(ConfigError, match=rf"^{tmp_path}/bad.service:3: Restart: "):
        load_units(tmp_path)
    with pytest.raises(ConfigError, match="no such units directory"):
        load_units(tmp_path / "missing")
