"""Running plugin hooks, contained: each call under a time limit, every failure caught and reported.

Hooks run where their work is: `adjust_symbols` in the parser processes, `provide_tools` and the
tools themselves in the server. A `HookSpec` carries what another process needs to load a
plugin's hooks (it is picklable, like `LanguageSpec`, and travels inside it); each process loads a
plugin's code once per version and keeps it.

A hook that raises is skipped for that call (the file keeps the symbols it had) and reported. A
hook that runs past `limits.hook_seconds` is abandoned on its thread, never called again in that
process, and reported as fatal: the manager marks the plugin failed. Reports reach the manager
through listeners in its own process and, from the parser processes, as small JSON files in the
manager's report folder (first failure of each kind per process, so a hook failing on every file
does not write a file per file).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from appliance.errors import PluginError
from appliance.index.languages import SymbolHook
from appliance.index.symbols import Symbol
from appliance.plugins import hookspecs
from appliance.plugins.modules import LoadedCode, load_code

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HookSpec:
    """How to load one plugin's hook object in any process (picklable)."""

    plugin: str
    fingerprint: str  # of this version of the plugin and its settings
    folder: str = ""  # the plugin folder; "" for a plugin from an installed package
    module: str = "plugin"  # relative to the folder; for a package plugin, an absolute module name
    attribute: str = ""  # the hook object inside the module ("" for the module itself)
    lib: str = ""
    languages: tuple[str, ...] = ()  # the languages whose symbols it adjusts (() for every one)
    config_json: str = "{}"  # the plugin's settings
    seconds: float = 5.0  # limits.hook_seconds
    report_dir: str = ""  # where a parser process reports failures to the manager

    @property
    def config(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.config_json)
        return data

    def applies_to(self, language: str) -> bool:
        return not self.languages or language in self.languages


@dataclass(frozen=True)
class HookFailure:
    plugin: str
    fingerprint: str
    hook: str  # adjust_symbols, provide_tools, a tool's name, or "load"
    message: str
    fatal: bool  # the hook hung: the plugin cannot be trusted with another call


class HookTimeout(Exception):
    """A hook ran past its limit; it is left running on its own thread."""


# Per process: hook objects by (plugin, fingerprint), the threads hooks run on, listeners.
_lock = threading.Lock()
_objects: dict[tuple[str, str], object] = {}
_code: dict[tuple[str, str], LoadedCode] = {}
_runners: dict[tuple[str, str], _Runner] = {}
_listeners: list[Callable[[HookFailure], None]] = []
_reported: set[tuple[str, str, bool]] = set()  # (plugin, fingerprint, fatal) already written to disk


def add_listener(listener: Callable[[HookFailure], None]) -> None:
    with _lock:
        _listeners.append(listener)


def remove_listener(listener: Callable[[HookFailure], None]) -> None:
    with _lock, contextlib.suppress(ValueError):
        _listeners.remove(listener)


def adopt(spec: HookSpec, hook_object: object) -> None:
    """Use `hook_object` for `spec` in this process (the manager has loaded it already)."""
    with _lock:
        _objects[(spec.plugin, spec.fingerprint)] = hook_object


def forget(plugin: str, fingerprint: str) -> None:
    """Drop what this process holds for one version of a plugin (it was unloaded or replaced)."""
    with _lock:
        _objects.pop((plugin, fingerprint), None)
        code = _code.pop((plugin, fingerprint), None)
        runner = _runners.pop((plugin, fingerprint), None)
    if runner is not None:
        runner.close()
    if code is not None:
        code.unload()


def hook_object(spec: HookSpec) -> object:
    key = (spec.plugin, spec.fingerprint)
    with _lock:
        if key in _objects:
            return _objects[key]
    if spec.folder:
        code = load_code(spec.plugin, Path(spec.folder), spec.module, spec.lib, tag=f"w{spec.fingerprint}")
        module: object = code.module
    else:
        code = None
        module = importlib.import_module(spec.module)
    target = module
    for part in filter(None, spec.attribute.split(".")):
        target = getattr(target, part)
    with _lock:
        if code is not None:
            _code[key] = code
        return _objects.setdefault(key, target)


