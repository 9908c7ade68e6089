"""Fixtures for the index engine's tests: a small repository on disk, indexed into real LMDB files.

`small` is SMALL_REPO indexed; `make(files)` writes another repository and opens its store (the
test indexes it). `Store` caches one environment per data dir per process, so every test ends with
`Store.close_all()`; a test that reopens a store (read-only, after a simulated restart) calls it too.
Test modules import nothing from here (conftest modules are not importable by name): `Indexed`
appears in their annotations only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from appliance.index.indexer import Indexer, IndexOptions, Summary
from appliance.index.lookup import Lookup
from appliance.index.search import Searcher, SearchQuery, SearchResult
from appliance.index.store import Store
from appliance.metrics import Metrics
from appliance.plugins.languages import LanguageRegistry, bundled_plugins_dir, load_languages

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
        registry, failed = load_languages([bundled_plugins_dir()])
        assert not failed, failed
        _bundled.append(registry)
    return _bundled[0]


def make_index(base: Path, files: Mapping[str, str | bytes], options: IndexOptions | None = None) -> Indexed:
    """Write `files` under base/repo and open a writable store in base/data (not indexed yet).

    With `options` naming other plugin roots, the indexer loads those; else the bundled plugins."""
    root = base / "repo"
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    data = base / "data"
    metrics = Metrics(CollectorRegistry())
    store = Store.open(data, writable=True)
    options = options or IndexOptions(workers=1)
    registry = bundled_registry() if options.plugin_roots == (bundled_plugins_dir(),) else None
    indexer = Indexer(store, options, registry, metrics)
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
    """make(files, options=None): a new repository and store, each call in its own folder."""
    calls = iter(range(1_000_000))

    def build(files: Mapping[str, str | bytes], options: IndexOptions | None = None) -> Indexed:
        return make_index(tmp_path / f"r{next(calls)}", files, options)

    return build
