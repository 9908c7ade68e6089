"""The `appliance` command. Each command group lives in its own module and registers itself here.

Contract for a command module: `register(commands)` adds sub-parsers to `commands` and sets
`run=function` on each, where `function(args) -> int` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from appliance import __version__
from appliance.errors import ApplianceError

# Modules whose `register` adds commands, in the order they appear in --help.
COMMAND_MODULES = (
    "appliance.cli.index",
    "appliance.cli.query",
    "appliance.cli.watch",
    "appliance.cli.serve",
    "appliance.cli.plugins",
    "appliance.cli.units",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="appliance",
        description="Code Index Appliance: index source repositories and answer code questions over MCP.",
    )
    parser.add_argument("--version", action="version", version=f"appliance {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue  # a command group not written yet
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args))
    except ApplianceError as e:
        print(f"appliance: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
