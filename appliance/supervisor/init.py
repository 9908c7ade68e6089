"""`appliance init`: load the units, serve metrics and the control socket, start everything, and on
SIGTERM or SIGINT stop everything in reverse order and return 0."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import start_http_server

from appliance.errors import ApplianceError
from appliance.supervisor.control import ControlServer
from appliance.supervisor.runner import Supervisor
from appliance.supervisor.unitfile import load_units

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InitOptions:
    units_dir: Path
    control_socket: Path
    metrics_bind: tuple[str, int] | None  # None: no metrics endpoint


def check(units_dir: Path) -> list[str]:
    """Load and validate the units; their start order. Raises ConfigError."""
    return Supervisor(load_units(units_dir)).graph.start_order()


def run(options: InitOptions) -> int:
    units = load_units(options.units_dir)
    if not units:
        log.warning("%s has no .service files: nothing to supervise", options.units_dir)
    supervisor = Supervisor(units)
    server = None
    if options.metrics_bind is not None:
        host, port = options.metrics_bind
        try:
            server, _ = start_http_server(port, addr=host)
        except OSError as e:
            raise ApplianceError(f"cannot serve metrics on {host}:{port}: {e}") from e
        log.info("serving metrics on http://%s:%d/metrics", host, server.server_port)
    try:
        return asyncio.run(_serve(supervisor, options.control_socket))
    finally:
        if server is not None:
            server.shutdown()


async def _serve(supervisor: Supervisor, control_socket: Path) -> int:
    loop = asyncio.get_running_loop()
    received = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _on_signal, sig, received)
    async with supervisor, ControlServer(control_socket, supervisor):
        supervisor.start_all()
        await received.wait()
        log.info("stopping all units")
    log.info("all units stopped")
    return 0


def _on_signal(sig: signal.Signals, received: asyncio.Event) -> None:
    log.info("received %s", sig.name)
    received.set()
