"""The plugin manager: every plugin's state, loads in parallel, and the registry swap.

`refresh()` discovers, compares fingerprints with what it holds, loads what is new or changed
(in a thread pool, each plugin validated in full before it may serve), drops what is gone, then
builds the next `LanguageRegistry` and tool table aside and swaps them in with one assignment
each (zoekt's watcher: load and drop sets; never patch the registry in place). A version that
fails leaves the last good one serving: the manager keeps its loaded objects, it never reads them
again from disk. Subscribers hear of each swap with the new registry and what changed.

Thread-safe: one lock guards the state table (held briefly; never while loading or calling
subscribers), another serialises refreshes so that swaps, and the callbacks about them, happen
one at a time and in order.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from appliance.errors import ApplianceError, ConfigError, NotFoundError, PluginError, UsageError
from appliance.index.languages import LanguageRegistry, precedence, with_hooks
from appliance.metrics import METRICS, Metrics
from appliance.plugins import config as cfg
from appliance.plugins import hooks
from appliance.plugins.discovery import Candidate, Root, default_roots, discover
from appliance.plugins.loader import Loaded, LoadError, load, read_manifest
from appliance.plugins.status import STATES, Change, PluginStatus
from appliance.plugins.tools import IndexAccess, LateIndex, ToolDefinition

log = logging.getLogger(__name__)

REPORTS = "plugin-reports"  # under the data dir: hook failures reported by other processes
Subscriber = Callable[[Change], None]


@dataclass
class _Entry:
    name: str
    candidate: Candidate
    state: str = "discovered"
    current: Loaded | None = None  # the version it serves or holds: the last good one
    error: str = ""
    stage: str = ""
    attempted: tuple[str, str] = ("", "")  # (fingerprint, settings) of the last load tried
    unloaded: bool = False  # on request: stays so until asked, or until its files change
    quarantined: str = ""  # fingerprint of a version whose hook hung
    loaded_at: float | None = None
    conflicts: list[str] = field(default_factory=list)
    shadows: list[str] = field(default_factory=list)


class PluginManager:
    def __init__(
        self,
        plugin_dirs: Sequence[Path] = (),
        *,
        bundled: Path | Sequence[Path] | None = None,
        include_bundled: bool = True,
        entry_points: bool = True,
        config_path: Path | None = None,
        data_dir: Path | None = None,
        environ: Mapping[str, str] | None = None,
        metrics: Metrics = METRICS,
        workers: int = 4,
        reserved_tools: Iterable[str] = (),
        index: IndexAccess | None = None,
    ) -> None:
        roots = default_roots(plugin_dirs, bundled)
        self.roots: list[Root] = roots if include_bundled else [r for r in roots if r.origin != "bundled"]
        self.entry_points = entry_points
        if config_path is None and data_dir is not None:
            config_path = data_dir / cfg.DEFAULT_NAME
        self.config_path = config_path
        self.report_dir = data_dir / REPORTS if data_dir is not None else None
        self.environ = environ if environ is not None else os.environ
        self.metrics = metrics
        self.workers = max(1, workers)
        self.reserved_tools = frozenset(reserved_tools)
        self._index = LateIndex()  # what tool plugins query; `set_index` fills it in
        if index is not None:
            self._index.target = index
        self.registry = LanguageRegistry(())  # swapped, never changed in place
        self.config = cfg.PluginsConfig(config_path)
        self.config_error = ""
        self._tools: dict[str, tuple[str, ToolDefinition]] = {}  # tool → (plugin, guarded definition)
        self._entries: dict[str, _Entry] = {}
        self._subscribers: list[Subscriber] = []
        self._seen_reports: set[str] = set()
        self._conflicts: set[tuple[str, str]] = set()  # (plugin, conflict) logged and counted already
        self._published: dict[str, tuple[str, str]] = {}  # plugin → (state, fingerprint) at the last swap
        self._lock = threading.RLock()
        self._refresh_lock = threading.RLock()
        self._closed = False
        try:
            self.config = cfg.load_config(config_path)
        except ConfigError as e:
            self._config_failed(e)
        hooks.add_listener(self._on_hook_failure)

    def reserve_tools(self, names: Iterable[str]) -> Change:
        """Tool names plugins may not take (the server's own); the table is rebuilt without them."""
        with self._refresh_lock:
            self.reserved_tools = frozenset(names)
            return self._swap([])

    def set_index(self, index: IndexAccess) -> None:
        """The index tool plugins query from now on (tools already loaded see it too)."""
        self._index.target = index

    # Subscribers.

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber(change)` after every swap; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    # Loading and unloading.

    def refresh(self, defer: Iterable[Path] = (), force: Iterable[str] = ()) -> Change:
        """Bring the plugins in line with the disk: load the new and changed, drop the gone.
        Folders in `defer` are left as they are (their writes have not settled yet); plugins in
        `force` load again even if unchanged."""
        deferred = {Path(p) for p in defer}
        forced = set(force)
        with self._refresh_lock:
            discovery = discover(self.roots, self.entry_points)
            retire: list[Loaded] = []
            todo: list[Candidate] = []
            with self._lock:
                config = self.config
                for entry in list(self._entries.values()):
                    gone = entry.name not in discovery.candidates
                    if gone and entry.candidate.folder not in deferred:
                        log.info("plugin %s: removed (%s); unloading it", entry.name, entry.candidate.source)
                        del self._entries[entry.name]
                        retire.extend([entry.current] if entry.current else [])
                shadowed: dict[str, list[str]] = {}
                for loser, winner in discovery.shadowed:
                    shadowed.setdefault(winner.name, []).append(loser.source)
                for name, candidate in discovery.candidates.items():
                    if name in self._entries and candidate.folder in deferred and name not in forced:
                        continue
                    entry = self._entries.setdefault(name, _Entry(name, candidate))
                    entry.shadows = shadowed.get(name, [])
                    if not config.enabled(name):
                        if entry.state != "disabled":
                            log.info("plugin %s: disabled in %s", name, config.path)
                        retire.extend([entry.current] if entry.current else [])
                        entry.candidate, entry.current, entry.state = candidate, None, "disabled"
                        entry.error = entry.stage = ""
                        entry.attempted = ("", "")
                        continue
                    key = (candidate.fingerprint, self._settings_key(name, config))
                    if name in forced:
                        entry.unloaded = False
                        entry.quarantined = ""
                    elif (
                        entry.unloaded and candidate.fingerprint == entry.candidate.fingerprint
                    ) or key == entry.attempted:
                        continue
                    entry.candidate, entry.attempted, entry.unloaded = candidate, key, False
                    if entry.current is None:
                        entry.state = "discovered"
                    todo.append(candidate)
            for candidate, result in self._load_all(todo, config):
                self._settle(candidate, result, retire)
            self._read_reports()
            return self._swap(retire)

    def load(self, name: str) -> PluginStatus:
        """Load `name` now, even if it is unchanged (clears an unload or a quarantine)."""
        self._clear_reports(name)
        self.refresh(force={name})
        return self.info(name)

    def reload(self, name: str) -> PluginStatus:
        self.info(name)  # NotFoundError for a name never seen
        return self.load(name)

    def unload(self, name: str) -> PluginStatus:
        """Stop serving `name` and free what it holds, until `load` or a change to its files."""
        with self._refresh_lock:
            with self._lock:
                entry = self._entry(name)
                retire = [entry.current] if entry.current else []
                entry.current, entry.unloaded = None, True
                if entry.state != "disabled":
                    entry.state, entry.error, entry.stage = "discovered", "", ""
            self._swap(retire)
        return self.info(name)

    def close(self) -> None:
        """Unload everything (tests, and a server shutting down)."""
        hooks.remove_listener(self._on_hook_failure)
        with self._refresh_lock:
            with self._lock:
                self._closed = True
                retire = [e.current for e in self._entries.values() if e.current]
                self._entries.clear()
            self._swap(retire)

    # Configuration.

    def reload_config(self) -> bool:
        """Read plugins.yaml again and apply it; on an error, keep the config in force."""
        try:
            new = cfg.load_config(self.config_path)
            self._check_config(new)
        except ConfigError as e:
            self._config_failed(e)
            return False
        with self._lock:
            changed = new.digest != self.config.digest or self.config_error
            self.config, self.config_error = new, ""
        if changed:
            log.info("plugins config %s applied", self.config_path)
            self.refresh()
        return True

    def enable(self, name: str) -> PluginStatus:
        self._update_config(name, enabled=True)
        return self.info(name)

    def disable(self, name: str) -> PluginStatus:
        self._update_config(name, enabled=False)
        return self.info(name)

    def set_config(self, name: str, key: str, value: Any) -> dict[str, Any]:
        """Set one setting (a string is read as the setting's type) and apply it."""
        schema = self._schema(name)
        if key not in schema:
            known = ", ".join(sorted(schema)) or "none"
            raise UsageError(f"plugin {name} has no setting {key!r} (its settings: {known})")
        where = self.config.where(name, key)
        if isinstance(value, str):
            value = cfg.coerce(value, schema[key], where)
        cfg.check_value(value, schema[key], where)
        self._update_config(name, key=key, value=value)
        return self.get_config(name)

    def get_config(self, name: str) -> dict[str, Any]:
        schema = self._schema(name)
        with self._lock:
            config = self.config
        return cfg.describe(config, name, schema, self.environ)

    # What is loaded.

    def list_plugins(self) -> list[PluginStatus]:
        with self._lock:
            return [self._status(e) for e in sorted(self._entries.values(), key=lambda e: e.name)]

    def info(self, name: str) -> PluginStatus:
        with self._lock:
            return self._status(self._entry(name))

    def loaded(self, name: str) -> Loaded | None:
        """The version of `name` held now (serving or not)."""
        with self._lock:
            return self._entry(name).current

    def tools(self) -> dict[str, ToolDefinition]:
        """The tools of the active tool plugins, by name; each function runs guarded."""
        with self._lock:
            return {name: tool for name, (_, tool) in self._tools.items()}

    def call_tool(self, name: str, **arguments: Any) -> Any:
        tool = self.tools().get(name)
        if tool is None:
            raise NotFoundError(f"no plugin tool named {name!r}")
        return tool.function(**arguments)

    def counts(self) -> dict[str, int]:
        with self._lock:
            counts = dict.fromkeys(STATES, 0)
            for entry in self._entries.values():
                counts[entry.state] += 1
            return counts

    # Internals.

    def _load_all(
        self, todo: list[Candidate], config: cfg.PluginsConfig
    ) -> list[tuple[Candidate, Loaded | LoadError]]:
        if not todo:
            return []
        report_dir = str(self.report_dir) if self.report_dir else ""

        def attempt(candidate: Candidate) -> tuple[Candidate, Loaded | LoadError]:
            started = time.monotonic()
            try:
                result: Loaded | LoadError = load(candidate, config, self.environ, report_dir, self._index)
            except LoadError as e:
                result = e
            except Exception as e:  # a bug of ours or an odd plugin: still only this plugin fails
                log.exception("plugin %s: unexpected failure while loading", candidate.name)
                result = LoadError("load", f"{type(e).__name__}: {e}")
            self.metrics.plugin_load_duration.observe(time.monotonic() - started)
            return candidate, result

        if len(todo) == 1:
            return [attempt(todo[0])]
        with ThreadPoolExecutor(min(self.workers, len(todo)), thread_name_prefix="plugin-load") as pool:
            return list(pool.map(attempt, todo))

    def _settle(self, candidate: Candidate, result: Loaded | LoadError, retire: list[Loaded]) -> None:
        with self._lock:
            entry = self._entries.get(candidate.name)
            if entry is None or entry.candidate is not candidate or self._closed:
                if isinstance(result, Loaded):  # removed or changed again meanwhile
                    retire.append(result)
                return
            if isinstance(result, Loaded):
                self.metrics.plugin_reloads.labels("ok").inc()
                log.info(
                    "plugin %s %s: loaded in %.3fs from %s",
                    entry.name,
                    result.manifest.version,
                    result.seconds,
                    candidate.source,
                )
                retire.extend([entry.current] if entry.current else [])
                entry.current, entry.loaded_at = result, time.time()
                entry.error = entry.stage = ""
                entry.state = "loaded"  # the swap makes it active
                return
            self.metrics.plugin_reloads.labels("failed").inc()
            self.metrics.plugin_errors.labels(entry.name, result.stage).inc()
            entry.stage = result.stage
            if entry.current is not None:
                version = entry.current.manifest.version
                entry.error = f"the new version failed, version {version} stays active: {result}"
                log.error("plugin %s: %s", entry.name, entry.error)
            else:
                entry.error, entry.state = str(result), "failed"
                log.error("plugin %s: failed at %s: %s", entry.name, result.stage, result)

    def _swap(self, retire: list[Loaded]) -> Change:
        """Build the registry and the tool table of the active plugins aside; swap them in."""
        with self._lock:
            for entry in self._entries.values():  # a version whose hook hung serves no more
                if entry.current and entry.quarantined == entry.current.fingerprint:
                    retire.append(entry.current)
                    entry.current, entry.state = None, "failed"
            serving = self._activate()
            specs = tuple(
                e.current.hook_spec
                for e in serving
                if e.current and e.current.hook_spec and e.current.adjusts_symbols
            )
            languages = [
                with_hooks(e.current.language, specs, hooks.chain)
                for e in serving
                if e.current and e.current.language
            ]
            registry = LanguageRegistry(languages)
            for what, winner, loser in registry.conflicts:
                entry = self._entries[loser]
                entry.conflicts.append(f"{what} is claimed by {winner} (the conflict rule)")
                if what.startswith("language "):
                    entry.state = "loaded"
            tools = self._tool_table([e for e in serving if e.state == "active"])
            states = {
                e.name: (e.state, e.current.fingerprint if e.current else "") for e in self._entries.values()
            }
            plugins = {
                n for n in states.keys() | self._published.keys() if states.get(n) != self._published.get(n)
            }
            change = self._diff(registry, tools, plugins)
            self._report_conflicts()
            self.registry = registry  # the swap: readers see the old registry or the new, whole
            self._tools = tools
            self._published = states
            subscribers = list(self._subscribers)
            self._set_gauges()
        for subscriber in subscribers if change else ():
            try:
                subscriber(change)
            except Exception:
                log.exception("a plugin subscriber failed on a registry swap")
        for loaded in retire:
            loaded.release()
        return change

    def _report_conflicts(self) -> None:
        """Log and count each conflict once, when it appears (the listing shows it while it lasts)."""
        current = {(e.name, c) for e in self._entries.values() for c in e.conflicts}
        for name, conflict in sorted(current - self._conflicts):
            log.warning("plugin %s: %s", name, conflict)
            self.metrics.plugin_errors.labels(name, "conflict").inc()
        self._conflicts = current

    def _activate(self) -> list[_Entry]:
        """Entries that hold a version and may serve; marks those waiting for a requirement."""
        serving: list[_Entry] = []
        for entry in self._entries.values():
            entry.conflicts = []
            if entry.current is None:
                continue
            entry.state = "active"
            serving.append(entry)
        waiting = True
        while waiting:  # a plugin serves only with every plugin it requires serving
            names = {e.name for e in serving}
            waiting = False
            for entry in list(serving):
                assert entry.current is not None
                missing = [r for r in entry.current.manifest.requires if r not in names]
                if missing:
                    entry.state = "loaded"
                    entry.conflicts.append(f"requires {', '.join(missing)}, not active")
                    serving.remove(entry)
                    waiting = True
        return sorted(serving, key=lambda e: self._precedence(e))

    def _precedence(self, entry: _Entry) -> tuple[int, int, str]:
        manifest = entry.current.manifest if entry.current else None
        return precedence(manifest.priority if manifest else 0, entry.candidate.origin, entry.name)

    def _tool_table(self, serving: list[_Entry]) -> dict[str, tuple[str, ToolDefinition]]:
        tools: dict[str, tuple[str, ToolDefinition]] = {}
        previous = self._tools
        for entry in serving:
            loaded = entry.current
            if loaded is None or loaded.hook_spec is None:
                continue
            for tool in loaded.tools:
                if tool.name in self.reserved_tools:
                    entry.conflicts.append(f"tool {tool.name} is one of the server's own")
                    continue
                if tool.name in tools:
                    holder = tools[tool.name][0]
                    entry.conflicts.append(f"tool {tool.name} is claimed by {holder} (the conflict rule)")
                    continue
                old = previous.get(tool.name)
                if old is not None and old[0] == entry.name and old[1].function.__wrapped__ is tool.function:  # type: ignore[attr-defined]
                    tools[tool.name] = old  # unchanged: keep the same guarded function
                else:
                    tools[tool.name] = (entry.name, self._guard(loaded, tool))
        return tools

    def _guard(self, loaded: Loaded, tool: ToolDefinition) -> ToolDefinition:
        spec = loaded.hook_spec
        assert spec is not None
        function = tool.function

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return hooks.call_detached(spec, tool.name, functools.partial(function, *args), kwargs)
            except hooks.HookTimeout as e:
                hooks.report(spec, tool.name, e)
                raise PluginError(
                    f"plugin {spec.plugin}: tool {tool.name} did not return within "
                    f"{spec.seconds:g}s; the plugin is marked failed"
                ) from e
            except ApplianceError:
                raise  # the caller's mistake (an unknown repository, a bad path): theirs to read
            except Exception as e:  # the plugin's failure: logged, counted, shown on the plugin
                hooks.report(spec, tool.name, e)
                raise PluginError(f"plugin {spec.plugin}: tool {tool.name}: {type(e).__name__}: {e}") from e

        return replace(tool, function=guarded, title=tool.title or tool.name)

    def _diff(
        self, registry: LanguageRegistry, tools: dict[str, tuple[str, ToolDefinition]], plugins: set[str]
    ) -> Change:
        old_prints, new_prints = self.registry.fingerprints(), registry.fingerprints()
        languages = {
            n for n in old_prints.keys() | new_prints.keys() if old_prints.get(n) != new_prints.get(n)
        }
        old_claims, new_claims = self.registry.claims(), registry.claims()
        for claim in old_claims.keys() | new_claims.keys():
            if old_claims.get(claim) != new_claims.get(claim):
                languages.update(n for n in (old_claims.get(claim), new_claims.get(claim)) if n)
        removed = tuple(sorted(n for n, t in self._tools.items() if tools.get(n) is not t))
        added = tuple(t for n, t in sorted(tools.items()) if self._tools.get(n) is not t)
        return Change(
            registry, frozenset(languages), tuple(t for _, t in added), removed, tuple(sorted(plugins))
        )

    def _set_gauges(self) -> None:
        counts = dict.fromkeys(STATES, 0)
        for entry in self._entries.values():
            counts[entry.state] += 1
        for state, count in counts.items():
            self.metrics.plugins.labels(state).set(count)

    def _status(self, entry: _Entry) -> PluginStatus:
        loaded = entry.current
        manifest = loaded.manifest if loaded else None
        tools = sorted(n for n, (p, _) in self._tools.items() if p == entry.name)
        if loaded and not tools:
            tools = [t.name for t in loaded.tools]
        return PluginStatus(
            name=entry.name,
            state=entry.state,
            origin=entry.candidate.origin,
            source=entry.candidate.source,
            type=manifest.type if manifest else "",
            version=manifest.version if manifest else "",
            description=manifest.description if manifest else "",
            languages=list(manifest.languages) if manifest else [],
            extensions=list(manifest.file_extensions) if manifest else [],
            tools=tools,
            priority=manifest.priority if manifest else 0,
            requires=list(manifest.requires) if manifest else [],
            error=entry.error or None,
            stage=entry.stage or None,
            conflicts=list(entry.conflicts),
            shadows=list(entry.shadows),
            fingerprint=loaded.fingerprint if loaded else "",
            load_seconds=round(loaded.seconds, 4) if loaded else None,
            loaded_at=entry.loaded_at if loaded else None,
        )

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name)
        if entry is None:
            known = ", ".join(sorted(self._entries)) or "none"
            raise NotFoundError(f"no plugin named {name!r} (known: {known})")
        return entry

    def _settings_key(self, name: str, config: cfg.PluginsConfig) -> str:
        prefix = cfg.env_var(name, "")
        environment = sorted((k, v) for k, v in self.environ.items() if k.startswith(prefix))
        return repr((sorted(config.settings(name).config.items()), environment))

    def _schema(self, name: str) -> dict[str, Any]:
        with self._lock:
            entry = self._entry(name)
            if entry.current is not None:
                return dict(entry.current.manifest.config_schema)
            candidate = entry.candidate
        try:
            return dict(read_manifest(candidate).config_schema)
        except PluginError as e:
            raise UsageError(f"plugin {name}: cannot read its config_schema: {e}") from e

    def _check_config(self, new: cfg.PluginsConfig) -> None:
        with self._lock:
            held = [(e.name, e.current.manifest.config_schema) for e in self._entries.values() if e.current]
        for name, schema in held:
            if new.enabled(name):
                cfg.resolve(new, name, schema, self.environ)

    def _update_config(self, name: str, **change: Any) -> None:
        self.info(name)
        with self._refresh_lock:
            if self.config_path is not None:
                previous = self.config_path.read_bytes() if self.config_path.exists() else None
                cfg.update(self.config_path, name, **change)
                if not self.reload_config():
                    if previous is None:
                        self.config_path.unlink()
                    else:
                        self.config_path.write_bytes(previous)
                    raise ConfigError(self.config_error)
                return
            with self._lock:  # no file: the change lives in memory
                plugins = dict(self.config.plugins)
                settings = plugins.get(name, cfg.PluginsConfig().settings(name))
                if "enabled" in change:
                    settings = replace(settings, enabled=change["enabled"])
                if "key" in change:
                    settings = replace(settings, config={**settings.config, change["key"]: change["value"]})
                plugins[name] = settings
                new = replace(self.config, plugins=plugins, digest=repr(sorted(plugins.items())))
            self._check_config(new)
            with self._lock:
                self.config = new
            self.refresh()

    def _config_failed(self, error: ConfigError) -> None:
        self.config_error = str(error)
        self.metrics.plugin_errors.labels("plugins-config", "config").inc()
        log.error("plugins config not applied, the previous one stays in force: %s", error)

    # Hook failures: from this process (listener) and from others (report files).

    def _on_hook_failure(self, failure: hooks.HookFailure) -> None:
        self.metrics.plugin_errors.labels(failure.plugin, "hook").inc()
        if self._note_failure(failure):
            threading.Thread(target=self._after_fatal, name="plugin-quarantine", daemon=True).start()

    def _note_failure(self, failure: hooks.HookFailure) -> bool:
        """Record the failure on the plugin; True when a hang means the plugin must stop serving."""
        with self._lock:
            entry = self._entries.get(failure.plugin)
            if entry is None or entry.current is None or entry.current.fingerprint != failure.fingerprint:
                return False
            entry.error, entry.stage = failure.message, "hook"
            if failure.fatal and entry.quarantined != failure.fingerprint:
                entry.quarantined = failure.fingerprint
                return True
            return False

    def _after_fatal(self) -> None:
        with self._refresh_lock:
            self._swap([])

    def _read_reports(self) -> None:
        """Note the failures other processes reported. A hang stays on file (the plugin stays failed,
        across restarts too) until a newer version of the plugin serves or it is loaded on request."""
        if self.report_dir is None:
            return
        for path, failure in hooks.read_reports(self.report_dir):
            if path.name not in self._seen_reports:
                self._seen_reports.add(path.name)
                self.metrics.plugin_errors.labels(failure.plugin, "hook").inc()
                log.error("plugin %s: %s (in another process)", failure.plugin, failure.message)
            self._note_failure(failure)
            with self._lock:
                entry = self._entries.get(failure.plugin)
                current = entry.current if entry is not None else None
                newer = current is not None and current.fingerprint != failure.fingerprint
            if not failure.fatal or newer:
                path.unlink(missing_ok=True)

    def read_reports(self) -> None:
        """Apply the hook failures other processes reported (the hot-reload watcher calls this)."""
        with self._refresh_lock:
            self._read_reports()
            self._swap([])

    def _clear_reports(self, name: str) -> None:
        if self.report_dir is None:
            return
        for path, failure in hooks.read_reports(self.report_dir):
            if failure.plugin == name:
                path.unlink(missing_ok=True)
