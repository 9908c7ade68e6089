"""The supervisor with real child processes (fake_service.py): ordering, readiness, restarts, start
limits, conditions, Requires= failures, stopping, and output. Most tests run the Supervisor on an
asyncio loop in the test; those about signals and stdout run `appliance init` as a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import pwd
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from supervisor_helpers import DEADLINE, InitProcess, eventually, fake, free_port, read_log, write_unit

from appliance.metrics import Metrics
from appliance.supervisor.runner import Supervisor
from appliance.supervisor.state import State
from appliance.supervisor.unitfile import load_units


class Harness:
    def __init__(self, supervisor: Supervisor, lines: list[str], metrics: Metrics) -> None:
        self.supervisor = supervisor
        self.lines = lines  # what the units printed, prefixed
        self.metrics = metrics

    def state(self, name: str) -> State:
        return self.supervisor.state(name)

    async def until(self, predicate: Callable[[], bool]) -> None:
        assert await self.supervisor.wait_until(predicate, DEADLINE), self.supervisor.status()

    async def states(self, **expected: State) -> None:
        await self.until(lambda: all(self.state(name) is state for name, state in expected.items()))

    def sample(self, metric: str, unit: str) -> float | None:
        return self.metrics.registry.get_sample_value(metric, {"unit": unit})


@asynccontextmanager
async def supervising(units_dir: Path) -> AsyncIterator[Harness]:
    lines: list[str] = []
    metrics = Metrics(CollectorRegistry())
    async with Supervisor(load_units(units_dir), metrics=metrics, sink=lines.append) as supervisor:
        supervisor.start_all()
        yield Harness(supervisor, lines, metrics)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())  # type: ignore[arg-type]


async def poll(predicate: Callable[[], bool]) -> None:
    """For what no supervisor event announces (a child reaching some point): poll with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class Gate:
    """A named pipe a child blocks on (wait=FIFO) until the test opens it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self._fd: int | None = None

    def reached(self) -> bool:
        """True once the child waits at the gate. Opening the write end succeeds only when a reader
        has the pipe open; the end is kept, since closing it would let the reader through."""
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
        return self._fd is not None

    def open(self) -> None:
        assert self._fd is not None
        os.write(self._fd, b"go\n")
        os.close(self._fd)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "log"


def test_start_order_waits_for_notify_readiness(units_dir: Path, log: Path, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    gate = Gate(tmp_path / "go")
    env = f"Environment=LOG={log}\n"
    a = fake("log=a:start", f"wait={gate.path}", "log=a:ready", "notify=STATUS=warm|READY=1", "forever")
    write_unit(units_dir, "a", f"[Service]\nType=notify\n{env}ExecStart={a}\n")
    for name, after in (("b", "a"), ("c", "b")):
        service = f"[Service]\n{env}ExecStart={fake(f'log={name}:start', 'forever')}\n"
        write_unit(units_dir, name, f"[Unit]\nAfter={after}.service\n{service}")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await poll(gate.reached)
            # a runs but has not said READY=1: the units after it wait
            assert [h.state(n) for n in "abc"] == [State.ACTIVATING, State.WAITING, State.WAITING]
            assert read_log(log) == ["a:start"]
            gate.open()
            await h.states(a=State.ACTIVE, b=State.ACTIVE, c=State.ACTIVE)
            assert h.supervisor.status("a")[0].status_text == "warm"
            assert h.sample("appliance_unit_up", "a") == 1
            await poll(lambda: len(read_log(log)) == 4)
            assert read_log(log)[:2] == ["a:start", "a:ready"]

    with caplog.at_level(logging.INFO, logger="appliance.supervisor"):
        run(scenario)
    messages = caplog.messages
    order = [messages.index(m) for m in ("a.service: active", "b.service: activating",
                                         "b.service: active", "c.service: activating")]
    assert order == sorted(order)


def test_stopping_message_and_clean_exit(units_dir: Path, log: Path, tmp_path: Path) -> None:
    gate = Gate(tmp_path / "go")
    write_unit(units_dir, "a", f"[Service]\nType=notify\nEnvironment=LOG={log}\nExecStart="
               + fake("notify=READY=1", "notify=STOPPING=1", f"wait={gate.path}", "exit=0") + "\n")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.states(a=State.DEACTIVATING)
            assert h.supervisor.status("a")[0].reason == "the service said STOPPING=1"
            await poll(gate.reached)
            gate.open()
            await h.states(a=State.INACTIVE)  # a clean exit with Restart=no
            assert h.sample("appliance_unit_up", "a") == 0

    run(scenario)


def test_restart_on_failure_after_restart_sec_with_backoff(units_dir: Path, log: Path,
                                                           tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    write_unit(units_dir, "a", f"""\
