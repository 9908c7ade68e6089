"""Walk a repository the way ripgrep does by default: honour .rgignore, .ignore, .gitignore and
.git/info/exclude at every level, skip hidden entries, never follow symbolic links.

Files too large, special files, symbolic links and entries matched by the walk's own excludes
(vendored or generated code) are counted by reason; ignored and hidden ones are not (they are not
part of the repository's code, as ripgrep sees it).
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pathspec

IGNORE_FILES = (".rgignore", ".ignore", ".gitignore")  # ripgrep's order of precedence
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


class _Spec:
    """The patterns of one ignore file, matched as ripgrep matches them: against one entry's own
    path, last matching pattern first.

    pathspec's GitIgnoreSpec answers for a whole path, a file matching through a pattern of one of
    its folders (`a/` matches `a/x.txt`). The walk decides every folder on the way down itself,
    so only a pattern matching the entry itself counts here: `!a/` in one file and `*.txt` in a
    lower-priority one leave `a/x.txt` ignored, as in ripgrep and git."""

    def __init__(self, lines: list[str]) -> None:
        self.rules: list[tuple[re.Pattern[str], bool, bool]] = []  # regex, ignores, `a/**`-like
        # pathspec reads `b/**/` as `b/`; git and ripgrep as the folders inside b.
        lines = [line[:-4] + "/**/*/" if line.endswith("/**/") and len(line) > 4 else line for line in lines]
        # pathspec's own matcher (RE2 when installed) tells quickly whether any pattern matches the
        # path or a folder of it, a superset of the matches counted here: most entries match none.
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        for pattern in reversed(self.spec.patterns):
            regex = pattern.regex
            if pattern.include is None or regex is None:
                continue
            if "ps_d" in regex.groupindex:  # `name` or `name/`: it must end where the path ends
                self.rules.append((re.compile(f"(?:{regex.pattern})\\Z"), pattern.include, False))
            else:  # `a/**` (everything inside a) or `*`
                self.rules.append((regex, pattern.include, True))

    def decide(self, target: str) -> bool | None:
        """True: ignored, False: re-included (`!`), None: no pattern matches. Folders end in '/'."""
        if not self.rules:
            return None
        try:
            if self.spec.check_file(target).include is None:
                return None
        except UnicodeEncodeError:  # a name that is not UTF-8: pathspec's RE2 refuses it, `re` does not
            pass
        for regex, include, inside in self.rules:
            match = regex.search(target)
            if match is not None and not (inside and target.endswith("/") and match.end() == len(target)):
                return include  # (`a/**` matches what is inside a, not a itself)
        return None


Specs = tuple[tuple[str, _Spec], ...]  # (folder, its ignore file's patterns), root first


@dataclass(frozen=True)
class _Rules:
    """The ignore rules in force in one folder: the walk's excludes, .git/info/exclude, and the
    ignore files of the folder and its parents, one `Specs` per name of IGNORE_FILES."""

    excludes: _Spec | None
    git_exclude: Specs
    files: tuple[Specs, ...] = ((),) * len(IGNORE_FILES)

    def entering(self, root: str, rel_dir: str) -> _Rules:
        """The rules inside `rel_dir`: these, and its own ignore files."""
        abs_dir = os.path.join(root, rel_dir) if rel_dir else root
        found = [_read_spec(os.path.join(abs_dir, name)) for name in IGNORE_FILES]
        if all(spec is None for spec in found):
            return self
        files = tuple(
            specs + (((rel_dir, spec),) if spec is not None else ())
            for specs, spec in zip(self.files, found, strict=True)
        )
        return _Rules(self.excludes, self.git_exclude, files)

    def decide(self, rel: str, is_dir: bool) -> str:
        """ "excluded" (by the walk's own patterns), "ignored" or "" (kept).

        ripgrep's precedence (the ignore crate's dir.rs): every .rgignore up the tree, deepest first,
        then every .ignore, then every .gitignore, then .git/info/exclude. Within one file the last
        matching pattern wins. The walk's own excludes come before all: vendored code stays out."""
        target = rel + "/" if is_dir else rel
        if self.excludes is not None and self.excludes.decide(target):
            return "excluded"
        for specs in (*self.files, self.git_exclude):
            for base, spec in reversed(specs):
                decision = spec.decide(target[len(base) + 1 :] if base else target)
                if decision is not None:
                    return "ignored" if decision else ""
        return ""


@dataclass
class Walk:
    root: str
    options: WalkOptions = field(default_factory=WalkOptions)
    skipped: Counter[str] = field(default_factory=Counter)

    def __iter__(self) -> Iterator[Candidate]:
        return self.subtree("")

    def subtree(self, rel_dir: str) -> Iterator[Candidate]:
        """The files under `rel_dir` (relative to the root), ignore files of its ancestors applied."""
        parts = [p for p in rel_dir.split("/") if p]
        rules = self._root_rules().entering(self.root, "")
        for depth in range(len(parts)):
            path = "/".join(parts[: depth + 1])
            if self._hidden(parts[depth]) or rules.decide(path, True):
                return
            rules = rules.entering(self.root, path)
        yield from self._walk("/".join(parts), rules)

    def includes(self, path: str) -> bool:
        """Whether the walk would consider `path` (a file, relative): not hidden, ignored or excluded."""
        parts = path.split("/")
        rules = self._root_rules().entering(self.root, "")
        for depth in range(len(parts)):
            is_dir = depth < len(parts) - 1
            prefix = "/".join(parts[: depth + 1])
            if self._hidden(parts[depth]) or rules.decide(prefix, is_dir):
                return False
            if is_dir:
                rules = rules.entering(self.root, prefix)
        return True

    def _hidden(self, name: str) -> bool:
        return name == ".git" or (name.startswith(".") and not self.options.hidden)

    def _root_rules(self) -> _Rules:
        excludes = _Spec(list(self.options.excludes)) if self.options.excludes else None
        git_exclude = _read_spec(os.path.join(self.root, ".git", "info", "exclude"))
        return _Rules(excludes, (("", git_exclude),) if git_exclude is not None else ())

    def _walk(self, rel_dir: str, rules: _Rules) -> Iterator[Candidate]:
        abs_dir = os.path.join(self.root, rel_dir) if rel_dir else self.root
        try:
            with os.scandir(abs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            return  # removed while we walk
        except OSError:
            self.skipped["unreadable_dir"] += 1
            return
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
            decision = rules.decide(rel, is_dir)
            if decision:
                if decision == "excluded":
                    self.skipped["excluded"] += 1
                continue
            if is_dir:
                yield from self._walk(rel, rules.entering(self.root, rel))
            elif not stat.S_ISREG(st.st_mode):
                self.skipped["special"] += 1
            elif st.st_size > self.options.max_file_size:
                self.skipped["too_large"] += 1
            else:
                yield Candidate(rel, st.st_size, st.st_mtime_ns)


def _read_spec(path: str) -> _Spec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return _Spec(f.read().splitlines())
    except OSError:
        return None
