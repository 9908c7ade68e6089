"""`appliance watch`: index repositories, then keep the index current as files change."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from appliance.cli.common import add_data_option, add_walk_options, walk_options
from appliance.cli.index import describe
from appliance.cli.plugins import add_plugin_options
from appliance.cli.progress import ProgressBar
from appliance.cli.writing import loaded_plugins, open_writer
from appliance.errors import UsageError
from appliance.index.indexer import Indexer, IndexOptions, parse_repo_arg
from appliance.index.lookup import Lookup
from appliance.index.watcher import RepoWatcher
from appliance.metrics import INDEXER_METRICS_PORT
from appliance.plugins.runtime import PluginRuntime


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "watch",
        help="index repositories and keep them current (inotify, or --poll)",
        description="Index PATH[=NAME]... (or every repository already in the index), then follow "
        "changes: files created, changed, deleted or renamed become searchable within a second.",
    )
    parser.add_argument(
        "repos", nargs="*", metavar="PATH[=NAME]", help="repositories (default: those indexed)"
    )
    add_data_option(parser)
    add_walk_options(parser)
    add_plugin_options(parser)
    parser.add_argument(
        "--poll", action="store_true", help="poll instead of inotify (mounts where inotify is blind)"
    )
    parser.add_argument(
        "--poll-interval", type=float, default=2.0, metavar="SECONDS", help="with --poll (default 2)"
    )
    parser.add_argument(
        "--rescan-interval",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="full rescan to repair missed events (default 300)",
    )
    parser.add_argument(
        "--metrics-bind",
        default=None,
        metavar="HOST:PORT",
        help=f"serve Prometheus metrics here (the image uses 0.0.0.0:{INDEXER_METRICS_PORT})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each burst of changes")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    repos = dict(parse_repo_arg(a) for a in args.repos)
    with loaded_plugins(args, poll=args.poll) as plugins:
        return follow(args, repos, plugins)


def follow(args: argparse.Namespace, repos: dict[str, str], plugins: PluginRuntime) -> int:
    store = open_writer(args, plugins.manager.registry)
    if not repos:
        repos = {name: info.root for name, info in Lookup(store).repos().items()}
    if not repos:
        raise UsageError("nothing to watch: give PATH[=NAME] or index a repository first")
    if args.metrics_bind:
        start_metrics_server(args.metrics_bind)
    indexer = Indexer(store, plugins.manager.registry, IndexOptions(walk=walk_options(args)))
    for name, root in repos.items():
        bar = ProgressBar(f"indexing {name}")
        try:
            print(describe(indexer.index(name, root, bar)), flush=True)
        finally:
            bar.close()
    stop, wake = threading.Event(), threading.Event()  # wake: the stop, or a plugin swap to re-index for

    def on_signal(*_: object) -> None:
        stop.set()
        wake.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    plugins.follow_indexer(indexer, rescan=wake.set)
    plugins.start()
    watcher = RepoWatcher(
        indexer, repos, poll=args.poll, poll_seconds=args.poll_interval, rescan_seconds=args.rescan_interval
    )
    print(f"watching {len(repos)} repositories ({'polling' if args.poll else 'inotify'})", flush=True)
    while True:
        watcher.run(wake)
        if stop.is_set():
            return 0
        wake.clear()
        for name, root in repos.items():  # the languages changed: their files are parsed again
            print(describe(indexer.index(name, root)), flush=True)


def start_metrics_server(bind: str) -> None:
    from prometheus_client import start_http_server

    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        raise UsageError(f"--metrics-bind {bind!r}: expected HOST:PORT")
    start_http_server(int(port), addr=host or "0.0.0.0")
