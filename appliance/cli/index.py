"""`appliance index PATH[=NAME]...`: index repositories into the data dir."""

from __future__ import annotations

import argparse
import json
from typing import Any

from appliance.cli.common import add_data_option, add_walk_options, print_json, walk_options
from appliance.cli.plugins import add_plugin_options
from appliance.cli.progress import ProgressBar
from appliance.cli.writing import loaded_plugins, open_writer
from appliance.index.indexer import Indexer, IndexOptions, Summary, parse_repo_arg


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "index",
        help="index repositories (PATH[=NAME]...)",
        description="Index one or more repositories, each under a name (default: the folder name). "
        "Unchanged files are not parsed again; files gone from disk leave the index.",
    )
    parser.add_argument("repos", nargs="+", metavar="PATH[=NAME]", help="repository folder, optionally =NAME")
    add_data_option(parser)
    add_walk_options(parser)
    add_plugin_options(parser)
    parser.add_argument("--workers", type=int, default=None, help="parser processes (default: one per core)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary per repository")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    repos = [parse_repo_arg(a) for a in args.repos]  # every path checked before any work starts
    options = IndexOptions(walk=walk_options(args))
    if args.workers is not None:
        options.workers = max(1, args.workers)
    with loaded_plugins(args) as plugins:
        registry = plugins.manager.registry
        indexer = Indexer(open_writer(args, registry), registry, options)
        for name, root in repos:
            bar = ProgressBar(f"indexing {name}")
            try:
                summary = indexer.index(name, root, bar)
            finally:
                bar.close()
            if args.json:
                print_json(summary_json(summary))
            else:
                print(describe(summary))
    return 0


def summary_json(summary: Summary) -> dict[str, Any]:
    data = dict(summary.__dict__)
    data["skipped"] = dict(summary.skipped)
    data["notes"] = dict(summary.notes)
    data["seconds"] = round(summary.seconds, 3)
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


def describe(summary: Summary) -> str:
    skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(summary.skipped.items())) or "none"
    notes = ", ".join(f"{note} {count}" for note, count in sorted(summary.notes.items()))
    rate = summary.bytes / summary.seconds / 1e6 if summary.seconds else 0.0
    lines = [
        f"{summary.repo}: {summary.indexed} files indexed, {summary.unchanged} unchanged, "
        f"{summary.deleted} removed, {summary.symbols} symbols, {summary.bytes / 1e6:.1f} MB "
        f"in {summary.seconds:.1f}s ({rate:.1f} MB/s)",
        f"  skipped: {skipped}",
    ]
    if notes:
        lines.append(f"  indexed without symbols: {notes}")
    return "\n".join(lines)
