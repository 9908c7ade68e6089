"""Fixtures for the index engine's tests: a small repository on disk, indexed into real LMDB files.

`small` is SMALL_REPO indexed; `make(files)` writes another repository and opens its store (the
test indexes it); `consistent(store)` checks every invariant of the index on disk. `Store` caches
one environment per data dir per process, so every test ends with `Store.close_all()`; a test
that reopens a store (read-only, after a simulated restart) calls it too.
Test modules import nothing from here (conftest modules are not importable by name): `Indexed`
appears in their annotations only.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from pyroaring import BitMap

from appliance.index.indexer import Indexer, IndexOptions, Summary
from appliance.index.languages import LanguageRegistry
from appliance.index.lookup import Lookup
from appliance.index.records import record_key, unpack, unpack_file_symbols
from appliance.index.search import Searcher, SearchQuery, SearchResult
from appliance.index.store import FID, FileMeta, Store, path_key
from appliance.index.trigrams import file_trigrams, key
from appliance.metrics import Metrics
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.runtime import load_registry

USERS_PY = """\
import os


class UserStore:
    \"\"\"Keeps users.\"\"\"

    def get_user(self, user_id):
        return fetch_row(user_id)

    def save_user(self, user):
        return write_row(user)


def getUser(user_id):
    return UserStore().get_user(user_id)


def fetch_row(key):
    return os.environ.get(key)
"""

HELPERS_PY = """\
from users import UserStore


class AdminStore(UserStore):
    def get_user(self, user_id):
        return None


def get_usr(name):
    return name.title()
"""

README = """\
Hello World
hello again, world
HELLO LOUD WORLD
nothing to see
"""

SMALL_REPO = {
    "src/users.py": USERS_PY,
    "src/helpers.py": HELPERS_PY,
    "docs/README.txt": README,
}


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@dataclass
class Indexed:
    """A repository folder, its data dir and the open writable store, with the engine around it."""

    root: Path
    data: Path
    store: Store
    indexer: Indexer
    metrics: Metrics
    name: str = "repo"

    def write(self, files: Mapping[str, str | bytes]) -> None:
        write_files(self.root, files)

    def index(self) -> Summary:
        return self.indexer.index(self.name, str(self.root))

    def search(self, pattern: str, **options: object) -> SearchResult:
        query = SearchQuery(pattern, **options)  # type: ignore[arg-type]
        return Searcher(self.store, self.metrics).search(query)

    def lines(self, pattern: str, **options: object) -> list[tuple[str, int]]:
        return [(m.path, m.line) for m in self.search(pattern, **options).matches]

    @property
    def lookup(self) -> Lookup:
        return Lookup(self.store, self.metrics)


Make = Callable[..., Indexed]
_bundled: list[LanguageRegistry] = []


def bundled_registry() -> LanguageRegistry:
    """The bundled language plugins, loaded once per test session (compiling the queries takes ~1 s)."""
    if not _bundled:
        registry, failed = load_registry([bundled_plugins_dir()])
        assert not failed, failed
        _bundled.append(registry)
    return _bundled[0]


def plugin_registry(root: Path) -> LanguageRegistry:
    registry, failed = load_registry([root])
    assert not failed, failed
    return registry


def make_index(
    base: Path,
    files: Mapping[str, str | bytes],
    options: IndexOptions | None = None,
    plugins: Path | None = None,
) -> Indexed:
    """Write `files` under base/repo and open a writable store in base/data (not indexed yet).

    The indexer parses with the plugins under `plugins`, else with the bundled ones."""
    root = base / "repo"
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    data = base / "data"
    metrics = Metrics(CollectorRegistry())
    store = Store.open(data, writable=True)
    options = options or IndexOptions(workers=1)
    indexer = Indexer(store, plugin_registry(plugins) if plugins else bundled_registry(), options, metrics)
    return Indexed(root, data, store, indexer, metrics)


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    Store.close_all()


@pytest.fixture
def small(tmp_path: Path) -> Indexed:
    """SMALL_REPO, indexed."""
    indexed = make_index(tmp_path, SMALL_REPO)
    summary = indexed.index()
    assert summary.indexed == len(SMALL_REPO), summary
    return indexed


@pytest.fixture
def make(tmp_path: Path) -> Make:
    """make(files, options=None, plugins=None): a new repository and store, each call in its own folder."""
    calls = iter(range(1_000_000))

    def build(
        files: Mapping[str, str | bytes], options: IndexOptions | None = None, plugins: Path | None = None
    ) -> Indexed:
        return make_index(tmp_path / f"r{next(calls)}", files, options, plugins)

    return build


def assert_consistent(store: Store) -> None:
    """Every invariant of the index: paths, files, content and outlines agree; every posting
    list is exactly what the contents give; every symbol record is in its file's outline and
    the other way round; each repository's counts are the sums of its files."""
    db = store.dbs
    with store.read() as txn:
        paths = {k: FID.unpack(v)[0] for k, v in txn.cursor(db=db["paths"])}
        metas = {FID.unpack(k)[0]: FileMeta.from_json(v) for k, v in txn.cursor(db=db["files"])}
        assert sorted(paths.values()) == sorted(metas), "paths and files disagree"
        for pkey, fid in paths.items():
            assert path_key(metas[fid].repo, metas[fid].path) == pkey
        contents = {FID.unpack(k)[0]: zlib.decompress(v) for k, v in txn.cursor(db=db["content"])}
        outlines = {FID.unpack(k)[0]: unpack_file_symbols(v) for k, v in txn.cursor(db=db["filesyms"])}
        assert set(contents) == set(outlines) == set(metas), "content or outlines of unknown files"

        expected_postings: defaultdict[bytes, BitMap] = defaultdict(BitMap)
        for fid, data in contents.items():
            assert len(data) == metas[fid].size
            for code in file_trigrams(data):
                expected_postings[key(int(code))].add(fid)
        postings = {k: BitMap.deserialize(v) for k, v in txn.cursor(db=db["trigrams"])}
        assert postings == dict(expected_postings), "posting lists differ from the contents"

        for role, name in ((True, "defs"), (False, "refs")):
            stored = sorted((k, v) for k, v in txn.cursor(db=db[name]))
            outlined = sorted(
                (record_key(r), r) for entries in outlines.values() for is_def, r in entries if is_def is role
            )
            assert stored == outlined, f"{name} differ from the files' outlines"
            assert all(unpack(r).fid in metas for _, r in stored)
        for fid, entries in outlines.items():
            assert all(unpack(r).fid == fid for _, r in entries)
            assert len(entries) == metas[fid].symbols

        totals: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for meta in metas.values():
            totals[meta.repo].update(files=1, symbols=meta.symbols, bytes=meta.size)
        for name, info in store.repos(txn).items():
            assert (info.files, info.symbols, info.bytes) == (
                totals[name]["files"],
                totals[name]["symbols"],
                totals[name]["bytes"],
            ), f"counts of {name}"
        assert set(totals) <= set(store.repos(txn)), "files of an unknown repository"


@pytest.fixture
def consistent() -> Callable[[Store], None]:
    return assert_consistent
