"""The single writer, driven directly with extracted files."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.index import extract as ex
from appliance.index import store as store_module
from appliance.index.postings import merge_segments
from appliance.index.store import Store
from appliance.index.writer import IndexWriter

if TYPE_CHECKING:
    from conftest import Indexed, Make

Consistent = Callable[[Store], None]


def extracted(indexed: Indexed, path: str, fid: int) -> ex.Extracted:
    return ex.extract(str(indexed.root), path, fid, 1 << 20)


def test_file_ids_are_never_reused(small: Indexed) -> None:
    writer = small.indexer.writer
    first = writer.reserve_fids(5)
    assert writer.reserve_fids(1) == first + 5  # the five were never written: still gone
    Store.close_all()
    assert IndexWriter(Store.open(small.data, writable=True)).reserve_fids(1) == first + 6


def test_a_skipped_file_is_removed(small: Indexed, consistent: Consistent) -> None:
    gone = ex.Extracted("docs/README.txt", fid=999, skip="binary")
    stats = small.indexer.writer.apply(small.name, [gone], [])
    assert (stats.files, stats.deleted) == (0, 1)
    consistent(small.store)
    assert small.lines("Hello") == []


def test_a_path_written_again_under_a_new_id_replaces_the_old(small: Indexed, consistent: Consistent) -> None:
    writer = small.indexer.writer
    fid = writer.reserve_fids(1)
    stats = writer.apply(small.name, [extracted(small, "src/users.py", fid)], [])
    assert stats.files == 1
    consistent(small.store)
    with small.store.read() as txn:
        assert small.store.fid_of(txn, small.name, "src/users.py") == fid
    assert len(small.lines("class UserStore")) == 1


def test_deleting_an_unknown_path_is_a_no_op(small: Indexed, consistent: Consistent) -> None:
    stats = small.indexer.writer.apply(small.name, [], ["no/such/file.py"])
    assert stats.deleted == 0
    consistent(small.store)


def test_removing_a_repository_removes_everything_of_it(small: Indexed, consistent: Consistent) -> None:
    assert small.indexer.writer.remove_repo(small.name) == 3
    consistent(small.store)
    with small.store.read() as txn:
        assert small.store.repos(txn) == {}
        for name in ("paths", "files", "content", "symbols", "sets"):
            assert txn.stat(small.store.dbs[name])["entries"] == 0, name
    # Its postings stay, unread (no file of theirs is in any set), until segments merge.
    small.store.write_with_growth(lambda txn: merge_segments(txn, small.store))
    consistent(small.store)
    with small.store.read() as txn:
        for name in ("trigrams", "defs", "refs"):
            assert txn.stat(small.store.dbs[name])["entries"] == 0, name


def test_a_batch_larger_than_the_map_grows_it(
    make: Make, monkeypatch: pytest.MonkeyPatch, consistent: Consistent
) -> None:
    monkeypatch.setattr(store_module, "INITIAL_MAP_SIZE", 1 << 20)  # a real 1 MiB map
    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "Store", "fetch", "user", "row", "key", "value"]
    files = {
        f"m{i:02}.py": "".join(
            f"def {rng.choice(words)}_{rng.randrange(10**6)}(x):\n    return x * {rng.random()}\n"
            for _ in range(1500)
        )
        for i in range(16)
    }
    indexed = make(files)
    size_before = indexed.store.map_usage()[1]
    assert indexed.index().indexed == 16
    assert indexed.store.map_usage()[1] > size_before
    consistent(indexed.store)
    assert indexed.search("def ", limit=0).total == 16 * 1500
    assert Path(indexed.store.path, "data.mdb").exists()
