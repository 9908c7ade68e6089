"""The index as the server sees it: opened on first use, shared by every request, never written here.

The server may start before any index exists (the image starts it beside a separate indexer),
so the store is opened lazily and each failure says why. One `Searcher` serves every request:
its content cache is shared by the worker threads searches run on.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from appliance.errors import ApplianceError, UsageError
from appliance.index.languages import LanguageRegistry
from appliance.index.lookup import Lookup
from appliance.index.search import Searcher, SearchQuery, SearchResult
from appliance.index.store import RepoInfo, Store
from appliance.metrics import Metrics
from appliance.plugins.runtime import PluginRuntime
from appliance.server.background import BackgroundIndexer, RepoProgress
from appliance.server.models import IndexStatus, Plugin, Progress, RepoStatus, iso


class IndexService:
    def __init__(
        self,
        data_dir: Path,
        metrics: Metrics,
        registry: LanguageRegistry,
        failed_plugins: dict[str, ApplianceError],
        background: BackgroundIndexer | None = None,
        store: Store | None = None,
        plugins: PluginRuntime | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.metrics = metrics
        self.registry = registry
        self.failed_plugins = failed_plugins
        self.background = background
        self._store: Store | None = None
        self._open_lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._lookup: Lookup | None = None
        if store is not None:
            self._adopt(store)
        self.plugin_runtime = plugins
        if plugins is not None:  # the manager keeps the gauges; this follows its registry swaps
            plugins.manager.subscribe(lambda change: setattr(self, "registry", change.registry))
            plugins.manager.set_index(self)  # what tool plugins query
        else:
            self._set_plugin_gauges()

    # The store, opened on first use.

    def store(self) -> Store:
        if self._store is None:
            with self._open_lock:
                if self._store is None:
                    self._adopt(Store.open(self.data_dir, writable=False))
        assert self._store is not None
        return self._store

    def _adopt(self, store: Store) -> None:
        self._searcher = Searcher(store, self.metrics)  # with the engine's shared content cache
        self._lookup = Lookup(store, self.metrics, self._searcher.cache)  # and its symbol cache
        self._store = store

    def not_ready_reason(self) -> str | None:
        try:
            self.store()
        except ApplianceError as e:
            return str(e)
        return None

    # Queries. Each raises an ApplianceError a person can act on.

    def search(self, query: SearchQuery) -> SearchResult:
        self.store()  # opens it, and makes the searcher, on first use
        assert self._searcher is not None
        return self._searcher.search(query)

    def lookup(self) -> Lookup:
        self.store()
        assert self._lookup is not None
        return self._lookup

    def repos(self) -> dict[str, RepoInfo]:
        return self.lookup().repos()

    def status(self) -> IndexStatus:
        reason = self.not_ready_reason()
        indexed = self.repos() if reason is None else {}
        progress = self.background.progress() if self.background is not None else {}
        lag = self.metrics.registry.get_sample_value("appliance_index_lag_seconds")
        now = time.time()
        repos = []
        for name in sorted(set(indexed) | set(progress)):
            info = indexed.get(name) or RepoInfo(name, self.background.repos[name] if self.background else "")
            repos.append(_repo_status(info, progress.get(name), lag if name in progress else None, now))
        return IndexStatus(
            ready=reason is None,
            reason=reason,
            mode="indexing" if self.background is not None else "read-only",
            data_dir=str(self.data_dir),
            repos=repos,
        )

    def plugins(self) -> list[Plugin]:
        if self.plugin_runtime is not None:
            statuses = self.plugin_runtime.manager.list_plugins()
            statuses.sort(key=lambda s: (s.state != "active", s.name))  # active ones first
            fields = ("name", "version", "type", "languages", "extensions", "tools", "state", "error")
            return [Plugin(**{f: getattr(s, f) for f in fields}) for s in statuses]
        active = [
            Plugin(
                name=p.manifest.name,
                version=p.manifest.version,
                type="language",
                languages=[p.name],
                extensions=list(p.manifest.file_extensions),
                state="active",
                error=None,
            )
            for p in sorted(self.registry.plugins.values(), key=lambda p: p.manifest.name)
        ]
        failed = [
            Plugin(
                name=name, version="", type="", languages=[], extensions=[], state="failed", error=str(error)
            )
            for name, error in sorted(self.failed_plugins.items())
        ]
        return active + failed

    def reindex(self, repo: str | None) -> list[str]:
        if self.background is None:
            raise UsageError(
                "this server only reads the index: a separate indexer process (`appliance watch`) writes it "
                "and rescans every repository periodically; restart that process to rescan now"
            )
        return self.background.request(repo)

    def _set_plugin_gauges(self) -> None:
        self.metrics.plugins.labels("active").set(len(self.registry.plugins))
        self.metrics.plugins.labels("failed").set(len(self.failed_plugins))


def _repo_status(info: RepoInfo, progress: RepoProgress | None, lag: float | None, now: float) -> RepoStatus:
    return RepoStatus(
        name=info.name,
        root=info.root,
        files=info.files,
        symbols=info.symbols,
        bytes=info.bytes,
        indexed_at=iso(info.indexed_at),
        state=progress.state if progress is not None else "indexed",
        age_seconds=round(now - info.indexed_at, 3) if info.indexed_at else None,
        lag_seconds=lag if progress is not None and progress.state == "watching" else None,
        progress=Progress(
            files_done=progress.files_done,
            files_total=progress.files_total,
            bytes_done=progress.bytes_done,
            bytes_total=progress.bytes_total,
            percent=round(100.0 * progress.bytes_done / progress.bytes_total, 1)
            if progress.bytes_total
            else 0.0,
        )
        if progress is not None and progress.state == "indexing"
        else None,
        error=progress.error if progress is not None else None,
    )