[Service]
Environment=LOG={log}
ExecStart={fake("time=start", f"fail-until=3:{counter}", "log=up", "forever")}
Restart=on-failure
RestartSec=200ms
""")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.until(lambda: h.state("a") is State.ACTIVE and h.supervisor.status("a")[0].restarts == 2)
            assert h.sample("appliance_unit_restarts_total", "a") == 2
            await poll(lambda: "up" in read_log(log))

    run(scenario)
    starts = [float(line.split()[1]) for line in read_log(log) if line.startswith("start ")]
    assert len(starts) == 3
    # RestartSec= between the runs, doubled the second time (lower bounds: the clock never runs early)
    assert starts[1] - starts[0] >= 0.2
    assert starts[2] - starts[1] >= 0.4


def test_start_limit_stops_restarting(units_dir: Path, log: Path) -> None:
    write_unit(units_dir, "a", f"""\
[Unit]
StartLimitIntervalSec=1min
StartLimitBurst=3
[Service]
Environment=LOG={log}
ExecStart={fake("log=start", "exit=0")}
Restart=always
RestartSec=0
""")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.states(a=State.FAILED)
            status = h.supervisor.status("a")[0]
            assert "start limit hit: 3 starts within 60s" in status.reason
            assert status.restarts == 2

    run(scenario)
    assert read_log(log) == ["start"] * 3


def test_condition_path_exists_skips_without_failing_dependents(units_dir: Path, log: Path,
                                                                tmp_path: Path) -> None:
    env = f"Environment=LOG={log}\n"
    write_unit(units_dir, "grafana", f"[Unit]\nConditionPathExists={tmp_path}/no-grafana\n"
               f"[Service]\n{env}ExecStart={fake('log=grafana', 'forever')}\n")
    write_unit(units_dir, "negated", f"[Unit]\nConditionPathExists=!{tmp_path}\n"
               f"[Service]\n{env}ExecStart={fake('log=negated', 'forever')}\n")
    write_unit(units_dir, "user", "[Unit]\nRequires=grafana.service\nAfter=grafana.service\n"
               f"[Service]\n{env}ExecStart={fake('log=user', 'forever')}\n")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.states(grafana=State.SKIPPED, negated=State.SKIPPED, user=State.ACTIVE)
            assert "was not met" in h.supervisor.status("grafana")[0].reason
            assert h.sample("appliance_unit_up", "grafana") is None  # no "down" series to alert on
            assert h.sample("appliance_unit_up", "user") == 1
            await poll(lambda: read_log(log) == ["user"])

    run(scenario)
    assert read_log(log) == ["user"]


def test_a_failed_requirement_keeps_dependents_from_starting(units_dir: Path, log: Path) -> None:
    env = f"Environment=LOG={log}\n"
    # Type=notify: db fails before it is ready (a Type=simple unit is ready as soon as it runs)
    write_unit(units_dir, "db", f"[Service]\nType=notify\n{env}ExecStart={fake('log=db', 'exit=3')}\n")
    write_unit(units_dir, "web", "[Unit]\nRequires=db.service\nAfter=db.service\n"
               f"[Service]\n{env}ExecStart={fake('log=web', 'forever')}\n")
    write_unit(units_dir, "report", "[Unit]\nWants=db.service\nAfter=db.service\n"
               f"[Service]\n{env}ExecStart={fake('log=report', 'forever')}\n")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.states(db=State.FAILED, web=State.FAILED, report=State.ACTIVE)
            reason = h.supervisor.status("db")[0].reason
            assert reason == "main process exited with status 3 before it was ready"
            assert h.supervisor.status("web")[0].reason == "required unit db.service is failed"
            assert h.sample("appliance_unit_up", "web") == 0
            await poll(lambda: "report" in read_log(log))

    run(scenario)
    assert "web" not in read_log(log)


def test_start_timeout_fails_and_kills(units_dir: Path, log: Path) -> None:
    write_unit(units_dir, "a", f"""\
