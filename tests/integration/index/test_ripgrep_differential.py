"""Search results against ripgrep, the trusted peer: the same (path, line, column) for the same files.

ripgrep runs on the explicit list of files the index holds, so the walk is not part of the
comparison (tests/unit/index/test_walker.py covers it), only matching.

Dialect differences between RE2 (the searcher) and Rust's regex crate (ripgrep), found here:
- `\\w`, `\\d`, `\\s` and `\\b` are ASCII in RE2 and Unicode in Rust by default: `\\w` matches `é`
  only in ripgrep. Their ASCII forms in Rust, `(?-u:\\W)` and the like, are not RE2's either: with
  Unicode off, a negated class matches one byte, so `(?-u:\\W).` finds `\\x89 0` inside `É0` at
  column 2 where RE2 finds `É0` at column 1. The comparison gives ripgrep explicit Unicode-mode
  classes instead: `\\w` is `[0-9A-Za-z_]`, `\\W` is `[^0-9A-Za-z_]`, `\\b` is `(?-u:\\b)`.
- ASCII `\\s` differs too: RE2's is `[\\t\\n\\f\\r ]` (Perl's), Rust's adds the vertical tab \\x0B.
  The generated files hold no vertical tab.
- Both fold case by Unicode simple case folding, so under -i `k` matches the Kelvin sign, `s` the
  long s and `ß` the capital sharp s in both: the files include those characters.
- A line break in a pattern (`\\n`) is refused by both; an empty pattern is refused by the
  searcher only (ripgrep matches every line), so none is generated.
- ripgrep 13 gives no column for an empty match at the end of a last line without a line break
  (`$` on a file `0`): its JSON has no submatch there. Such a hit is compared by path and line.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from appliance.errors import UsageError
from appliance.index.indexer import Indexer, IndexOptions
from appliance.index.search import MAX_LIMIT, Searcher, SearchQuery
from appliance.index.store import FileMeta, Store
from appliance.metrics import Metrics
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.runtime import load_registry

PROJECT = Path(__file__).resolve().parents[3]

Hit = tuple[str, int, int | None]  # path, line, column (None: ripgrep did not say)


def find_rg() -> str:
    path = shutil.which("rg")
    if path is not None:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("ripgrep (rg) is not installed, and CI=true requires it (apt-get install ripgrep)")
    pytest.skip("ripgrep (rg) is not installed (apt-get install ripgrep)")


@pytest.fixture(scope="module")
def rg() -> str:
    return find_rg()


# RE2's ASCII classes, spelled for ripgrep (Unicode by default); see the module's docstring.
RE2_CLASSES = {
    "w": "[0-9A-Za-z_]",
    "W": "[^0-9A-Za-z_]",
    "d": "[0-9]",
    "D": "[^0-9]",
    "s": "[\\t\\n\\f\\r ]",
    "S": "[^\\t\\n\\f\\r ]",
    "b": "(?-u:\\b)",
    "B": "(?-u:\\B)",
}
ESCAPE = re.compile(r"\\(.)")


def for_ripgrep(pattern: str) -> str:
    """The pattern for ripgrep. The generated regexes use these classes outside brackets only."""
    return ESCAPE.sub(lambda m: RE2_CLASSES.get(m[1], m[0]), pattern)


def ripgrep(
    rg: str, root: Path, files: list[str], pattern: str, regex: bool, ignore_case: bool
) -> set[Hit] | None:
    """What ripgrep finds in `files` (relative to `root`), or None when it refuses the pattern."""
    argv = [
        rg,
        "--no-config",
        "--no-require-git",
        "--hidden",
        "-n",
        "--no-heading",
        "--with-filename",
        "--json",
    ]
    argv += ["-i"] if ignore_case else []
    argv += ["-e", for_ripgrep(pattern)] if regex else ["-F", "-e", pattern]
    out = subprocess.run([*argv, "--", *files], cwd=root, capture_output=True, timeout=60, check=False)
    if out.returncode == 2:
        return None
    assert out.returncode in (0, 1), out.stderr
    hits: set[Hit] = set()
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "match":
            data = message["data"]
            column = data["submatches"][0]["start"] + 1 if data["submatches"] else None
            hits.add((data["path"]["text"], data["line_number"], column))
    return hits


def without_unknown_columns(found: set[Hit], expected: set[Hit]) -> set[Hit]:
    """`found`, with the column dropped where ripgrep gave none for that line."""
    unknown = {(path, line) for path, line, column in expected if column is None}
    return {(path, line, None if (path, line) in unknown else column) for path, line, column in found}


def searched(store: Store, repo: str, pattern: str, regex: bool, ignore_case: bool) -> set[Hit] | None:
    """What the searcher finds, or None when it refuses the pattern."""
    query = SearchQuery(
        pattern, regex=regex, ignore_case=ignore_case, repos=(repo,), limit=MAX_LIMIT, budget_seconds=600
    )
    try:
        result = Searcher(store, Metrics(CollectorRegistry())).search(query)
    except UsageError:
        return None
    assert result.complete and result.total == len(result.matches) < MAX_LIMIT
    return {(m.path, m.line, m.column) for m in result.matches}


def indexed_paths(store: Store, repo: str) -> list[str]:
    with store.read() as txn:
        metas = [FileMeta.from_bytes(v) for _, v in txn.cursor(db=store.dbs["files"])]
    return sorted(m.path for m in metas if m.repo == repo)


def compare(
    rg: str, store: Store, repo: str, root: Path, pattern: str, regex: bool, ignore_case: bool
) -> None:
    files = indexed_paths(store, repo)
    expected = ripgrep(rg, root, files, pattern, regex, ignore_case)
    found = searched(store, repo, pattern, regex, ignore_case)
    if expected is None or found is None:
        event(
            f"refused by {'both' if expected is found else 'ripgrep' if expected is None else 'the searcher'}"
        )
        return
    event("some match" if expected else "no match")
    found = without_unknown_columns(found, expected)
    flags = f"{'regex' if regex else 'literal'}{' -i' if ignore_case else ''}"
    only_ours, only_rg = sorted(found - expected), sorted(expected - found)
    assert found == expected, f"{flags} {pattern!r}: only the searcher {only_ours}, only ripgrep {only_rg}"


# Generated files and patterns.

# ASCII in mixed case, digits, punctuation, and UTF-8: letters with case partners outside ASCII
# (K Kelvin sign, ſ long s, ẞ capital sharp s), accented letters, CJK.
FILE_ALPHABET = "abcdeABCDE kKsSxyz_0129 .,:;-+*()[]{}'\"\tKſßẞéÉ日本"
LINES = st.text(alphabet=FILE_ALPHABET, max_size=24)
FILES = st.lists(
    st.tuples(st.lists(LINES, max_size=6), st.booleans()).map(
        lambda t: "\n".join(t[0]) + ("\n" if t[1] else "")
    ),
    min_size=1,
    max_size=4,
)

REGEX_LITERALS = "abcABCkKsxyz019 _,:éÉßK日"
ATOMS = st.one_of(
    st.sampled_from(REGEX_LITERALS),
    st.sampled_from(REGEX_LITERALS),
    st.sampled_from(
        [
            ".",
            r"\w",
            r"\d",
            r"\s",
            r"\W",
            r"\S",
            "[a-c]",
            "[A-C]",
            "[^a]",
            "[^ ]",
            "[0-9]",
            "[ab_]",
            "[ks]",
            r"\.",
            r"\(",
            "^",
            "$",
            r"\b",
        ]
    ),
)


def _compound(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=4).map("".join),
        st.lists(children, min_size=2, max_size=3).map("|".join).map(lambda r: f"(?:{r})"),
        children.map(lambda r: f"({r})"),
        st.tuples(children, st.sampled_from(["+", "*", "?", "{1,2}", "{2}", "{0,3}"])).map(
            lambda t: f"(?:{t[0]}){t[1]}"
        ),
    )


REGEXES = st.recursive(ATOMS, _compound, max_leaves=8).filter(lambda r: r.strip("^$") != "")


@st.composite
def literals(draw: st.DrawFn, contents: list[str]) -> str:
    """A piece of some line (in varied case), or random text."""
    lines = [line for text in contents for line in text.split("\n") if line]
    if lines and draw(st.booleans()):
        line = draw(st.sampled_from(lines))
        start = draw(st.integers(0, len(line) - 1))
        piece = line[start : start + draw(st.integers(1, 8))]
        return piece.swapcase() if draw(st.booleans()) else piece
    return draw(st.text(alphabet=FILE_ALPHABET.replace("\t", ""), min_size=1, max_size=6))


@dataclass
class Workspace:
    """One store for the whole property run: each example writes new files, removes the old ones
    and indexes again, so incremental indexing is compared with ripgrep as well."""

    root: Path
    store: Store
    indexer: Indexer
    names: Iterator[int]

    def replace_files(self, contents: list[str]) -> None:
        for old in self.root.iterdir():
            old.unlink()
        example = next(self.names)
        for i, text in enumerate(contents):
            (self.root / f"e{example}_f{i}.txt").write_text(text, encoding="utf-8")
        summary = self.indexer.index("gen", str(self.root))
        assert summary.indexed == len(contents), summary


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    base = tmp_path_factory.mktemp("differential")
    root = base / "gen"
    root.mkdir()
    store = Store.open(base / "data", writable=True)
    registry, _ = load_registry([bundled_plugins_dir()])
    indexer = Indexer(store, registry, IndexOptions(workers=1), Metrics(CollectorRegistry()))
    yield Workspace(root, store, indexer, itertools.count())
    Store.close_all()


def lines_around(
    rg: str, store: Store, repo: str, root: Path, pattern: str, regex: bool, context: int
) -> tuple[set[tuple[str, int]], set[tuple[str, int]]] | None:
    """The (path, line) of matches and their context lines, as ripgrep -C and the searcher give
    them; None when one of them refuses the pattern. ripgrep prints a line once however many
    matches it is near, so lines are compared as sets."""
    files = indexed_paths(store, repo)
    argv = [
        rg,
        "--no-config",
        "--json",
        f"-C{context}",
        *(["-e", for_ripgrep(pattern)] if regex else ["-F", "-e", pattern]),
    ]
    out = subprocess.run([*argv, "--", *files], cwd=root, capture_output=True, timeout=60, check=False)
    query = SearchQuery(
        pattern, regex=regex, repos=(repo,), limit=MAX_LIMIT, context=context, budget_seconds=600
    )
    try:
        result = Searcher(store, Metrics(CollectorRegistry())).search(query)
    except UsageError:
        return None
    if out.returncode == 2:
        return None
    expected = set()
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message["type"] in ("match", "context"):
            expected.add((message["data"]["path"]["text"], message["data"]["line_number"]))
    found = set()
    for m in result.matches:
        found.update((m.path, n) for n in range(m.line - len(m.before), m.line + len(m.after) + 1))
    return found, expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents=FILES, data=st.data())
def test_generated_files_and_patterns_match_ripgrep(
    rg: str, workspace: Workspace, contents: list[str], data: st.DataObject
) -> None:
    workspace.replace_files(contents)
    regex = data.draw(st.booleans(), label="regex with context")
    pattern = data.draw(REGEXES if regex else literals(contents), label="pattern with context")
    context = data.draw(st.integers(1, 3), label="context")
    around = lines_around(rg, workspace.store, "gen", workspace.root, pattern, regex, context)
    if around is not None:
        assert around[0] == around[1], f"-C{context} {pattern!r}"
    for _ in range(3):
        pattern = data.draw(literals(contents), label="literal")
        ignore_case = data.draw(st.booleans(), label="literal -i")
        compare(rg, workspace.store, "gen", workspace.root, pattern, False, ignore_case)
    for _ in range(4):
        pattern = data.draw(REGEXES, label="regex")
        ignore_case = data.draw(st.booleans(), label="regex -i")
        compare(rg, workspace.store, "gen", workspace.root, pattern, True, ignore_case)


# The project's own source, as a real tree.

REAL_LITERALS = ["def ", "self.store", "import", "Store", "tags.scm", "(", "@name", "TODO", "name:"]
REAL_REGEXES = [
    r"def \w+\(",
    r"^\s*class\s+\w+",
    r"\bfid\b",
    r"[A-Z]{3,}",
    r"(?i)lmdb",
    "TODO|FIXME",
    r"\d+\.\d+",
    r"^$",
    r"\s+$",
    r"[^\x00-\x7f]",
    r"return (None|True|False)$",
    r"\(\w+\)\s*@",
    "^#",
]


@pytest.fixture(scope="module")
def real_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Store]]:
    """A copy of appliance/ and plugins/ (others may edit the originals meanwhile), indexed."""
    base = tmp_path_factory.mktemp("real")
    registry, _ = load_registry([bundled_plugins_dir()])
    store = Store.open(base / "data", writable=True)
    indexer = Indexer(store, registry, IndexOptions(workers=1), Metrics(CollectorRegistry()))
    for name in ("appliance", "plugins"):
        shutil.copytree(PROJECT / name, base / name, ignore=shutil.ignore_patterns("__pycache__"))
        assert indexer.index(name, str(base / name)).indexed > 5
    yield base, store
    Store.close_all()


@pytest.mark.parametrize(
    ("pattern", "regex", "ignore_case"),
    [(p, False, False) for p in REAL_LITERALS]
    + [(p, False, True) for p in REAL_LITERALS[:4]]
    + [(p, True, False) for p in REAL_REGEXES]
    + [(p, True, True) for p in REAL_REGEXES[:5]],
)
def test_the_project_source_matches_ripgrep(
    rg: str, real_tree: tuple[Path, Store], pattern: str, regex: bool, ignore_case: bool
) -> None:
    base, store = real_tree
    for repo in ("appliance", "plugins"):
        files = indexed_paths(store, repo)
        expected = ripgrep(rg, base / repo, files, pattern, regex, ignore_case)
        found = searched(store, repo, pattern, regex, ignore_case)
        assert expected is not None and found is not None
        assert without_unknown_columns(found, expected) == expected


def test_the_walk_of_the_project_source_lists_what_ripgrep_lists(
    rg: str, real_tree: tuple[Path, Store]
) -> None:
    base, store = real_tree
    for repo in ("appliance", "plugins"):
        argv = [rg, "--files", "--no-config", "--no-require-git"]
        listed = subprocess.run(argv, cwd=base / repo, capture_output=True, text=True, timeout=60, check=True)
        assert indexed_paths(store, repo) == sorted(listed.stdout.splitlines())


@pytest.mark.parametrize(
    "globs",
    [
        ("*.py",),
        ("!*.py",),
        ("index/*.py", "!index/search.py"),
        ("!index/search.py", "index/*.py"),
        ("*.scm",),
    ],
)
def test_globs_match_ripgrep_on_the_project_source(
    rg: str, real_tree: tuple[Path, Store], globs: tuple[str, ...]
) -> None:
    """ripgrep applies -g to what it walks, not to files named on its command line: it walks here."""
    base, store = real_tree
    for repo in ("appliance", "plugins"):
        argv = [
            rg,
            "--no-config",
            "--no-require-git",
            "--json",
            *(f"-g{g}" for g in globs),
            "-F",
            "-e",
            "name",
            ".",
        ]
        out = subprocess.run(argv, cwd=base / repo, capture_output=True, timeout=60, check=False)
        assert out.returncode in (0, 1), out.stderr
        expected = {
            message["data"]["path"]["text"].removeprefix("./")
            for message in map(json.loads, out.stdout.splitlines())
            if message["type"] == "match"
        }
        query = SearchQuery("name", repos=(repo,), globs=globs, limit=MAX_LIMIT, budget_seconds=600)
        found = {m.path for m in Searcher(store, Metrics(CollectorRegistry())).search(query).matches}
        assert found == expected
