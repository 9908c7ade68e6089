"""Language plugins made usable: grammar imported, tags query compiled, files mapped to languages.

A `LanguageRegistry` is immutable once built. Reloading builds a new one beside the old and swaps
it in with one assignment, so a reader never sees a half-built registry.

The index owns this: it needs a registry to parse, and takes it as a parameter. Where the
languages come from (plugin folders, manifests, hot reload) is the plugin system's business, and
so are code plugins' symbol hooks, which reach a language here through the two protocols below.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Protocol

import tree_sitter as ts

from appliance.errors import PluginError
from appliance.index.symbols import Symbol, TagsExtractor

# Where a plugin comes from, in the order that wins a tie on priority: a plugin the user mounted
# overrides one from an installed package, which overrides a bundled one.
ORIGINS = ("mounted", "package", "bundled")


class LanguageManifest(Protocol):
    """What the index reads of a language plugin's manifest (the plugin system's `Manifest`)."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def grammar(self) -> str: ...  # module[:function] returning the tree-sitter language
    @property
    def priority(self) -> int: ...
    @property
    def file_extensions(self) -> tuple[str, ...]: ...
    @property
    def filenames(self) -> tuple[str, ...]: ...
    @property
    def parse_seconds(self) -> float: ...
    @property
    def folder(self) -> Path: ...
    @property
    def queries(self) -> str: ...  # the tags query, relative to the folder


