"""Finding plugins: folders under the bundled and mounted roots, and installed packages' entry points.

Discovery reads no code and loads nothing: it names each plugin, says where it came from, and
fingerprints its folder (path, size and mtime of every file) so that the manager loads what is new
or changed and unloads what is gone, and nothing else (zoekt's watcher: load and drop sets).

A folder is a plugin when it holds `plugin.yaml`, or by convention without one: `queries/tags.scm`
beside a grammar module `tree_sitter_<folder>` (from the plugin's lib/ or installed) makes a
language plugin, and a `plugin.py` alone makes a tool plugin; both are named after the folder.
An installed package declares plugins in the `appliance.plugins` entry-point group: each entry
point names a folder (a str or Path), a module whose folder holds plugin.yaml, or an object with
a `manifest` dict and, optionally, a `hooks` object (else the object itself holds the hooks).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from appliance.index.languages import ORIGINS
from appliance.plugins.manifest import MANIFEST_NAME

ENTRY_POINT_GROUP = "appliance.plugins"
MOUNT = Path("/plugins")  # where the image mounts the user's plugins
DIRS_ENV = "APPLIANCE_PLUGINS_DIR"  # folders of plugins, `:`-separated
PLUGIN_MODULE = "plugin.py"
TAGS_QUERY = "queries/tags.scm"
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
# Editors' swap and backup files, downloads and copies in progress: never part of a plugin.
TEMP_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".temp", ".part", ".partial", ".crdownload", ".bak")
SKIPPED_FOLDERS = ("__pycache__",)


def bundled_plugins_dir() -> Path:
    """The plugins shipped with the appliance: $APPLIANCE_BUNDLED_PLUGINS, else the repo's plugins/."""
    configured = os.environ.get("APPLIANCE_BUNDLED_PLUGINS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "plugins"


def is_temporary(name: str) -> bool:
    return name.startswith((".#", ".")) or name.endswith(TEMP_SUFFIXES)


@dataclass(frozen=True)
class Root:
    path: Path
    origin: str  # mounted, package or bundled (see languages.ORIGINS)


@dataclass(frozen=True)
class Candidate:
    name: str
    origin: str
    source: str  # where it was found, for people: a folder, or an entry point
    fingerprint: str  # changes whenever anything in the plugin changes
    folder: Path | None = None
    convention: str = ""  # "language" or "tool" when found without a plugin.yaml
    manifest_data: Mapping[str, Any] | None = None  # a package plugin's manifest, or a convention's
    hooks: object | None = None  # a package plugin's hook object
    module: str = ""  # a package plugin's module, importable in any process
    attribute: str = ""  # the hook object's dotted path inside `module`
    error: str = ""  # found, but not even describable (an entry point that does not import)


@dataclass
class Discovery:
    candidates: dict[str, Candidate] = field(default_factory=dict)
    # (the candidate not used, the one used instead): two plugins of one name
    shadowed: list[tuple[Candidate, Candidate]] = field(default_factory=list)


def plugin_dirs(given: Sequence[Path] | None) -> list[Path]:
    """The mounted plugin folders: those given, else $APPLIANCE_PLUGINS_DIR, else /plugins if it exists."""
    if given:
        return [Path(p) for p in given]
    configured = os.environ.get(DIRS_ENV, "")
    if configured:
        return [Path(p) for p in configured.split(":") if p]
    return [MOUNT] if MOUNT.is_dir() else []


def default_roots(mounted: Sequence[Path] = (), bundled: Path | Sequence[Path] | None = None) -> list[Root]:
    """The mounted folders, then the bundled ones (default: the appliance's own plugins/)."""
    roots = [Root(Path(p), "mounted") for p in mounted]
    if bundled is None:
        bundled = [bundled_plugins_dir()]
    elif isinstance(bundled, str | os.PathLike):
        bundled = [Path(bundled)]
    roots.extend(Root(Path(p), "bundled") for p in bundled)
    return roots


def discover(
    roots: Iterable[Root], entry_points: bool = True, only: Iterable[Path] | None = None
) -> Discovery:
    """Every plugin under `roots` and, with `entry_points`, from installed packages. With `only`,
    just the plugin folders listed (the hot-reload watcher knows which ones changed)."""
    found: list[tuple[int, int, Candidate]] = []  # (origin rank, root order, candidate)
    wanted = {Path(p) for p in only} if only is not None else None
    for order, root in enumerate(roots):
        for folder in plugin_folders(root.path):
            if wanted is None or folder in wanted:
                candidate = folder_candidate(folder, root.origin)
                if candidate is not None:
                    found.append((ORIGINS.index(root.origin), order, candidate))
    if entry_points and wanted is None:
        found.extend((ORIGINS.index("package"), 0, c) for c in entry_point_candidates())
    discovery = Discovery()
    # One plugin per name: mounted over package over bundled, then the first root given.
    for _, _, candidate in sorted(found, key=lambda f: f[:2]):
        kept = discovery.candidates.setdefault(candidate.name, candidate)
        if kept is not candidate:
            discovery.shadowed.append((candidate, kept))
    return discovery


def plugin_folders(root: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:  # not there (yet), or not a folder
        return []
    return [Path(e.path) for e in entries if not is_temporary(e.name) and e.is_dir(follow_symlinks=True)]


def folder_candidate(folder: Path, origin: str) -> Candidate | None:
    """The plugin in `folder`, or None when the folder holds none (yet: a copy in progress)."""
    fingerprint = folder_fingerprint(folder)
    source = str(folder)
    if (folder / MANIFEST_NAME).is_file():
        return Candidate(manifest_name(folder), origin, source, fingerprint, folder)
    name = folder.name
    if (folder / TAGS_QUERY).is_file():
        convention = "language"
    elif (folder / PLUGIN_MODULE).is_file():
        convention = "tool"
    else:
        return None
    if not NAME.match(name):
        error = f"{folder}: without {MANIFEST_NAME}, the folder name is the plugin name; {name!r} is not"
        return Candidate(name, origin, source, fingerprint, folder, convention, error=error)
    return Candidate(
        name, origin, source, fingerprint, folder, convention, convention_manifest(folder, convention)
    )


def convention_manifest(folder: Path, convention: str) -> dict[str, Any]:
    name = folder.name
    if convention == "tool":
        return {"name": name, "version": "0", "type": "tool", "description": f"{PLUGIN_MODULE} in {folder}"}
    samples = folder / "samples"
    extensions = sorted({p.suffix for p in _files(samples) if p.suffix}) or [f".{name}"]
    manifest: dict[str, Any] = {
        "name": name,
        "version": "0",
        "type": "language",
        "description": f"{TAGS_QUERY} for the grammar tree_sitter_{name.replace('-', '_')}",
        "languages": [name.replace("-", "_")],
        "file_extensions": extensions,
        "grammar": f"tree_sitter_{name.replace('-', '_')}",
        "queries": TAGS_QUERY,
    }
    if samples.is_dir():
        manifest["samples"] = "samples"
    return manifest


def manifest_name(folder: Path) -> str:
    """The `name` in the folder's plugin.yaml; the folder's name when it cannot be read (the load
    then fails with the reason, under that name)."""
    try:
        text = (folder / MANIFEST_NAME).read_bytes()
    except OSError:
        return folder.name
    match = _NAME_LINE.search(text)
    if match is not None:
        return match.group(1).decode()
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return folder.name
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and NAME.match(name) else folder.name


def folder_fingerprint(folder: Path) -> str:
    """A digest of every file's relative path, size and mtime: equal while nothing changed."""
    digest = hashlib.sha256()
    for path, size, mtime in sorted(_stat_files(str(folder), "")):
        digest.update(f"{path}\0{size}\0{mtime}\0".encode())
    return digest.hexdigest()[:16]


def _stat_files(folder: str, prefix: str) -> Iterable[tuple[str, int, int]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:  # gone meanwhile: the next event or rescan sees the rest
        return
    for entry in entries:
        name = entry.name
        if is_temporary(name):
            continue
        try:
            if entry.is_dir(follow_symlinks=True):
                if name not in SKIPPED_FOLDERS:
                    yield from _stat_files(entry.path, prefix + name + "/")
                continue
            if name.endswith((".pyc", ".pyo")):
                continue
            stat = entry.stat(follow_symlinks=True)
        except OSError:
            continue
        yield prefix + name, stat.st_size, stat.st_mtime_ns


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and not is_temporary(p.name))
    except OSError:
        return []


def entry_point_candidates() -> list[Candidate]:
    candidates: list[Candidate] = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        where = f"entry point {ep.name} = {ep.value}" + (f" ({dist.name} {dist.version})" if dist else "")
        version = f"{dist.name}\0{dist.version}\0" if dist else ""
        fingerprint = hashlib.sha256(f"{version}{ep.value}".encode()).hexdigest()[:16]
        try:
            target = ep.load()
        except Exception as e:
            error = f"{where}: cannot import: {type(e).__name__}: {e}"
            candidates.append(Candidate(ep.name, "package", where, fingerprint, error=error))
            continue
        candidates.append(_entry_point_candidate(ep, target, where, fingerprint))
    return candidates


def _entry_point_candidate(
    ep: metadata.EntryPoint, target: object, where: str, fingerprint: str
) -> Candidate:
    if isinstance(target, str | os.PathLike):
        path = Path(target)
        found = folder_candidate(path, "package") if path.is_dir() else None
        if found is None:
            return Candidate(ep.name, "package", where, fingerprint, error=f"{where}: {path} holds no plugin")
        return replace(found, source=f"{where}: {path}")
    manifest = getattr(target, "manifest", None)
    module_file = getattr(target, "__file__", None) or getattr(_module_of(target), "__file__", None)
    folder = Path(module_file).parent if module_file else None
    if isinstance(manifest, Mapping):
        name = manifest.get("name")
        hooks = getattr(target, "hooks", target)
        attribute = ".".join(part for part in (ep.attr, "hooks" if hooks is not target else "") if part)
        return Candidate(
            name if isinstance(name, str) else ep.name,
            "package",
            where,
            fingerprint,
            folder,
            manifest_data=dict(manifest),
            hooks=hooks,
            module=ep.module,
            attribute=attribute,
        )
    if isinstance(target, ModuleType) and folder is not None and (folder / MANIFEST_NAME).is_file():
        found = folder_candidate(folder, "package")
        assert found is not None
        return replace(found, source=f"{where}: {folder}")
    error = f"{where}: names neither a plugin folder nor an object with a `manifest` dict"
    return Candidate(ep.name, "package", where, fingerprint, error=error)


def _module_of(target: object) -> ModuleType | None:
    return sys.modules.get(getattr(target, "__module__", "") or "")


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# `name: x` in block style: read without a YAML parse (discovery is on the hot-reload path).
_NAME_LINE = re.compile(rb"^name:[ \t]*[\"']?([a-z][a-z0-9_-]{0,62})[\"']?[ \t]*(?:#.*)?\r?$", re.MULTILINE)


def describe(discovery: Discovery) -> list[dict[str, Any]]:
    """Discovery as JSON-able records, the plugins used first, then those shadowed."""
    used = [
        {
            "name": c.name,
            "origin": c.origin,
            "source": c.source,
            "fingerprint": c.fingerprint,
            "convention": c.convention or None,
            "error": c.error or None,
            "shadowed_by": None,
        }
        for c in discovery.candidates.values()
    ]
    shadowed = [
        {
            "name": loser.name,
            "origin": loser.origin,
            "source": loser.source,
            "fingerprint": loser.fingerprint,
            "convention": loser.convention or None,
            "error": loser.error or None,
            "shadowed_by": winner.source,
        }
        for loser, winner in discovery.shadowed
    ]
    return sorted(used, key=lambda r: str(r["name"])) + shadowed
