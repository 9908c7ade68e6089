"""Loading one plugin, and validating all of it before it may become active.

In order, each a stage named in errors and metrics: the manifest against the schema; the settings
against the plugin's config_schema; the code (a fresh module, its hook implementations checked
against the spec); the grammar; the tags query, compiled; the sample files, each parsed without a
syntax error and run through the plugin's own `adjust_symbols`; `provide_tools`, called and its
tool definitions checked. Hooks run under `limits.hook_seconds` already here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tree_sitter as ts

from appliance.errors import ApplianceError, PluginError
from appliance.index.languages import LanguagePlugin, LanguageSpec, build_language_plugin, load_grammar
from appliance.index.symbols import ParseBudgetExceeded, Symbol
from appliance.plugins import hooks
from appliance.plugins.config import PluginsConfig, check_schema, resolve
from appliance.plugins.discovery import PLUGIN_MODULE, Candidate, is_temporary
from appliance.plugins.golden import check
from appliance.plugins.hooks import HookSpec
from appliance.plugins.manifest import Manifest, load_manifest, parse_manifest, read_text
from appliance.plugins.modules import LoadedCode, load_code
from appliance.plugins.tools import IndexAccess, NoIndex, ToolDefinition, check_tools

log = logging.getLogger(__name__)



def read_language_spec(manifest: Manifest) -> LanguageSpec:
    query_source = read_text(manifest.folder / manifest.queries, "the tags query")
    lib = manifest.folder / "lib"
    return LanguageSpec(manifest, query_source, str(lib) if lib.is_dir() else "")


class LoadError(PluginError):
    """A plugin failed at one stage of its load."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclass
class Loaded:
    """One version of a plugin, validated, and everything it holds."""

    candidate: Candidate
    manifest: Manifest
    settings: dict[str, Any]
    fingerprint: str  # of the folder and the settings
    language: LanguagePlugin | None = None  # without hooks: the manager attaches every plugin's
    hook_spec: HookSpec | None = None  # when it implements a hook
    adjusts_symbols: bool = False  # it implements adjust_symbols
    hook_object: object | None = None
    code: LoadedCode | None = None
    tools: tuple[ToolDefinition, ...] = ()
    samples: tuple[tuple[str, list[Symbol]], ...] = ()  # (sample path, symbols after its hooks)
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.manifest.name

    def release(self) -> None:
        """Drop the modules and threads this version holds (what is in use stays alive until done)."""
        hooks.forget(self.name, self.fingerprint)
        if self.code is not None:
            self.code.unload()
            self.code = None


def load(
    candidate: Candidate,
    config: PluginsConfig,
    environ: Mapping[str, str],
    report_dir: str = "",
    index: IndexAccess | None = None,
) -> Loaded:
    """Load and validate `candidate`; raise LoadError naming the stage that failed."""
    started = time.monotonic()
    if candidate.error:
        raise LoadError("discover", candidate.error)
    manifest = _stage("manifest", read_manifest, candidate)
    settings = _stage("config", _settings, manifest, config, environ)
    digest = hashlib.sha256(f"{candidate.fingerprint}\0{json.dumps(settings, sort_keys=True)}".encode())
    loaded = Loaded(candidate, manifest, settings, digest.hexdigest()[:16])
    try:
        _load_code(loaded, report_dir)
        if manifest.type == "language":
            _load_language(loaded)
        _validate_hooks(loaded, index or NoIndex())
    except BaseException:
        loaded.release()
        raise
    loaded.seconds = time.monotonic() - started
    return loaded