class SymbolHook(Protocol):
    """How to load one code plugin's `adjust_symbols` hook in any process (picklable)."""

    @property
    def plugin(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    def applies_to(self, language: str) -> bool: ...


class SymbolAdjuster(Protocol):
    """A language's hooks, loaded: they rewrite a file's symbols and never raise."""

    def __bool__(self) -> bool: ...
    def adjust(self, path: str, symbols: list[Symbol], source: bytes) -> list[Symbol]: ...


# Builds a language's adjuster from its hooks; a module-level callable, so that it pickles by name.
AdjusterFactory = Callable[[str, tuple[SymbolHook, ...]], SymbolAdjuster]


@dataclass(frozen=True)
class LanguageSpec:
    """Everything needed to rebuild a language plugin in another process (picklable)."""

    manifest: LanguageManifest
    query_source: str
    lib: str = ""  # the plugin's own lib/ folder for its grammar, if it brings one
    origin: str = "bundled"  # one of ORIGINS
    hooks: tuple[SymbolHook, ...] = ()  # the code plugins' adjust_symbols hooks for this language
    adjuster: AdjusterFactory | None = None  # set with the hooks, by the plugin system


@dataclass(frozen=True)
class LanguagePlugin:
    spec: LanguageSpec
    extractor: TagsExtractor
    fingerprint: str  # changes whenever the plugin's version, grammar, query or hooks change
    hooks: SymbolAdjuster | None = None

    @property
    def manifest(self) -> LanguageManifest:
        return self.spec.manifest

    @property
    def name(self) -> str:
        return self.manifest.language

    def adjust_symbols(self, path: str, symbols: list[Symbol], source: bytes) -> list[Symbol]:
        """The symbols after the code plugins' `adjust_symbols` hooks; never raises."""
        return self.hooks.adjust(path, symbols, source) if self.hooks else symbols


def load_grammar(spec: str, lib: str = "") -> ts.Language:
    """The tree-sitter language of `module[:function]`, from the plugin's lib/ first if it has one."""
    module_name, _, function = spec.partition(":")
    try:
        module = import_from_lib(module_name, lib) if lib else None
        module = module or importlib.import_module(module_name)
    except ImportError as e:
        raise PluginError(f"grammar module {module_name!r} is not installed") from e
    factory = getattr(module, function or "language", None)
    if factory is None:
        raise PluginError(f"grammar module {module_name!r} has no function {function or 'language'!r}")
    try:
        return ts.Language(factory())
    except ValueError as e:  # an ABI the installed tree-sitter does not support
        raise PluginError(f"grammar {spec!r} cannot be loaded: {e}") from e


def build_language_plugin(spec: LanguageSpec) -> LanguagePlugin:
    language = load_grammar(spec.manifest.grammar, spec.lib)
    try:
        extractor = TagsExtractor(language, spec.query_source)
    except ts.QueryError as e:
        where = spec.manifest.folder / spec.manifest.queries
        raise PluginError(f"{where}: the query does not compile: {e}") from e
    return LanguagePlugin(spec, extractor, spec_fingerprint(spec), _adjuster(spec))


def _adjuster(spec: LanguageSpec) -> SymbolAdjuster | None:
    if not spec.hooks or spec.adjuster is None:
        return None
    return spec.adjuster(spec.manifest.language, spec.hooks)


def spec_fingerprint(spec: LanguageSpec) -> str:
    manifest = spec.manifest
    digest = hashlib.sha256(f"{manifest.name}\0{manifest.version}\0{manifest.grammar}\0".encode())
    digest.update(spec.query_source.encode())
    for hook in spec.hooks:  # none: the fingerprint of a plain language plugin, as it always was
        digest.update(f"\0{hook.plugin}\0{hook.fingerprint}".encode())
    return digest.hexdigest()[:16]


def with_hooks(
    plugin: LanguagePlugin, hooks: tuple[SymbolHook, ...], adjuster: AdjusterFactory
) -> LanguagePlugin:
    """`plugin` with another set of hooks: the grammar and the compiled query are reused."""
    hooks = tuple(h for h in hooks if h.applies_to(plugin.name))
    if hooks == plugin.spec.hooks:
        return plugin
    spec = replace(plugin.spec, hooks=hooks, adjuster=adjuster)
    return LanguagePlugin(spec, plugin.extractor, spec_fingerprint(spec), _adjuster(spec))


def precedence(priority: int, origin: str, name: str) -> tuple[int, int, str]:
    """Sort key of the conflict rule: higher priority, then mounted over package over bundled, then name."""
    rank = ORIGINS.index(origin) if origin in ORIGINS else len(ORIGINS)
    return (-priority, rank, name)


class LanguageRegistry:
    """Which language plugin handles which file. On a conflict (two plugins claiming one extension,
    file name or language) the `precedence` rule decides: priority, then origin, then name."""

    def __init__(self, plugins: Iterable[LanguagePlugin]) -> None:
        ordered = sorted(
            plugins, key=lambda p: precedence(p.manifest.priority, p.spec.origin, p.manifest.name)
        )
        self.plugins: dict[str, LanguagePlugin] = {}
        self._by_extension: dict[str, LanguagePlugin] = {}
        self._by_filename: dict[str, LanguagePlugin] = {}
        # (what was claimed twice, the plugin that has it, the plugin that lost it)
        self.conflicts: list[tuple[str, str, str]] = []
        for plugin in ordered:
            if self._claim(self.plugins, plugin.name, plugin, f"language {plugin.name}") is not plugin:
                continue  # the language is another plugin's: this one claims nothing
            for ext in plugin.manifest.file_extensions:
                self._claim(self._by_extension, ext.lower(), plugin, ext.lower())
            for filename in plugin.manifest.filenames:
                self._claim(self._by_filename, filename, plugin, filename)

    def _claim(
        self, table: dict[str, LanguagePlugin], key: str, plugin: LanguagePlugin, what: str
    ) -> LanguagePlugin:
        holder = table.setdefault(key, plugin)
        if holder is not plugin:
            self.conflicts.append((what, holder.manifest.name, plugin.manifest.name))
        return holder

    def claims(self) -> dict[str, str]:
        """Extension or file name → the language that has it."""
        claimed = {ext: p.name for ext, p in self._by_extension.items()}
        claimed.update((f"/{name}", p.name) for name, p in self._by_filename.items())
        return claimed

    def for_path(self, path: str) -> LanguagePlugin | None:
        base = path.rsplit("/", 1)[-1]
        plugin = self._by_filename.get(base)
        if plugin is not None:
            return plugin
        dot = base.rfind(".")
        return self._by_extension.get(base[dot:].lower()) if dot > 0 else None

    def fingerprints(self) -> dict[str, str]:
        return {name: plugin.fingerprint for name, plugin in self.plugins.items()}

    def specs(self) -> list[LanguageSpec]:
        return [plugin.spec for plugin in self.plugins.values()]

    @classmethod
    def from_specs(cls, specs: Iterable[LanguageSpec]) -> LanguageRegistry:
        return cls(build_language_plugin(spec) for spec in specs)


def import_from_lib(module_name: str, lib: str) -> ModuleType | None:
    """Import `module_name` from `lib` alone, under a private name: another plugin's copy, or the
    appliance's own, never collides with it, and sys.path is left as it is."""
    spec = importlib.machinery.PathFinder.find_spec(module_name, [lib])
    if spec is None or spec.loader is None:
        return None
    private = f"_appliance_lib_{hashlib.sha256(lib.encode()).hexdigest()[:12]}"
    if private not in sys.modules:
        namespace = ModuleType(private)
        namespace.__path__ = [lib]
        sys.modules[private] = namespace
    full_name = f"{private}.{module_name}"
    if full_name in sys.modules:
        return sys.modules[full_name]
    spec = importlib.util.spec_from_file_location(
        full_name, spec.origin, submodule_search_locations=spec.submodule_search_locations
    )
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[full_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[full_name]
        raise
    return module
