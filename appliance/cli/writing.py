"""What the commands that write the index share: the plugins loaded as `serve` loads them, and
the writer's store, rebuilt first when an older index format is found."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from appliance.cli.common import data_dir, open_store
from appliance.index.languages import LanguageRegistry
from appliance.index.store import Store
from appliance.metrics import METRICS
from appliance.plugins.discovery import plugin_dirs
from appliance.plugins.runtime import PluginRuntime


@contextmanager
def loaded_plugins(args: argparse.Namespace, poll: bool = False) -> Iterator[PluginRuntime]:
    """The plugins of --plugins-dir and --plugins-config, loaded (the watcher is not started:
    `start()` it to follow changes); unloaded on leaving."""
    plugins = PluginRuntime.start_loaded(
        plugin_dirs(args.plugins_dir),
        metrics=METRICS,
        data_dir=data_dir(args),
        config_path=args.plugins_config,
        poll=poll,
    )
    try:
        yield plugins
    finally:
        plugins.stop()


def open_writer(args: argparse.Namespace, registry: LanguageRegistry) -> Store:
    """The index of the data dir, for writing; an index of an older format is rebuilt first."""
    from appliance.index.indexer import rebuild_outdated  # the parser stack, only for writers

    for summary in rebuild_outdated(data_dir(args), registry):
        print(f"rebuilt for the new index format: {summary.repo}", file=sys.stderr)
    return open_store(args, writable=True)
