"""Fixtures for the index engine's tests: a small repository on disk, indexed into real LMDB files.

`small` is SMALL_REPO indexed; `make(files)` writes another repository and opens its store (the
test indexes it); `consistent(store)` checks every invariant of the index on disk. `Store` caches
one environment per data dir per process, so every test ends with `Store.close_all()`; a test
that reopens a store (read-only, after a simulated restart) calls it too.
Test modules import nothing from here (conftest modules are not importable by name): `Indexed`
appears in their annotations only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from pyroaring import BitMap

from appliance.index import content, postings, records
from appliance.index.indexer import Indexer, IndexOptions, Summary
from appliance.index.languages import LanguageRegistry
from appliance.index.lookup import Lookup
from appliance.index.search import Searcher, SearchQuery, SearchResult
from appliance.index.store import FID, FileMeta, Store, path_key, set_key
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
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


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
    """Every invariant of the index: paths, files, content and symbols agree; every file's
    trigrams and symbol names are in its posting lists (stale postings of changed or deleted
    files are allowed: they only make candidates); the file sets hold exactly the live files;
    each repository's counts are the sums of its files."""
    db = store.dbs
    with store.read() as txn:
        paths = {k: FID.unpack(v)[0] for k, v in txn.cursor(db=db["paths"])}
        metas = {FID.unpack(k)[0]: FileMeta.from_bytes(v) for k, v in txn.cursor(db=db["files"])}
        assert sorted(paths.values()) == sorted(metas), "paths and files disagree"
        for pkey, fid in paths.items():
            assert path_key(metas[fid].repo, metas[fid].path) == pkey
        contents = {FID.unpack(k)[0]: content.decompress(v) for k, v in txn.cursor(db=db["content"])}
        assert set(contents) == set(metas), "content of unknown files"
        blobs = {(FID.unpack(k[:4])[0], k[4:]): v for k, v in txn.cursor(db=db["symbols"])}
        assert {fid for fid, _ in blobs} <= set(metas), "symbols of unknown files"

        segment_ids = postings.segments(txn, store)
        for fid, data in contents.items():
            assert len(data) == metas[fid].size
            for code in file_trigrams(data):
                assert fid in postings.posting(txn, store, segment_ids, "trigrams", key(int(code))), (
                    fid,
                    code,
                )

        for role, name in ((records.DEFINITIONS, "defs"), (records.REFERENCES, "refs")):
            for (fid, r), blob in blobs.items():
                for name_key in records.name_keys(blob) if r == role else ():
                    assert fid in postings.posting(txn, store, segment_ids, name, name_key), (name, name_key)
        for fid, meta in metas.items():
            count = sum(len(records.decode(blobs[(fid, r)], True)) for r in (b"d", b"r") if (fid, r) in blobs)
            assert count == meta.symbols, meta.path

        sets = {k: BitMap.deserialize(v) for k, v in txn.cursor(db=db["sets"])}
        expected_sets: defaultdict[bytes, BitMap] = defaultdict(BitMap)
        for fid, meta in metas.items():
            expected_sets[set_key("repo", meta.repo)].add(fid)
            expected_sets[set_key("lang", meta.language)].add(fid)
        assert sets == dict(expected_sets), "file sets differ from the files"

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