def plugin_manager(objects: list[tuple[str, object]]) -> pluggy.PluginManager:
    """A pluggy manager holding `objects` as (name, hook object); raises PluginError on a bad hook."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name, target in objects:
        try:
            pm.register(target, name=name)
        except (pluggy.PluginValidationError, ValueError) as e:
            raise PluginError(f"{name}: {e}") from e
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        known = ", ".join(sorted(n for n in dir(pm.hook) if not n.startswith("_")))
        raise PluginError(f"{e}: a hook implementation matches no hook (the hooks: {known})") from e
    return pm


def call(spec: HookSpec, hook: str, function: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Call `function(**kwargs)` on the plugin's thread; raise HookTimeout past `spec.seconds`."""
    key = (spec.plugin, spec.fingerprint)
    with _lock:
        runner = _runners.get(key)
        if runner is None or runner.hung:
            if runner is not None:
                raise HookTimeout(f"{spec.plugin}: an earlier {runner.hung} call never returned")
            runner = _runners[key] = _Runner(spec.plugin)
    return runner.call(hook, function, kwargs, spec.seconds)


def call_detached(spec: HookSpec, hook: str, function: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Like `call`, on a thread of its own: for tool calls, which may run side by side."""
    job = _Job(function, kwargs)
    thread = threading.Thread(target=_run_job, args=(job,), name=f"plugin-{spec.plugin}-{hook}", daemon=True)
    thread.start()
    if not job.done.wait(spec.seconds):
        raise HookTimeout(f"{hook} still running after {spec.seconds:g}s")
    if job.error is not None:
        raise job.error
    return job.result


def is_hung(spec: HookSpec) -> bool:
    with _lock:
        runner = _runners.get((spec.plugin, spec.fingerprint))
    return runner is not None and bool(runner.hung)


def report(spec: HookSpec, hook: str, error: BaseException) -> HookFailure:
    """Log, tell the listeners and, from another process, tell the manager's report folder."""
    fatal = isinstance(error, HookTimeout)
    if fatal:
        message = f"{hook} did not return within {spec.seconds:g}s (limits.hook_seconds)"
    else:
        message = f"{hook} raised {type(error).__name__}" + (f": {error}" if str(error) else "")
    failure = HookFailure(spec.plugin, spec.fingerprint, hook, message, fatal)
    with _lock:
        listeners = list(_listeners)
        first = (spec.plugin, spec.fingerprint, fatal) not in _reported
        _reported.add((spec.plugin, spec.fingerprint, fatal))
    if first:
        log.error("plugin %s: %s", spec.plugin, message, exc_info=None if fatal else error)
    else:
        log.debug("plugin %s: %s", spec.plugin, message)
    for listener in listeners:
        try:
            listener(failure)
        except Exception:
            log.exception("a plugin failure listener failed")
    if spec.report_dir and first:  # for the managers of other processes; each skips its own pid
        write_report(Path(spec.report_dir), failure)
    return failure


def write_report(folder: Path, failure: HookFailure) -> None:
    kind = "fatal" if failure.fatal else "error"
    path = folder / f"{failure.plugin}.{failure.fingerprint}.{kind}.{os.getpid()}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(json.dumps(failure.__dict__))
        temp.replace(path)
    except OSError as e:
        log.warning("cannot write the plugin failure report %s: %s", path, e)


def read_reports(folder: Path) -> list[tuple[Path, HookFailure]]:
    """The failures other processes reported into `folder` (this process's own are left out)."""
    reports: list[tuple[Path, HookFailure]] = []
    try:
        paths = sorted(folder.glob("*.json"))
    except OSError:
        return reports
    for path in paths:
        if path.stem.endswith(f".{os.getpid()}"):
            continue
        try:
            reports.append((path, HookFailure(**json.loads(path.read_text()))))
        except (OSError, ValueError, TypeError):
            continue  # half-written or foreign: the next rescan reads it again
    return reports


class HookChain:
    """The `adjust_symbols` implementations that apply to one language, in pluggy's call order."""

    def __init__(self, language: str, specs: tuple[HookSpec, ...]) -> None:
        self.language = language
        self.entries: list[tuple[HookSpec, Callable[..., Any], tuple[str, ...]]] = []
        loaded: list[tuple[HookSpec, object]] = []
        for spec in specs:
            if not spec.applies_to(language):
                continue
            try:
                loaded.append((spec, hook_object(spec)))
            except Exception as e:  # it loaded in the manager: this is a plugin removed meanwhile
                report(spec, "load", e)
        if not loaded:
            return
        by_name = {spec.plugin: spec for spec, _ in loaded}
        # Registered in reverse name order so that, LIFO, pluggy's order is the name order.
        ordered = sorted(loaded, key=lambda s: s[0].plugin, reverse=True)
        pm = plugin_manager([(spec.plugin, target) for spec, target in ordered])
        for impl in reversed(pm.hook.adjust_symbols.get_hookimpls()):
            self.entries.append((by_name[impl.plugin_name], impl.function, tuple(impl.argnames)))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def adjust(self, path: str, symbols: list[Symbol], source: bytes) -> list[Symbol]:
        lines = 0
        for spec, function, argnames in self.entries:
            if is_hung(spec):
                continue
            offered = {
                "language": self.language,
                "path": path,
                "symbols": list(symbols),
                "config": spec.config,
            }
            try:
                result = call(spec, "adjust_symbols", function, {k: offered[k] for k in argnames})
                lines = lines or source.count(b"\n") + 1
                symbols = check_symbols(result, lines)
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt):
                    raise
                report(spec, "adjust_symbols", e)
        return symbols


