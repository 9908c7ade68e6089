"""Hot reload: watch the plugin folders and plugins.yaml, and have the manager catch up.

Like zoekt's watcher: events are coalesced per plugin folder (a folder is handled once ~200 ms
pass without an event for it, so a `cp -r`, a `tar x` or an editor's save is one reload),
temporary and partial files are ignored (`.swp`, `~`, `.tmp`, `.part`, `.partial`, `.#name`,
hidden names), and a periodic rescan repairs whatever events were missed. What to load, reload or
drop is not decided here: the manager compares folder fingerprints, so a burst that changes
nothing loads nothing. `poll=True` serves where inotify sees nothing (network and some container
mounts): each poll fingerprints the folders and hands over those unchanged since the last poll.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path

from inotify_simple import INotify, flags

from appliance.plugins.discovery import folder_fingerprint, is_temporary, plugin_folders
from appliance.plugins.manager import PluginManager

log = logging.getLogger(__name__)

MASK = (
    flags.CREATE
    | flags.DELETE
    | flags.MODIFY
    | flags.CLOSE_WRITE
    | flags.ATTRIB
    | flags.MOVED_FROM
    | flags.MOVED_TO
    | flags.DELETE_SELF
    | flags.MOVE_SELF
    | flags.ONLYDIR
    | flags.DONT_FOLLOW
    | flags.EXCL_UNLINK
)
CONFIG = Path("<plugins config>")  # the pending key of the config file
REPORTS = Path("<hook reports>")  # the pending key of the report folder


class PluginWatcher:
    def __init__(
        self,
        manager: PluginManager,
        *,
        poll: bool = False,
        poll_seconds: float = 1.0,
        settle_seconds: float = 0.2,
        rescan_seconds: float = 60.0,
    ) -> None:
        self.manager = manager
        self.roots = [root.path for root in manager.roots]
        self.poll = poll
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.rescan_seconds = rescan_seconds
        self.ready = threading.Event()  # set once everything is watched
        self.passes = 0  # refreshes made (tests wait on this through `wait_passes`)
        self._passed = threading.Condition()
        self._inotify: INotify | None = None
        self._watches: dict[int, Path] = {}  # wd → watched folder
        self._pending: dict[Path, float] = {}  # plugin folder (or CONFIG, REPORTS) → last event
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # Running.

    def start(self) -> None:
        """Run in a daemon thread until `stop()`."""
        self._thread = threading.Thread(
            target=self.run, args=(self._stop,), name="plugin-watcher", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self, stop: threading.Event) -> None:
        try:
            if self.poll:
                self._run_polling(stop)
            else:
                self._run_inotify(stop)
        finally:
            if self._inotify is not None:
                self._inotify.close()
                self._inotify = None

    def wait_passes(self, passes: int, timeout: float) -> bool:
        """Wait until `passes` refreshes have been made (for tests and benchmarks)."""
        with self._passed:
            return self._passed.wait_for(lambda: self.passes >= passes, timeout)

    # inotify.

    def _run_inotify(self, stop: threading.Event) -> None:
        self._inotify = INotify()
        self._watch_all()
        self.ready.set()
        next_rescan = time.monotonic() + self.rescan_seconds
        while not stop.is_set():
            now = time.monotonic()
            due = min([t + self.settle_seconds for t in self._pending.values()] + [next_rescan, now + 0.25])
            for event in self._inotify.read(timeout=max(1, int((due - now) * 1000))):
                self._collect(event)
            now = time.monotonic()
            settled = {key for key, last in self._pending.items() if now - last >= self.settle_seconds}
            unwatched = [f for f in self._wanted() if f not in self._watches.values()]
            if unwatched:  # a folder that did not exist (yet), or was replaced: it may exist now
                self._watch_all()
                for folder in unwatched:
                    if folder in self._watches.values():
                        self._pending.setdefault(CONFIG if folder not in self.roots else folder, now)
            if now >= next_rescan:
                self._watch_all()  # a root that appeared, folders whose watches were missed
                self._refresh(set(self._pending) - settled, rescan=True)
                next_rescan = now + self.rescan_seconds
            if settled:
                for key in settled:
                    del self._pending[key]
                self._handle(settled)

    def _collect(self, event: tuple[int, int, int, str]) -> None:
        wd, mask, _cookie, name = event
        if mask & flags.Q_OVERFLOW:
            log.warning("inotify queue overflowed; rescanning every plugin folder")
            for root in self.roots:
                for folder in plugin_folders(root):
                    self._pending[folder] = time.monotonic()
            self._pending[CONFIG] = time.monotonic()
            return
        watched = self._watches.get(wd)
        if watched is None:
            return
        folder = watched
        if mask & flags.IGNORED:
            self._watches.pop(wd, None)
            return
        if self._is_config_dir(folder):
            if self.manager.config_path is not None and name == self.manager.config_path.name:
                self._pending[CONFIG] = time.monotonic()
            if folder not in self.roots:
                return
        if self.manager.report_dir is not None and folder == self.manager.report_dir:
            if name.endswith(".json"):
                self._pending[REPORTS] = time.monotonic()
            return
        if folder in self.roots and mask & (flags.DELETE_SELF | flags.MOVE_SELF):
            self._pending[folder] = time.monotonic()  # every plugin in it is gone
            return
        path = folder / name if name else folder
        if name and is_temporary(name):
            return  # an editor's swap file, a download in progress: never part of a plugin
        plugin = self._plugin_folder(path)
        if plugin is None:
            return
        self._pending[plugin] = time.monotonic()
        if mask & flags.ISDIR and mask & (flags.CREATE | flags.MOVED_TO):
            self._watch_tree(path)

    def _handle(self, settled: set[Path]) -> None:
        if CONFIG in settled:
            self.manager.reload_config()
        if REPORTS in settled:
            self.manager.read_reports()
        if settled - {CONFIG, REPORTS}:
            self._refresh(set(self._pending))

    def _refresh(self, defer: set[Path], rescan: bool = False) -> None:
        try:
            change = self.manager.refresh(defer=defer - {CONFIG, REPORTS})
            if rescan:
                self.manager.read_reports()
        except Exception:  # the watcher outlives any one failure
            log.exception("plugin refresh failed")
            return
        if change:
            log.info("plugins changed: %s", ", ".join(change.plugins) or "(tools or languages)")
        with self._passed:
            self.passes += 1
            self._passed.notify_all()

    def _plugin_folder(self, path: Path) -> Path | None:
        """The plugin folder `path` is in (a folder directly under a root), if any."""
        for root in self.roots:
            try:
                relative = path.relative_to(root)
            except ValueError:
                continue
            if relative.parts and not is_temporary(relative.parts[0]):
                return root / relative.parts[0]
            return None
        return None

    def _is_config_dir(self, folder: Path) -> bool:
        return self.manager.config_path is not None and folder == self.manager.config_path.parent

    def _wanted(self) -> list[Path]:
        config = self.manager.config_path
        return self.roots + ([config.parent] if config is not None else [])

    def _watch_all(self) -> None:
        watched = set(self._watches.values())
        for root in self.roots:
            if root not in watched and root.is_dir():
                self._watch_tree(root)
        config = self.manager.config_path
        if config is not None and config.parent not in watched and config.parent.is_dir():
            self._add(config.parent)
        if self.manager.report_dir is not None:
            with contextlib.suppress(OSError):
                self.manager.report_dir.mkdir(parents=True, exist_ok=True)
            if self.manager.report_dir not in watched:
                self._add(self.manager.report_dir)

    def _watch_tree(self, top: Path) -> None:
        for current, dirs, _files in os.walk(top):
            dirs[:] = [d for d in dirs if not is_temporary(d) and d != "__pycache__"]
            self._add(Path(current))

    def _add(self, folder: Path) -> None:
        assert self._inotify is not None
        if folder in self._watches.values():
            return
        try:
            wd = self._inotify.add_watch(str(folder), MASK)
        except OSError as e:  # gone meanwhile, or out of watches: the rescan covers it
            log.debug("cannot watch %s: %s", folder, e)
            return
        self._watches[wd] = folder

    # Polling.

    def _run_polling(self, stop: threading.Event) -> None:
        previous = self._snapshot()
        config_seen = previous.get(CONFIG)
        self.ready.set()
        while not stop.wait(self.poll_seconds):
            current = self._snapshot()
            moving = {k for k in current.keys() | previous.keys() if current.get(k) != previous.get(k)}
            if CONFIG not in moving and current.get(CONFIG) != config_seen:  # changed, then settled
                config_seen = current.get(CONFIG)
                self.manager.reload_config()
            self._refresh(moving - {CONFIG}, rescan=True)  # what moved since the last poll waits
            previous = current

    def _snapshot(self) -> dict[Path, str]:
        snapshot = {
            folder: folder_fingerprint(folder) for root in self.roots for folder in plugin_folders(root)
        }
        path = self.manager.config_path
        if path is not None:
            try:
                stat = path.stat()
                snapshot[CONFIG] = f"{stat.st_mtime_ns}:{stat.st_size}"
            except OSError:
                snapshot[CONFIG] = ""
        return snapshot
