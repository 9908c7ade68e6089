"""`appliance init` (the supervisor) and `appliance units` (its client on the control socket)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from appliance.errors import UsageError
from appliance.metrics import SUPERVISOR_METRICS_PORT

DEFAULT_UNITS_DIR = "/etc/appliance/units"
DEFAULT_CONTROL_SOCKET = "/run/appliance/control.sock"
EXIT_INACTIVE = 3  # `systemctl is-active` exits 3 for a unit that is not active
SETTLED_OK = ("active", "exited", "skipped")
UNITS_EXAMPLES = """\
examples:
  appliance units list                  every unit, its state and description
  appliance units status prometheus     state, pid, restarts, and why it is in that state
  appliance units restart grafana       stop, start, wait until it is up (exit 1 if it failed)
  appliance units is-active appliance-server && echo up    exit 0 if active, 3 if not

Exit status: 0 on success; 1 on an error (no supervisor listening, unknown unit, a unit that
failed to start); 3 from is-active for a unit that is not active.
"""


def register(commands: Any) -> None:
    _register_init(commands)
    _register_units(commands)


def _register_init(commands: Any) -> None:
    init = commands.add_parser(
        "init",
        help="run the supervisor: start the units and keep them alive",
        description=(
            "Run the appliance's supervisor (the container's main process, under tini). It reads unit "
            "files in systemd syntax (docs/units.md), starts the services in dependency order, restarts "
            "them by their Restart= policy, forwards their output prefixed with the unit name, serves "
            "the control socket for `appliance units`, and on SIGTERM or SIGINT stops everything in "
            "reverse order and exits 0."
        ),
    )
    init.add_argument(
        "--units", metavar="DIR", type=Path,
        default=Path(os.environ.get("APPLIANCE_UNITS_DIR", DEFAULT_UNITS_DIR)),
        help="directory of *.service files (default: $APPLIANCE_UNITS_DIR or %(default)s)",
    )
    _control_socket_option(init)
    init.add_argument(
        "--metrics-bind", metavar="HOST:PORT", default=f"0.0.0.0:{SUPERVISOR_METRICS_PORT}",
        help="where to serve the supervisor's Prometheus metrics (default: %(default)s; port 0 picks one)",
    )
    init.add_argument("--no-metrics", action="store_true", help="do not serve metrics")
    init.add_argument(
        "--check", action="store_true",
        help="only parse and check the unit files, print the start order and exit",
    )
    init.set_defaults(run=_run_init)


def _register_units(commands: Any) -> None:
    units = commands.add_parser(
        "units",
        help="list, inspect, start and stop the supervisor's units",
        description="Talk to a running `appliance init` over its control socket, like systemctl.",
        epilog=UNITS_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    units.set_defaults(run=lambda args: _print_help(units))
    _control_socket_option(units)
    actions = units.add_subparsers(title="actions", metavar="ACTION")
    # The option works before and after the action; SUPPRESS keeps an action's parser from
    # overwriting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    _control_socket_option(common, default=argparse.SUPPRESS)

    listing = actions.add_parser("list", parents=[common], help="every unit and its state")
    listing.add_argument("--json", action="store_true", help="print the units as JSON")
    listing.set_defaults(run=_run_list)

    status = actions.add_parser("status", parents=[common], help="state, pid, restarts and reason of units")
    status.add_argument("name", nargs="?", metavar="NAME", help="a unit (default: all)")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(run=_run_status)

    for action, text in (
        ("start", "start a unit (and what it Requires=/Wants=); wait until it is up or has failed"),
        ("stop", "stop a unit (and the units that Require= it); wait until it is down"),
        ("restart", "stop, then start a unit; wait until it is up or has failed"),
    ):
        parser = actions.add_parser(action, parents=[common], help=text, description=f"{text.capitalize()}.")
        parser.add_argument("name", metavar="NAME", help="the unit, with or without .service")
        parser.set_defaults(run=_run_change, action=action)

    active = actions.add_parser(
        "is-active", parents=[common], help="print the state; exit 0 if active, 3 if not (as systemctl does)"
    )
    active.add_argument("name", metavar="NAME", help="the unit, with or without .service")
    active.set_defaults(run=_run_is_active)


def _control_socket_option(parser: argparse.ArgumentParser, default: Any = None) -> None:
    text = "the supervisor's control socket"
    if default is None:
        default = Path(os.environ.get("APPLIANCE_CONTROL_SOCKET", DEFAULT_CONTROL_SOCKET))
        text += f" (default: $APPLIANCE_CONTROL_SOCKET or {DEFAULT_CONTROL_SOCKET})"
    parser.add_argument("--control-socket", metavar="PATH", type=Path, default=default, help=text)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _parse_bind(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--metrics-bind: expected HOST:PORT, got {text!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def _run_init(args: argparse.Namespace) -> int:
    from appliance.supervisor import init  # the supervisor's modules load only for this command

    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="init | %(levelname)s: %(message)s")
    if args.check:
        for name in init.check(args.units):
            print(name)
        return 0
    bind = None if args.no_metrics else _parse_bind(args.metrics_bind)
    options = init.InitOptions(units_dir=args.units, control_socket=args.control_socket, metrics_bind=bind)
    return init.run(options)


def _request(args: argparse.Namespace, op: str, unit: str | None = None) -> dict[str, Any]:
    from appliance.supervisor.control import request

    return request(args.control_socket, op, unit)


def _run_list(args: argparse.Namespace) -> int:
    units = _request(args, "list")["units"]
    if args.json:
        print(json.dumps(units, indent=2))
        return 0
    width = max([len("UNIT"), *(len(u["name"]) for u in units)])
    print(f"{'UNIT':<{width}}  {'STATE':<12}  DESCRIPTION")
    for unit in units:
        print(f"{unit['name']:<{width}}  {unit['state']:<12}  {unit['description']}")
    return 0


def _run_status(args: argparse.Namespace) -> int:
    units = _request(args, "status", args.name)["units"]
    if args.json:
        print(json.dumps(units if args.name is None else units[0], indent=2))
        return 0
    print("\n\n".join(_describe(unit) for unit in units))
    return 0


def _describe(unit: dict[str, Any]) -> str:
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(unit["since"]))
    lines = [
        f"{unit['name']} - {unit['description']}" if unit["description"] else unit["name"],
        f"     State: {unit['state']} since {since}",
    ]
    if unit["reason"]:
        lines.append(f"    Reason: {unit['reason']}")
    if unit["pid"] is not None:
        lines.append(f"       PID: {unit['pid']}")
    if unit["status_text"]:
        lines.append(f"    Status: {unit['status_text']}")
    lines.append(f"  Restarts: {unit['restarts']}")
    return "\n".join(lines)


def _run_change(args: argparse.Namespace) -> int:
    unit = _request(args, args.action, args.name)["unit"]
    print(f"{unit['name']}: {unit['state']}" + (f" ({unit['reason']})" if unit["reason"] else ""))
    if args.action != "stop" and unit["state"] not in SETTLED_OK:
        print(f"appliance: error: {unit['name']} did not start", file=sys.stderr)
        return 1
    return 0


def _run_is_active(args: argparse.Namespace) -> int:
    answer = _request(args, "is-active", args.name)
    print(answer["state"])
    return 0 if answer["active"] else EXIT_INACTIVE
