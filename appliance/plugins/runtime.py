"""The plugin system as a running process uses it: the manager loaded, the watcher following the
plugin folders and plugins.yaml, and the indexer following the registry swaps.

    plugins = PluginRuntime.start_loaded(dirs, data_dir=..., metrics=...)   # every plugin loaded
    indexer = Indexer(store, options, registry=plugins.manager.registry)
    plugins.follow_indexer(indexer, rescan=lambda: background.request(None))
    plugins.start()   # the watcher; plugins.stop() at the end
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from appliance.index.languages import LanguageRegistry
from appliance.metrics import Metrics
from appliance.plugins.hotreload import PluginWatcher
from appliance.plugins.manager import PluginManager
from appliance.plugins.status import Change

log = logging.getLogger(__name__)


class RegistryUser(Protocol):
    def set_registry(self, registry: LanguageRegistry) -> None: ...


class PluginRuntime:
    def __init__(self, manager: PluginManager, watcher: PluginWatcher) -> None:
        self.manager = manager
        self.watcher = watcher

    @classmethod
    def start_loaded(
        cls,
        plugin_dirs: Sequence[Path],
        *,
        metrics: Metrics,
        data_dir: Path | None = None,
        config_path: Path | None = None,
        bundled: Sequence[Path] | None = None,
        poll: bool = False,
    ) -> PluginRuntime:
        """Every plugin loaded (the watcher is not started yet: `start()`)."""
        manager = PluginManager(
            plugin_dirs, bundled=bundled, data_dir=data_dir, config_path=config_path, metrics=metrics
        )
        manager.refresh()
        if manager.config_error:
            log.error("plugins config: %s", manager.config_error)
        return cls(manager, PluginWatcher(manager, poll=poll))

    def follow_indexer(self, indexer: RegistryUser, rescan: Callable[[], object]) -> None:
        """On a swap that changes a language, give `indexer` the new registry and ask for a rescan
        (it re-parses only the files whose plugin fingerprint changed)."""

        def on_change(change: Change) -> None:
            if change.languages:
                log.info(
                    "languages changed: %s; re-indexing their files", ", ".join(sorted(change.languages))
                )
                indexer.set_registry(change.registry)
                rescan()

        self.manager.subscribe(on_change)

    def start(self) -> None:
        self.watcher.start()

    def stop(self) -> None:
        self.watcher.stop()
        self.manager.close()


def load_registry(
    roots: Sequence[Path], metrics: Metrics | None = None
) -> tuple[LanguageRegistry, dict[str, str]]:
    """The languages of the plugin folders under `roots` alone (no entry points, no config file),
    loaded by the manager as `serve` loads them, and the errors of those that failed, by plugin.
    For one-shot work: benchmarks, tests, a rebuild."""
    from prometheus_client import CollectorRegistry

    manager = PluginManager(
        bundled=roots, entry_points=False, metrics=metrics or Metrics(CollectorRegistry())
    )
    try:
        manager.refresh()
        failed = {s.name: s.error or "" for s in manager.list_plugins() if s.state == "failed"}
        return manager.registry, failed
    finally:
        manager.close()
