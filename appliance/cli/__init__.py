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

# Each command and the module that registers it, in the order of --help. Only the module of the
# command being run is imported: the others pull in numpy, tree-sitter or the MCP SDK.
COMMANDS = {
    "index": "appliance.cli.index",
    "search": "appliance.cli.query",
    "symbol": "appliance.cli.query",
    "refs": "appliance.cli.query",
    "outline": "appliance.cli.query",
    "show": "appliance.cli.query",
    "repos": "appliance.cli.query",
    "watch": "appliance.cli.watch",
    "serve": "appliance.cli.serve",
    "plugins": "appliance.cli.plugins",
    "init": "appliance.cli.units",
    "units": "appliance.cli.units",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with just the module of `command` when it is known."""
    parser = argparse.ArgumentParser(
        prog="appliance",
        description="Code Index Appliance: index source repositories and answer code questions over MCP.",
    )
    parser.add_argument("--version", action="version", version=f"appliance {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue  # a command group not written yet
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
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
