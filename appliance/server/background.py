"""`appliance serve PATH`: index the repositories in a thread while the server answers, then watch them.

One thread does every write, so the index keeps a single writer: it indexes what is queued (at
first, every repository), then runs the watcher until it is woken by a new request or by the
stop. A reindex request interrupts the watcher, rescans, and starts the watcher again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from appliance.errors import UsageError
from appliance.index.indexer import Indexer
from appliance.index.watcher import RepoWatcher
from appliance.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepoProgress:
    state: str = "queued"  # queued, indexing, watching, failed
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    error: str | None = None


class BackgroundIndexer:
    def __init__(self, indexer: Indexer, repos: dict[str, str], metrics: Metrics, poll: bool = False) -> None:
        self.indexer = indexer
        self.repos = dict(repos)
        self.metrics = metrics
        self.poll = poll
        self._lock = threading.Lock()
        self._progress = {name: RepoProgress() for name in repos}
        self._pending: set[str] = set(repos)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # completed indexing passes (tests wait on this)
        self.idle = threading.Condition(self._lock)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="appliance-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def progress(self) -> dict[str, RepoProgress]:
        with self._lock:
            return dict(self._progress)

    def request(self, name: str | None) -> list[str]:
        """Queue a rescan of repository `name` (None: all of them); returns the names queued."""
        if name is not None and name not in self.repos:
            known = ", ".join(sorted(self.repos)) or "none"
            raise UsageError(f"no repository named {name!r} is served by this process (known: {known})")
        names = [name] if name is not None else sorted(self.repos)
        with self._lock:
            self._pending.update(names)
            for n in names:
                if self._progress[n].state != "indexing":
                    self._progress[n] = replace(self._progress[n], state="queued")
        self._wake.set()
        return names

    def wait_idle(self, passes: int, timeout: float) -> bool:
        """Wait until at least `passes` indexing passes have completed (for tests and benchmarks)."""
        with self.idle:
            return self.idle.wait_for(lambda: self.passes >= passes, timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                todo = sorted(self._pending)
                self._pending.clear()
                self._wake.clear()
            for name in todo:
                if self._stopping.is_set():
                    return
                self._index(name)
            with self.idle:
                self.passes += 1
                self.idle.notify_all()
            if self._stopping.is_set():
                return
            self._set_all("watching")
            watcher = RepoWatcher(self.indexer, self.repos, poll=self.poll, metrics=self.metrics)
            try:
                watcher.run(self._wake)  # returns when woken: a request, or the stop
            except Exception:
                log.exception("the repository watcher failed; rescanning instead")
                with self._lock:
                    self._pending.update(self.repos)
                self._stopping.wait(5.0)

    def _index(self, name: str) -> None:
        started = time.monotonic()

        def report(files: int, total_files: int, done_bytes: int, total_bytes: int) -> None:
            with self._lock:
                self._progress[name] = RepoProgress("indexing", files, total_files, done_bytes, total_bytes)

        report(0, 0, 0, 0)
        try:
            summary = self.indexer.index(name, self.repos[name], report)
        except Exception as e:  # one repository failing must not stop the others, nor the server
            log.exception("indexing %s failed", name)
            with self._lock:
                self._progress[name] = RepoProgress("failed", error=str(e) or type(e).__name__)
            return
        with self._lock:
            self._progress[name] = RepoProgress("watching")
        log.info(
            "%s: %d files indexed, %d unchanged, %d removed in %.1fs",
            name,
            summary.indexed,
            summary.unchanged,
            summary.deleted,
            time.monotonic() - started,
        )

    def _set_all(self, state: str) -> None:
        with self._lock:
            for name, progress in self._progress.items():
                if progress.state != "failed":
                    self._progress[name] = RepoProgress(state)
