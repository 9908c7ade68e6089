"""Indexing a repository, and bringing the index back in line after changes on disk."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import lmdb
import pytest

from appliance.errors import UsageError
from appliance.index.indexer import Indexer, IndexOptions, parse_repo_arg, rebuild_outdated
from appliance.index.lookup import SymbolQuery
from appliance.index.search import Searcher, SearchQuery
from appliance.index.store import RepoInfo, Store, index_dir
from appliance.index.walker import WalkOptions
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.runtime import load_registry

if TYPE_CHECKING:
    from conftest import Indexed, Make

Consistent = Callable[[Store], None]


def repo_counts(indexed: Indexed) -> tuple[int, int, int]:
    info = indexed.lookup.repos()[indexed.name]
    return info.files, info.symbols, info.bytes


def definitions(indexed: Indexed, name: str) -> list[tuple[str, int]]:
    return [(h.path, h.line) for h in indexed.lookup.symbols(SymbolQuery(name)).hits]


def test_a_first_index(small: Indexed, consistent: Consistent) -> None:
    consistent(small.store)
    files, symbols, size = repo_counts(small)
    assert files == 3
    assert symbols > 10
    assert size == sum(len(p.read_bytes()) for p in small.root.rglob("*") if p.is_file())
    assert definitions(small, "fetch_row") == [("src/users.py", 18)]


def test_a_rerun_skips_unchanged_files(small: Indexed) -> None:
    summary = small.index()
    assert (summary.indexed, summary.unchanged, summary.deleted) == (0, 3, 0)


def test_a_changed_file_is_reindexed(small: Indexed, consistent: Consistent) -> None:
    (small.root / "src" / "helpers.py").write_text("def brand_new():\n    return 1\n")
    summary = small.index()
    assert (summary.indexed, summary.unchanged) == (1, 2)
    consistent(small.store)
    assert definitions(small, "get_usr") == []
    assert definitions(small, "brand_new") == [("src/helpers.py", 1)]
    assert small.lines("AdminStore") == []
    assert small.lines("brand_new") == [("src/helpers.py", 1)]


def test_a_change_of_the_same_size_is_seen_by_its_mtime(small: Indexed) -> None:
    path = small.root / "docs" / "README.txt"
    before = path.stat()
    path.write_text(path.read_text().replace("Hello", "Jello"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert small.index().indexed == 1
    assert small.lines("Jello World") == [("docs/README.txt", 1)]


def test_a_deleted_file_leaves_the_index(small: Indexed, consistent: Consistent) -> None:
    before = repo_counts(small)
    (small.root / "src" / "helpers.py").unlink()
    summary = small.index()
    assert (summary.indexed, summary.unchanged, summary.deleted) == (0, 2, 1)
    consistent(small.store)
    assert definitions(small, "get_usr") == []
    assert small.lines("AdminStore") == []
    assert repo_counts(small)[0] == before[0] - 1


def test_a_renamed_file_moves(small: Indexed, consistent: Consistent) -> None:
    (small.root / "src" / "helpers.py").rename(small.root / "src" / "admin.py")
    summary = small.index()
    assert (summary.indexed, summary.deleted) == (1, 1)
    consistent(small.store)
    assert small.lines("class AdminStore") == [("src/admin.py", 4)]
    assert definitions(small, "get_usr") == [("src/admin.py", 9)]


def test_a_changed_plugin_fingerprint_forces_a_reparse(
    make: Make, tmp_path: Path, consistent: Consistent
) -> None:
    plugins = tmp_path / "plugins"
    shutil.copytree(bundled_plugins_dir() / "python", plugins / "python")
    options = IndexOptions(workers=1)
    files = {"a.py": "def f():\n    pass\n", "b.py": "x = 1\n", "notes.txt": "text\n"}
    indexed = make(files, options, plugins)
    assert indexed.index().indexed == 3
    assert indexed.index().unchanged == 3

    manifest = plugins / "python" / "plugin.yaml"
    manifest.write_text(manifest.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    registry, _ = load_registry([plugins])  # the new version...
    indexer = Indexer(indexed.store, registry, options, metrics=indexed.metrics)
    summary = indexer.index(indexed.name, str(indexed.root))
    assert (summary.indexed, summary.unchanged) == (2, 1)  # ...and re-parses the Python files only
    consistent(indexed.store)


def test_a_file_turned_binary_leaves_the_index(small: Indexed, consistent: Consistent) -> None:
    (small.root / "docs" / "README.txt").write_bytes(b"Hello\0World\n")
    summary = small.index()
    assert summary.skipped == {"binary": 1}
    consistent(small.store)
    assert small.lines("Hello") == []


def test_a_file_grown_too_large_leaves_the_index(make: Make, consistent: Consistent) -> None:
    indexed = make(
        {"a.txt": "small\n", "b.txt": "also small\n"},
        IndexOptions(workers=1, walk=WalkOptions(max_file_size=100)),
    )
    indexed.index()
    (indexed.root / "a.txt").write_text("small\n" * 100)
    summary = indexed.index()
    assert (summary.deleted, summary.skipped) == (1, {"too_large": 1})
    consistent(indexed.store)
    assert indexed.lines("small") == [("b.txt", 1)]


def test_indexing_a_subtree_leaves_the_rest_alone(small: Indexed, consistent: Consistent) -> None:
    (small.root / "src" / "helpers.py").unlink()
    (small.root / "docs" / "README.txt").unlink()
    (small.root / "docs" / "new.txt").write_text("fresh\n")
    summary = small.indexer.index(small.name, str(small.root), under="docs")
    assert (summary.indexed, summary.deleted) == (1, 1)
    consistent(small.store)
    assert small.lines("AdminStore") == [("src/helpers.py", 4)]  # outside docs/: not looked at
    assert small.lines("fresh") == [("docs/new.txt", 1)]


def test_update_reindexes_the_paths_given(small: Indexed, consistent: Consistent) -> None:
    (small.root / "docs" / "README.txt").write_text("updated\n")
    (small.root / "src" / "helpers.py").unlink()
    (small.root / "src" / "extra.py").write_text("def extra():\n    pass\n")
    (small.root / "src" / "link.py").symlink_to(small.root / "src" / "users.py")
    stats = small.indexer.update(
        small.name, str(small.root), ["docs/README.txt", "src/helpers.py", "src/extra.py", "src/link.py"]
    )
    assert (stats.files, stats.deleted) == (2, 1)
    consistent(small.store)
    assert small.lines("updated") == [("docs/README.txt", 1)]
    assert definitions(small, "extra") == [("src/extra.py", 1)]
    assert small.search("UserStore", globs=("src/link.py",)).total == 0


def test_two_repositories_in_one_store(small: Indexed, tmp_path: Path, consistent: Consistent) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "users.py").write_text("def fetch_row():\n    pass\n")
    small.indexer.index("other", str(other))
    consistent(small.store)
    assert sorted(small.lookup.repos()) == ["other", "repo"]
    assert sorted(definitions(small, "fetch_row")) == [("src/users.py", 18), ("users.py", 1)]
    small.indexer.writer.remove_repo("other")
    consistent(small.store)
    assert definitions(small, "fetch_row") == [("src/users.py", 18)]


def test_a_pool_of_workers_gives_the_same_index(make: Make, tmp_path: Path, consistent: Consistent) -> None:
    plugins = tmp_path / "plugins"  # the Python plugin only: each worker loads its plugins
    shutil.copytree(bundled_plugins_dir() / "python", plugins / "python")
    files = {f"pkg/m{i:03}.py": f"def f{i}():\n    return {i} * VALUE\n" for i in range(150)}
    pooled = make(files, IndexOptions(workers=2), plugins)
    serial = make(files, IndexOptions(workers=1), plugins)
    assert pooled.index().indexed == serial.index().indexed == 150
    consistent(pooled.store)
    assert pooled.lines("VALUE", limit=1000) == serial.lines("VALUE", limit=1000)
    assert definitions(pooled, "f149") == [("pkg/m149.py", 1)]


@pytest.mark.parametrize("arg", ["/nope", "/nope=name"])
def test_a_missing_folder_is_a_clear_usage_error(arg: str) -> None:
    with pytest.raises(UsageError, match="/nope: no such directory"):
        parse_repo_arg(arg)


def test_repo_argument_names(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "file").write_text("")
    assert parse_repo_arg(str(tmp_path / "proj")) == ("proj", str(tmp_path / "proj"))
    assert parse_repo_arg(f"{tmp_path / 'proj'}=web") == ("web", str(tmp_path / "proj"))
    with pytest.raises(UsageError, match="not a directory"):
        parse_repo_arg(str(tmp_path / "file"))
    for bad in ("a/b", "..", "."):
        with pytest.raises(UsageError, match="invalid repository name"):
            parse_repo_arg(f"{tmp_path / 'proj'}={bad}")


def test_an_index_of_the_older_format_is_rebuilt_from_its_repositories(
    small: Indexed, tmp_path: Path, consistent: Consistent
) -> None:
    data = tmp_path / "old-data"
    old = data / "index-v1"  # as the version-1 binary leaves it: what a rebuild reads of it
    data.mkdir()
    env = lmdb.open(str(old), max_dbs=16)
    with env.begin(write=True) as txn:
        txn.put(
            b"repo", RepoInfo("repo", str(small.root), files=3).to_json(), db=env.open_db(b"repos", txn=txn)
        )
    env.close()
    [summary] = rebuild_outdated(data, load_registry([bundled_plugins_dir()])[0], IndexOptions(workers=1))
    assert (summary.repo, summary.indexed) == ("repo", 3)
    assert sorted(p.name for p in data.iterdir()) == [index_dir(data).name]  # the old one is gone
    store = Store.open(data)
    consistent(store)
    assert Searcher(store).search(SearchQuery("get_user")).total == small.search("get_user").total > 0
