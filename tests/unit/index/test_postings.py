"""Posting lists in segments: bulk batches append sealed segments, small ones share a tail that is
sealed when full, too many segments merge into one, and a merge drops the postings of files
changed or deleted since."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from pyroaring import BitMap

from appliance.index import indexer as indexer_module
from appliance.index import postings
from appliance.index.lookup import SymbolQuery
from appliance.index.plan import plan_literal
from appliance.index.search import Searcher
from appliance.index.store import Store

if TYPE_CHECKING:
    from conftest import Indexed, Make

Consistent = Callable[[Store], None]
FILES = {f"m{i}.py": f"def handler_{i}():\n    return shared_word_{i % 2}\n" for i in range(6)}


def segment_files(store: Store) -> list[BitMap]:
    with store.read() as txn:
        return [BitMap.deserialize(v) for _, v in txn.cursor(db=store.dbs["segments"])]


def candidates(indexed: Indexed, word: str) -> set[str]:
    searcher = Searcher(indexed.store)
    with indexed.store.read() as txn:
        fids = searcher.candidates(txn, plan_literal(word, False))
        return {meta.path for fid in fids if (meta := indexed.store.file_meta(txn, fid)) is not None} | {
            f"<gone {fid}>" for fid in fids if indexed.store.file_meta(txn, fid) is None
        }


def test_a_bulk_run_writes_a_segment_and_updates_share_the_tail(
    make: Make, monkeypatch: pytest.MonkeyPatch, consistent: Consistent
) -> None:
    monkeypatch.setattr(indexer_module, "BULK_FILES", 3)  # batches of 6 files count as bulk
    indexed = make(FILES)
    indexed.index()
    assert [len(s) for s in segment_files(indexed.store)] == [6]
    for i in (1, 2):
        (indexed.root / f"m{i}.py").write_text(f"def renamed_{i}():\n    pass\n")
        indexed.indexer.update(indexed.name, str(indexed.root), [f"m{i}.py"])
    assert [len(s) for s in segment_files(indexed.store)] == [6, 2]  # one tail for both updates
    consistent(indexed.store)
    assert indexed.lines("renamed_") == [("m1.py", 1), ("m2.py", 1)]
    assert indexed.lookup.symbols(SymbolQuery("handler_1")).hits == []  # its stale name finds nothing


def test_the_tail_is_sealed_when_full(make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postings, "TAIL_FILES", 2)
    indexed = make(FILES)
    indexed.index()  # 6 files: not bulk, so the tail, sealed at once
    for i in (1, 2, 3):
        (indexed.root / f"m{i}.py").write_text(f"x_{i} = 1\n")
        indexed.indexer.update(indexed.name, str(indexed.root), [f"m{i}.py"])
    assert [len(s) for s in segment_files(indexed.store)] == [6, 2, 1]


def test_too_many_segments_merge_and_stale_postings_go(
    make: Make, monkeypatch: pytest.MonkeyPatch, consistent: Consistent
) -> None:
    monkeypatch.setattr(postings, "TAIL_FILES", 1)  # every update seals its own segment
    monkeypatch.setattr(postings, "MAX_SEGMENTS", 2)
    indexed = make(FILES)
    indexed.index()
    (indexed.root / "m0.py").write_text("nothing = 'here'\n")
    indexed.indexer.update(indexed.name, str(indexed.root), ["m0.py"])
    assert "m0.py" in candidates(indexed, "shared_word_0")  # stale: verification rejects it
    assert indexed.lines("shared_word_0") == [("m2.py", 2), ("m4.py", 2)]
    (indexed.root / "m5.py").unlink()
    indexed.indexer.update(indexed.name, str(indexed.root), ["m5.py"])
    (indexed.root / "m1.py").write_text("one = 1\n")
    indexed.indexer.update(indexed.name, str(indexed.root), ["m1.py"])  # a third segment: merged
    assert len(segment_files(indexed.store)) == 1
    consistent(indexed.store)
    assert candidates(indexed, "shared_word_0") == {"m2.py", "m4.py"}
    assert candidates(indexed, "shared_word_1") == {"m3.py"}  # m1 changed, m5 deleted
    assert indexed.lines("nothing") == [("m0.py", 1)]
    assert [h.path for h in indexed.lookup.symbols(SymbolQuery("handler_4")).hits] == ["m4.py"]
