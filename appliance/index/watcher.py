"""Keep the index current: inotify events, coalesced, become small re-index batches.

Bursts of events (an editor's write-to-temp-then-rename, `git checkout`, `tar x`) are read
together after a short settle delay and reduced to a set of changed paths and changed folders.
A folder that appears, disappears or moves is rescanned as a subtree; a queue overflow, or a
changed .gitignore, rescans the repository. A periodic rescan repairs whatever was missed, and
`poll=True` relies on rescans alone (for mounts where inotify sees nothing, such as Docker
Desktop's bind mounts from macOS).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from inotify_simple import Event, INotify, flags

from appliance.index.indexer import Indexer
from appliance.index.walker import IGNORE_FILES
from appliance.metrics import METRICS, Metrics

log = logging.getLogger(__name__)

WATCH_MASK = (
    flags.CLOSE_WRITE
    | flags.MOVED_FROM
    | flags.MOVED_TO
    | flags.CREATE
    | flags.DELETE
    | flags.MODIFY
    | flags.ATTRIB
    | flags.DELETE_SELF
    | flags.ONLYDIR
    | flags.DONT_FOLLOW
    | flags.EXCL_UNLINK
)
SETTLE_MS = 50  # how long a burst of events may keep arriving before it is handled
FULL = ""  # the subtree that stands for the whole repository


@dataclass
class Changes:
    """What one burst of events asks for, per repository."""

    paths: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    subtrees: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    first_seen: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.paths or self.subtrees)


class RepoWatcher:
    def __init__(
        self,
        indexer: Indexer,
        repos: dict[str, str],
        *,
        poll: bool = False,
        poll_seconds: float = 2.0,
        rescan_seconds: float = 300.0,
        metrics: Metrics = METRICS,
    ) -> None:
        self.indexer = indexer
        self.repos = dict(repos)
        self.poll = poll
        self.poll_seconds = poll_seconds
        self.rescan_seconds = rescan_seconds
        self.metrics = metrics
        self.ready = threading.Event()  # set once every folder is watched
        self._inotify: INotify | None = None
        self._watches: dict[int, tuple[str, str]] = {}  # wd → (repo, folder relative to its root)

    def run(self, stop: threading.Event) -> None:
        self.metrics.watcher_up.set(1)
        try:
            if self.poll:
                self._run_polling(stop)
            else:
                self._run_inotify(stop)
        finally:
            self.metrics.watcher_up.set(0)
            if self._inotify is not None:
                self._inotify.close()

    def rescan(self) -> None:
        self.metrics.watcher_rescans.inc()
        for name, root in self.repos.items():
            self.indexer.index(name, root)

    def _run_polling(self, stop: threading.Event) -> None:
        self.ready.set()
        while not stop.is_set():
            self.rescan()
            stop.wait(self.poll_seconds)

    def _run_inotify(self, stop: threading.Event) -> None:
        self._inotify = INotify()
        for name, root in self.repos.items():
            self._watch_tree(name, root, "")
        self.ready.set()
        next_rescan = time.monotonic() + self.rescan_seconds
        while not stop.is_set():
            events = self._inotify.read(timeout=250, read_delay=SETTLE_MS)
            if events:
                self.metrics.watcher_events.inc(len(events))
                changes = Changes(first_seen=time.monotonic())
                for event in events:
                    self._collect(event, changes)
                self._apply(changes)
            if time.monotonic() >= next_rescan:
                self.rescan()
                next_rescan = time.monotonic() + self.rescan_seconds

    def _collect(self, event: Event, changes: Changes) -> None:
        wd, mask, name = event.wd, event.mask, event.name
        if mask & flags.Q_OVERFLOW:
            log.warning("inotify queue overflowed; rescanning every repository")
            for repo in self.repos:
                changes.subtrees[repo].add(FULL)
            return
        where = self._watches.get(wd)
        if where is None:
            return
        repo, folder = where
        if mask & flags.IGNORED:
            self._watches.pop(wd, None)
            return
        if mask & flags.DELETE_SELF:
            changes.subtrees[repo].add(folder)
            return
        rel = f"{folder}/{name}" if folder else name
        if mask & flags.ISDIR:
            if mask & (flags.MOVED_FROM | flags.DELETE):
                self._unwatch_tree(repo, rel)
            elif mask & (flags.CREATE | flags.MOVED_TO):
                self._watch_tree(repo, self.repos[repo], rel)
            changes.subtrees[repo].add(rel)
        elif name in IGNORE_FILES:
            changes.subtrees[repo].add(FULL)  # what is ignored has changed
        else:
            changes.paths[repo].add(rel)

    def _apply(self, changes: Changes) -> None:
        self.metrics.index_lag.set(time.monotonic() - changes.first_seen)
        self.metrics.index_queue_depth.set(sum(len(p) for p in changes.paths.values()))
        for repo, subtrees in changes.subtrees.items():
            root = self.repos[repo]
            for subtree in _outermost(subtrees):
                self.indexer.index(repo, root, under=subtree)
                changes.paths[repo] = {p for p in changes.paths.get(repo, set()) if not _within(p, subtree)}
        for repo, paths in changes.paths.items():
            if paths:
                self.indexer.update(repo, self.repos[repo], paths)
        self.metrics.index_lag.set(0)
        self.metrics.index_queue_depth.set(0)
        log.debug("applied a burst of changes %.3fs after it began", time.monotonic() - changes.first_seen)

    def _watch_tree(self, repo: str, root: str, rel: str) -> None:
        assert self._inotify is not None
        top = os.path.join(root, rel) if rel else root
        for current, dirs, _files in os.walk(top):
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(current, d))
            )
            folder = os.path.relpath(current, root)
            folder = "" if folder == "." else folder.replace(os.sep, "/")
            try:
                wd = self._inotify.add_watch(current, WATCH_MASK)
            except OSError as e:
                if e.errno == errno.ENOSPC:
                    log.error("out of inotify watches (fs.inotify.max_user_watches); switch to --poll")
                    raise
                continue  # the folder went away meanwhile
            self._watches[wd] = (repo, folder)

    def _unwatch_tree(self, repo: str, rel: str) -> None:
        assert self._inotify is not None
        for wd, (watched_repo, folder) in list(self._watches.items()):
            if watched_repo == repo and _within(folder, rel):
                with contextlib.suppress(OSError):  # already gone with its folder
                    self._inotify.rm_watch(wd)
                self._watches.pop(wd, None)


def _within(path: str, folder: str) -> bool:
    return folder == FULL or path == folder or path.startswith(folder + "/")


def _outermost(folders: set[str]) -> list[str]:
    """Drop folders inside other folders of the set: one rescan covers them."""
    kept: list[str] = []
    for folder in sorted(folders, key=len):
        if not any(_within(folder, k) for k in kept):
            kept.append(folder)
    return kept
