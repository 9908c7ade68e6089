"""Language plugins made usable: grammar imported, tags query compiled, files mapped to languages.

A `LanguageRegistry` is immutable once built. Reloading builds a new one beside the old and swaps
it in with one assignment, so a reader never sees a half-built registry.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts

from appliance.errors import PluginError
from appliance.index.symbols import TagsExtractor
from appliance.plugins.manifest import MANIFEST_NAME, Manifest, load_manifest


@dataclass(frozen=True)
class LanguagePlugin:
    manifest: Manifest
    extractor: TagsExtractor
    fingerprint: str  # changes whenever the plugin's version or query changes

    @property
    def name(self) -> str:
        return self.manifest.language


def bundled_plugins_dir() -> Path:
    """The plugins shipped with the appliance: $APPLIANCE_BUNDLED_PLUGINS, else the repo's plugins/."""
    configured = os.environ.get("APPLIANCE_BUNDLED_PLUGINS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "plugins"


def load_grammar(spec: str) -> ts.Language:
    module_name, _, function = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise PluginError(f"grammar module {module_name!r} is not installed") from e
    factory = getattr(module, function or "language", None)
    if factory is None:
        raise PluginError(f"grammar module {module_name!r} has no function {function or 'language'!r}")
    try:
        return ts.Language(factory())
    except ValueError as e:  # an ABI the installed tree-sitter does not support
        raise PluginError(f"grammar {spec!r} cannot be loaded: {e}") from e


def load_language_plugin(manifest: Manifest) -> LanguagePlugin:
    query_path = manifest.folder / manifest.queries
    try:
        query_source = query_path.read_text(encoding="utf-8")
    except OSError as e:
        raise PluginError(f"{query_path}: cannot read the tags query: {e.strerror}") from e
    language = load_grammar(manifest.grammar)
    try:
        extractor = TagsExtractor(language, query_source)
    except ts.QueryError as e:
        raise PluginError(f"{query_path}: the query does not compile: {e}") from e
    digest = hashlib.sha256(f"{manifest.name}\0{manifest.version}\0{manifest.grammar}\0".encode())
    digest.update(query_source.encode())
    return LanguagePlugin(manifest, extractor, digest.hexdigest()[:16])


class LanguageRegistry:
    """Which language plugin handles which file. On a conflict, higher priority wins, then the name."""

    def __init__(self, plugins: Iterable[LanguagePlugin]) -> None:
        ordered = sorted(plugins, key=lambda p: (-p.manifest.priority, p.manifest.name))
        self.plugins: dict[str, LanguagePlugin] = {}
        self._by_extension: dict[str, LanguagePlugin] = {}
        self._by_filename: dict[str, LanguagePlugin] = {}
        for plugin in ordered:
            self.plugins.setdefault(plugin.name, plugin)
            for ext in plugin.manifest.file_extensions:
                self._by_extension.setdefault(ext.lower(), plugin)
            for filename in plugin.manifest.filenames:
                self._by_filename.setdefault(filename, plugin)

    def for_path(self, path: str) -> LanguagePlugin | None:
        base = path.rsplit("/", 1)[-1]
        plugin = self._by_filename.get(base)
        if plugin is not None:
            return plugin
        dot = base.rfind(".")
        return self._by_extension.get(base[dot:].lower()) if dot > 0 else None

    def fingerprints(self) -> dict[str, str]:
        return {name: plugin.fingerprint for name, plugin in self.plugins.items()}


def plugin_folders(roots: Iterable[Path]) -> list[Path]:
    folders: list[Path] = []
    for root in roots:
        if root.is_dir():
            folders.extend(sorted(p for p in root.iterdir() if (p / MANIFEST_NAME).is_file()))
    return folders


def load_languages(roots: Iterable[Path]) -> tuple[LanguageRegistry, dict[str, PluginError]]:
    """Every language plugin under `roots`; the ones that fail are returned with their error."""
    loaded: list[LanguagePlugin] = []
    failed: dict[str, PluginError] = {}
    for folder in plugin_folders(roots):
        try:
            manifest = load_manifest(folder)
            if manifest.type == "language":
                loaded.append(load_language_plugin(manifest))
        except PluginError as e:
            failed[folder.name] = e
    return LanguageRegistry(loaded), failed
