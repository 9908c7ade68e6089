"""Walk a repository the way ripgrep does by default: honour .gitignore, .ignore and
.git/info/exclude at every level, skip hidden entries, never follow symbolic links.

Files too large and excluded folders are counted by reason; ignored and hidden ones are not
(they are not part of the repository's code, as ripgrep sees it).
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pathspec

IGNORE_FILES = (".gitignore", ".ignore")
DEFAULT_EXCLUDES = ("node_modules", "__pycache__")
DEFAULT_MAX_FILE_SIZE = 1 << 20


@dataclass(frozen=True)
class WalkOptions:
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES  # gitignore-style patterns for vendored/generated code
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str  # relative to the repository root, '/'-separated
    size: int
    mtime_ns: int


@dataclass
class Walk:
    root: str
    options: WalkOptions = field(default_factory=WalkOptions)
    skipped: Counter[str] = field(default_factory=Counter)

    def __iter__(self) -> Iterator[Candidate]:
        return self.subtree("")

    def subtree(self, rel_dir: str) -> Iterator[Candidate]:
        """The files under `rel_dir` (relative to the root), ignore files of its ancestors applied."""
        specs = self._root_specs()
        parts = [p for p in rel_dir.split("/") if p]
        for depth in range(len(parts)):
            ancestor = "/".join(parts[:depth])
            if self._hidden(parts[depth]) or _ignored(specs, "/".join(parts[: depth + 1]), True):
                return
            specs.extend((ancestor, spec) for spec in self._dir_specs(ancestor))
        yield from self._walk("/".join(parts), specs)

    def includes(self, path: str) -> bool:
        """Whether the walk would consider `path` (a file, relative): not hidden, ignored or excluded."""
        specs = self._root_specs()
        parts = path.split("/")
        for depth in range(len(parts)):
            ancestor = "/".join(parts[:depth])
            specs.extend((ancestor, spec) for spec in self._dir_specs(ancestor))
            if self._hidden(parts[depth]) or _ignored(specs, "/".join(parts[: depth + 1]), depth < len(parts) - 1):
                return False
        return True

    def _hidden(self, name: str) -> bool:
        return name == ".git" or (name.startswith(".") and not self.options.hidden)

    def _root_specs(self) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        if self.options.excludes:
            specs.append(("", pathspec.GitIgnoreSpec.from_lines(self.options.excludes)))
        specs.extend(("", spec) for spec in _read_spec(os.path.join(self.root, ".git", "info", "exclude")))
        return specs

    def _dir_specs(self, rel_dir: str) -> list[pathspec.GitIgnoreSpec]:
        abs_dir = os.path.join(self.root, rel_dir) if rel_dir else self.root
        return [spec for name in IGNORE_FILES for spec in _read_spec(os.path.join(abs_dir, name))]

    def _walk(self, rel_dir: str, specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> Iterator[Candidate]:
        abs_dir = os.path.join(self.root, rel_dir) if rel_dir else self.root
        try:
            with os.scandir(abs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            return  # removed while we walk
        except OSError:
            self.skipped["unreadable_dir"] += 1
            return
        local = specs + [(rel_dir, spec) for spec in self._dir_specs(rel_dir)]
        for entry in entries:
            if self._hidden(entry.name):
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                self.skipped["vanished"] += 1
                continue
            if stat.S_ISLNK(st.st_mode):
                self.skipped["symlink"] += 1
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if _ignored(local, rel, is_dir):
                continue
            if is_dir:
                yield from self._walk(rel, local)
            elif not stat.S_ISREG(st.st_mode):
                self.skipped["special"] += 1
            elif st.st_size > self.options.max_file_size:
                self.skipped["too_large"] += 1
            else:
                yield Candidate(rel, st.st_size, st.st_mtime_ns)


def _read_spec(path: str) -> list[pathspec.GitIgnoreSpec]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [pathspec.GitIgnoreSpec.from_lines(f.read().splitlines())]
    except OSError:
        return []


def _ignored(specs: list[tuple[str, pathspec.GitIgnoreSpec]], rel: str, is_dir: bool) -> bool:
    """Git's rule: the deepest ignore file with a matching pattern decides, its last match wins."""
    for base, spec in reversed(specs):
        sub = rel[len(base) + 1 :] if base else rel
        decision = spec.check_file(sub + "/" if is_dir else sub).include
        if decision is not None:
            return decision
    return False