def chain(language: str, specs: tuple[SymbolHook, ...]) -> HookChain:
    """The language registry's adjuster factory (`appliance.index.languages.AdjusterFactory`)."""
    return HookChain(language, tuple(s for s in specs if isinstance(s, HookSpec)))


def check_symbols(result: object, lines: int) -> list[Symbol]:
    if not isinstance(result, list):
        raise PluginError(f"adjust_symbols returned {type(result).__name__}, not a list of Symbol")
    for symbol in result:
        if not isinstance(symbol, Symbol):
            raise PluginError(f"adjust_symbols returned a {type(symbol).__name__} among the symbols")
        if not symbol.name or not symbol.kind or not 1 <= symbol.line <= lines or symbol.column < 1:
            raise PluginError(f"adjust_symbols returned a symbol outside the file: {symbol}")
    return result


@dataclass
class _Job:
    function: Callable[..., Any]
    kwargs: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class _Runner:
    """One daemon thread per plugin version per process. Daemon, so a hung hook never holds up the
    process's exit; one per plugin, so a hung plugin delays no other."""

    def __init__(self, plugin: str) -> None:
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.hung = ""  # the hook that never returned
        self.thread = threading.Thread(target=self._run, name=f"plugin-{plugin}", daemon=True)
        self.thread.start()

    def call(self, hook: str, function: Callable[..., Any], kwargs: dict[str, Any], seconds: float) -> Any:
        job = _Job(function, kwargs)
        started = time.monotonic()
        self.jobs.put(job)
        if not job.done.wait(seconds):
            self.hung = hook
            raise HookTimeout(f"{hook} still running after {time.monotonic() - started:.1f}s")
        if job.error is not None:
            raise job.error
        return job.result

    def close(self) -> None:
        if not self.hung:
            self.jobs.put(None)

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            _run_job(job)


def _run_job(job: _Job) -> None:
    try:
        job.result = job.function(**job.kwargs)
    except BaseException as e:  # SystemExit too: a hook must not end the process
        job.error = e
    job.done.set()