def _stage(stage: str, function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except LoadError:
        raise
    except ApplianceError as e:
        raise LoadError(stage, str(e)) from e


def read_manifest(candidate: Candidate) -> Manifest:
    folder = candidate.folder or Path(".")
    if candidate.manifest_data is not None:
        return parse_manifest(folder, dict(candidate.manifest_data), source=candidate.source)
    return load_manifest(folder)


def _settings(manifest: Manifest, config: PluginsConfig, environ: Mapping[str, str]) -> dict[str, Any]:
    check_schema(manifest.config_schema, str(manifest.folder / "plugin.yaml"))
    return resolve(config, manifest.name, manifest.config_schema, environ)


def _load_code(loaded: Loaded, report_dir: str) -> None:
    candidate, manifest = loaded.candidate, loaded.manifest
    module, _, attribute = manifest.entry_point.partition(":")
    folder = candidate.folder
    lib = folder / "lib" if folder is not None else None
    spec = HookSpec(
        plugin=manifest.name,
        fingerprint=loaded.fingerprint,
        lib=str(lib) if lib is not None and lib.is_dir() else "",
        languages=manifest.languages,
        config_json=json.dumps(loaded.settings, sort_keys=True),
        seconds=manifest.hook_seconds,
        report_dir=report_dir,
    )
    if candidate.hooks is not None:  # an installed package's object
        target: object = candidate.hooks
        spec = replace(spec, module=candidate.module, attribute=candidate.attribute)
    elif folder is not None and (module or (folder / PLUGIN_MODULE).is_file()):
        module = module or PLUGIN_MODULE.removesuffix(".py")
        try:
            loaded.code = load_code(manifest.name, folder, module, spec.lib)
            target = _attribute(loaded.code.module, attribute)
        except PluginError as e:
            raise LoadError("code", str(e)) from e
        spec = replace(spec, folder=str(folder), module=module, attribute=attribute)
    else:
        if manifest.type == "tool":
            raise LoadError("code", f"{manifest.folder}: a tool plugin needs {PLUGIN_MODULE} or entry_point")
        return
    pm = _stage("code", hooks.plugin_manager, [(manifest.name, target)])
    implemented = {n for n in ("adjust_symbols", "provide_tools") if getattr(pm.hook, n).get_hookimpls()}
    if manifest.type == "tool" and "provide_tools" not in implemented:
        if not candidate.convention:
            raise LoadError("code", f"{manifest.name}: a tool plugin must implement provide_tools")
        loaded.manifest = replace(manifest, type="hooks")  # a plugin.py of hooks alone
    loaded.hook_object = target
    loaded.adjusts_symbols = "adjust_symbols" in implemented
    if implemented:
        loaded.hook_spec = spec
        hooks.adopt(spec, target)


def _attribute(module: object, dotted: str) -> object:
    target = module
    for part in filter(None, dotted.split(".")):
        if not hasattr(target, part):
            raise PluginError(f"{getattr(module, '__file__', module)}: has no {dotted!r}")
        target = getattr(target, part)
    return target


def _load_language(loaded: Loaded) -> None:
    manifest = loaded.manifest
    spec = _stage("manifest", read_language_spec, manifest)
    spec = replace(spec, origin=loaded.candidate.origin)
    _stage("grammar", load_grammar, manifest.grammar, spec.lib)
    plugin = _stage("query", build_language_plugin, spec)
    loaded.language = plugin
    results: list[tuple[str, list[Symbol]]] = []
    parser = ts.Parser(plugin.extractor.language)
    for sample in sample_files(manifest):
        source = sample.read_bytes()
        try:
            symbols = plugin.extractor.extract(source, manifest.parse_seconds)
        except ParseBudgetExceeded as e:
            raise LoadError("samples", f"{sample}: {e} (limits.parse_seconds)") from e
        error = syntax_error(parser, source)
        if error:
            # Tolerated only where the sample asserts its symbols and error recovery keeps them all
            # (real code has macros a grammar does not know): else the grammar does not fit.
            golden = check(source.decode("utf-8", "replace"), symbols)
            if not golden.asserted or golden.missing:
                raise LoadError("samples", f"{sample}:{error}: syntax error (the grammar rejects the sample)")
            log.info("%s:%d: syntax error tolerated: the sample's assertions all hold", sample, error)
        results.append((str(sample), symbols))
    loaded.samples = tuple(results)


def sample_files(manifest: Manifest) -> list[Path]:
    """The files of the plugin's samples folder that the plugin claims (by extension or name)."""
    folder = manifest.folder / (manifest.samples or "samples")
    extensions = {e.lower() for e in manifest.file_extensions}
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not is_temporary(p.name))
    except OSError:
        return []
    return [p for p in files if p.suffix.lower() in extensions or p.name in manifest.filenames]


def syntax_error(parser: ts.Parser, source: bytes) -> int:
    """The 1-based line of the first syntax error in `source`, 0 when it parses cleanly."""
    tree = parser.parse(source)
    node = tree.root_node
    if not node.has_error:
        return 0
    while not (node.is_error or node.is_missing):  # descend towards the first error
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            break
        node = child
    return node.start_point[0] + 1


def _validate_hooks(loaded: Loaded, index: IndexAccess) -> None:
    spec = loaded.hook_spec
    if spec is None or loaded.hook_object is None:
        return
    pm = hooks.plugin_manager([(loaded.name, loaded.hook_object)])
    for impl in pm.hook.adjust_symbols.get_hookimpls():
        runs: list[tuple[str, str, list[Symbol], bytes]] = []
        if loaded.language is not None and spec.applies_to(loaded.language.name):
            for path, symbols in loaded.samples:
                runs.append((loaded.language.name, path, symbols, Path(path).read_bytes()))
        if not runs:  # a plugin for other plugins' languages: one call with nothing to adjust
            runs = [(language, "", [], b"") for language in (spec.languages or ("",))]
        adjusted: list[tuple[str, list[Symbol]]] = []
        for language, path, symbols, source in runs:
            given = {"language": language, "path": path, "symbols": list(symbols), "config": spec.config}
            result = _call(spec, "adjust_symbols", impl.function, {k: given[k] for k in impl.argnames})
            try:
                adjusted.append((path, hooks.check_symbols(result, source.count(b"\n") + 1)))
            except PluginError as e:
                raise LoadError("hook", f"{loaded.name}: {e}") from e
        if loaded.language is not None and loaded.samples:
            loaded.samples = tuple(adjusted)
    for impl in pm.hook.provide_tools.get_hookimpls():
        offered: dict[str, Any] = {"config": spec.config, "index": index}
        result = _call(spec, "provide_tools", impl.function, {k: offered[k] for k in impl.argnames})
        loaded.tools = _stage("hook", check_tools, result, loaded.name)


def _call(spec: HookSpec, hook: str, function: Any, kwargs: dict[str, Any]) -> Any:
    try:
        return hooks.call(spec, hook, function, kwargs)
    except hooks.HookTimeout as e:
        raise LoadError(
            "hook", f"{spec.plugin}: {hook} did not return within {spec.seconds:g}s (limits.hook_seconds)"
        ) from e
    except Exception as e:
        raise LoadError("hook", f"{spec.plugin}: {hook} raised {type(e).__name__}: {e}") from e
    except BaseException as e:  # SystemExit from a hook is the hook's failure, not ours
        if isinstance(e, KeyboardInterrupt):
            raise
        raise LoadError("hook", f"{spec.plugin}: {hook} raised {type(e).__name__}") from e