[Service]
Type=notify
Environment=LOG={log}
ExecStart={fake("ignore=SIGTERM:a:SIGTERM", "log=started", "forever")}
TimeoutStartSec=300ms
TimeoutStopSec=200ms
""")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.states(a=State.FAILED)
            status = h.supervisor.status("a")[0]
            assert status.reason == "not ready within TimeoutStartSec=0.3s"
            assert status.pid is None

    run(scenario)


def test_readiness_url(units_dir: Path, log: Path, tmp_path: Path) -> None:
    gate = Gate(tmp_path / "go")
    port = free_port()
    env = f"Environment=LOG={log}\n"
    write_unit(units_dir, "web", f"""\
[Service]
{env}ExecStart={fake(f"http={port}", "log=serving", f"wait={gate.path}", "http-ready", "forever")}
X-ReadinessURL=http://127.0.0.1:{port}/-/ready
""")
    write_unit(units_dir, "after", f"[Unit]\nAfter=web.service\n[Service]\nExecStart={fake('forever')}\n")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await poll(lambda: "serving" in read_log(log) and gate.reached())
            assert (h.state("web"), h.state("after")) == (State.ACTIVATING, State.WAITING)  # 503 so far
            gate.open()
            await h.states(web=State.ACTIVE, after=State.ACTIVE)

    run(scenario)


def test_environment_directory_expansion_and_exec_start_pre(units_dir: Path, log: Path,
                                                            tmp_path: Path) -> None:
    (tmp_path / "env").write_text("FROM_FILE=file value\n")
    write_unit(units_dir, "a", f"""\
[Service]
Environment=LOG={log} "WORDS=one two"
EnvironmentFile={tmp_path}/env
EnvironmentFile=-{tmp_path}/missing
WorkingDirectory={tmp_path}
ExecStartPre=-/bin/false
ExecStartPre=/bin/sh -c 'echo "pre $$PWD $$FROM_FILE" >> "$$LOG"'
ExecStart=/bin/sh -c 'echo "main $$# $$1 $$2" >> "$$LOG"; exec sleep 1000' sh $WORDS
""")
    write_unit(units_dir, "b", f"[Service]\nExecStartPre=/bin/false\nExecStart={fake()}\n")

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.states(a=State.ACTIVE, b=State.FAILED)
            assert h.supervisor.status("b")[0].reason == "ExecStartPre /bin/false exited with status 1"
            await poll(lambda: len(read_log(log)) == 2)

    run(scenario)
    assert read_log(log) == [f"pre {tmp_path} file value", "main 2 one two"]


def test_user(units_dir: Path, short_dir: Path) -> None:
    log = short_dir / "log"
    log.touch(mode=0o666)
    log.chmod(0o666)  # nobody appends to it too
    # Without User=, a unit runs as the supervisor's user; with User=, as that user (when root).
    sh = "ExecStart=/bin/sh -c 'echo {0} $(id -u) $$HOME >> {1}; exec sleep 1000'\n"
    write_unit(units_dir, "mine", "[Service]\n" + sh.format("mine", log))
    nobody = None
    if os.geteuid() == 0:
        with contextlib.suppress(KeyError):
            nobody = pwd.getpwnam("nobody")
    if nobody:
        write_unit(units_dir, "nobody", "[Service]\nUser=nobody\n" + sh.format("nobody", log))

    async def scenario() -> None:
        async with supervising(units_dir) as h:
            await h.until(lambda: all(s.state is State.ACTIVE for s in h.supervisor.status()))
            await poll(lambda: len(read_log(log)) == (2 if nobody else 1))

    run(scenario)
    assert f"mine {os.getuid()} {os.environ['HOME']}" in read_log(log)
    if nobody:
        assert f"nobody {nobody.pw_uid} {nobody.pw_dir}" in read_log(log)


def test_stop_right_after_start(units_dir: Path) -> None:
    """A stop that comes before the units' tasks ever ran (SIGTERM during startup)."""
    write_unit(units_dir, "a", f"[Service]\nExecStart={fake('forever')}\n")
    write_unit(units_dir, "b", f"[Unit]\nAfter=a.service\n[Service]\nExecStart={fake('forever')}\n")

    async def scenario() -> None:
        async with Supervisor(load_units(units_dir), metrics=Metrics(CollectorRegistry())) as supervisor:
            supervisor.start_all()
            await supervisor.services["b.service"].stop()  # before b's task took its first step
            assert supervisor.state("b") is State.INACTIVE
            await supervisor.stop_all()
            assert [s.state for s in supervisor.status()] == [State.INACTIVE, State.INACTIVE]

    run(scenario)


def test_strays_are_reaped(units_dir: Path) -> None:
    write_unit(units_dir, "a", f"[Service]\nExecStart={fake('forever')}\n")

    async def scenario() -> None:
        async with supervising(units_dir):
            pid = os.posix_spawn("/bin/true", ["true"], dict(os.environ))  # a child no unit owns
            await poll(lambda: not os.path.exists(f"/proc/{pid}"))  # reaped, not left a zombie

    run(scenario)


def test_sigterm_stops_in_reverse_order_with_kill_signal_then_sigkill(
    units_dir: Path, log: Path, start_init: Callable[..., InitProcess]
) -> None:
    env = f"Environment=LOG={log}\n"
    write_unit(units_dir, "a", f"[Service]\n{env}ExecStart={fake('trap=SIGTERM:a:SIGTERM', 'forever')}\n")
    write_unit(units_dir, "b", f"""\
[Unit]
After=a.service
[Service]
{env}ExecStart={fake("ignore=SIGTERM:b:SIGTERM ignored", "log=b:up", "forever")}
TimeoutStopSec=300ms
""")
    write_unit(units_dir, "c", f"""\
[Unit]
After=b.service
[Service]
{env}ExecStart={fake("trap=SIGINT:c:SIGINT", "trap=SIGTERM:c:SIGTERM", "log=c:up", "forever")}
KillSignal=SIGINT
""")
    init = start_init(units_dir)
    init.wait_for_states({"a.service": "active", "b.service": "active", "c.service": "active"})
    # b must have its handler in place before the stop, or SIGTERM would simply kill it
    eventually(lambda: {"b:up", "c:up"} <= set(read_log(log)))
    assert init.stop() == 0
    assert [line for line in read_log(log) if not line.endswith(":up")] == [
        "c:SIGINT", "b:SIGTERM ignored", "a:SIGTERM"
    ]
    output = init.output
    assert "b.service: still running 0.3s after SIGTERM (TimeoutStopSec=), sending SIGKILL" in output
    assert output.index("sending SIGKILL") < output.index("a.service: inactive")


def test_output_is_prefixed_with_the_unit_name(units_dir: Path,
                                               start_init: Callable[..., InitProcess]) -> None:
    write_unit(units_dir, "prometheus", "[Service]\nExecStart="
               + fake("print=level=info msg=hello", "eprint=level=error msg=oops", "forever") + "\n")
    init = start_init(units_dir)
    init.wait_for_states({"prometheus.service": "active"})
    eventually(lambda: "msg=oops" in init.output)
    assert init.stop() == 0
    lines = init.output.splitlines()
    assert "prometheus | level=info msg=hello" in lines
    assert "prometheus | level=error msg=oops" in lines


def test_sigint_also_stops(units_dir: Path, start_init: Callable[..., InitProcess]) -> None:
    write_unit(units_dir, "a", f"[Service]\nExecStart={fake('forever')}\n")
    init = start_init(units_dir)
    init.wait_for_states({"a.service": "active"})
    init.process.send_signal(signal.SIGINT)
    assert init.process.wait(timeout=DEADLINE) == 0
    assert "received SIGINT" in init.output
