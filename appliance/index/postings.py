"""Posting lists, in segments: which files may hold a trigram, or define or use a name.

Three databases share one scheme: `trigrams` (key: segment id + 3-byte trigram, value: a roaring
bitmap of file ids), `defs` and `refs` (key: segment id + name key, value: the file ids as
sorted 4-byte integers, smaller than a bitmap for the one or two files most names have).
`segments` maps each segment id to the files written to it. A key's posting list is the union of
its lists in every segment.

A bulk batch (a large indexing run's) writes a new segment and seals it: its keys are greater
than every key before them, so LMDB appends them in order, pages packed full, and nothing is read
back or rewritten. (v1 rewrote whole lists per batch and inserted names all over its B-trees:
22% of its file was free pages.) A small batch (the watcher's) adds to the open tail segment,
which is rewritten while it is small and sealed once it holds TAIL_FILES files. Past
MAX_SEGMENTS, every segment is merged into one.

A posting may outlive its file's change (a trigram or name the file no longer holds): it only
makes a candidate that verification rejects, never a missed answer, and the next merge drops it
when the file was written to a newer segment since. A deleted file is in no repository's set
(`sets`) and has no metadata, so it is never a candidate.
"""

from __future__ import annotations

import array
import struct
from collections.abc import Iterable, Iterator

import lmdb
import numpy as np
from pyroaring import BitMap

from appliance.index import trigrams as tg
from appliance.index.store import Store, set_key

SEGMENT = struct.Struct(">H")
TAIL_FILES = 2000
MAX_SEGMENTS = 64
NAME_DBS = ("defs", "refs")
FIDS = np.dtype(">u4")  # a name's files, as stored


class SegmentWriter:
    """The postings of one batch, written when the batch is complete."""

    def __init__(self, txn: lmdb.Transaction, store: Store, bulk: bool) -> None:
        self.txn, self.store, self.bulk = txn, store, bulk
        self.trigrams: list[tuple[np.ndarray, int]] = []
        self.names: dict[str, list[tuple[bytes, int]]] = {db: [] for db in NAME_DBS}
        self.fids = BitMap()

    def add(
        self, fid: int, codes: np.ndarray, definitions: Iterable[bytes], references: Iterable[bytes]
    ) -> None:
        self.fids.add(fid)
        if len(codes):
            self.trigrams.append((codes, fid))
        self.names["defs"].extend((name, fid) for name in definitions)
        self.names["refs"].extend((name, fid) for name in references)

    def write(self) -> None:
        if not self.fids:
            return
        meta = self.store.dbs["meta"]
        tail = self.txn.get(b"tail_segment", db=meta)
        segment = self._new_segment() if self.bulk or tail is None else tail
        if segment != tail and not self.bulk:
            self.txn.put(b"tail_segment", segment, db=meta)
        lists: list[tuple[str, Iterator[tuple[bytes, bytes]]]] = [
            ("trigrams", ((tg.key(code), _roaring(fids)) for code, fids in _grouped(self.trigrams)))
        ]
        lists += [(db, _name_lists(self.names[db])) for db in NAME_DBS]
        for db_name, items in lists:
            db = self.store.dbs[db_name]
            if segment == tail:  # the tail is small: merge into its lists
                for key, value in items:
                    old = self.txn.get(segment + key, db=db)
                    merged = _union(db_name, [old, value]) if old is not None else value
                    self.txn.put(segment + key, merged, db=db)
            else:  # a new segment: keys in order, past every existing one
                self.txn.cursor(db=db).putmulti(((segment + k, v) for k, v in items), append=True)
        written = self._segment_files(segment) | self.fids
        self.txn.put(segment, written.serialize(), db=self.store.dbs["segments"])
        if not self.bulk and len(written) >= TAIL_FILES:
            self.txn.delete(b"tail_segment", db=meta)
        if self.txn.stat(self.store.dbs["segments"])["entries"] > MAX_SEGMENTS:
            merge_segments(self.txn, self.store)

    def _new_segment(self) -> bytes:
        meta = self.store.dbs["meta"]
        number = int(self.txn.get(b"next_segment", b"0", db=meta))
        if number >= 1 << 16:  # ids are not reused: merge everything, and count again from 0
            merge_segments(self.txn, self.store)
            number = int(self.txn.get(b"next_segment", b"0", db=meta))
        self.txn.put(b"next_segment", str(number + 1).encode(), db=meta)
        return SEGMENT.pack(number)

    def _segment_files(self, segment: bytes) -> BitMap:
        stored = self.txn.get(segment, db=self.store.dbs["segments"])
        return BitMap.deserialize(stored) if stored is not None else BitMap()


def merge_segments(txn: lmdb.Transaction, store: Store) -> None:
    """Every segment into one, keeping the postings of live files from their newest segment only."""
    dbs = store.dbs
    written = [(key, BitMap.deserialize(value)) for key, value in txn.cursor(db=dbs["segments"])]
    live = BitMap()
    for key, value in txn.cursor(db=dbs["sets"]):
        if key.startswith(set_key("repo", "")):
            live |= BitMap.deserialize(value)
    newer = BitMap()
    keep: dict[bytes, BitMap] = {}
    for segment, fids in reversed(written):  # newest first
        keep[segment] = (fids - newer) & live
        newer |= fids
    newer &= live
    merged_segment = SEGMENT.pack(0)
    for db_name in ("trigrams", *NAME_DBS):
        merged: dict[bytes, BitMap] = {}
        for key, value in txn.cursor(db=dbs[db_name]):
            fids = _decode(db_name, value) & keep.get(key[: SEGMENT.size], BitMap())
            if fids:
                rest = key[SEGMENT.size :]
                merged[rest] = merged[rest] | fids if rest in merged else fids
        txn.drop(dbs[db_name], delete=False)
        items = ((merged_segment + k, _encode(db_name, f)) for k, f in sorted(merged.items()))
        txn.cursor(db=dbs[db_name]).putmulti(items, append=True)
    txn.drop(dbs["segments"], delete=False)
    txn.put(merged_segment, newer.serialize(), db=dbs["segments"])
    txn.delete(b"tail_segment", db=dbs["meta"])
    txn.put(b"next_segment", b"1", db=dbs["meta"])


def segments(txn: lmdb.Transaction, store: Store) -> list[bytes]:
    return list(txn.cursor(db=store.dbs["segments"]).iternext(values=False))


def posting(
    txn: lmdb.Transaction, store: Store, segment_ids: list[bytes], db_name: str, key: bytes
) -> BitMap:
    """The files that may hold `key` (a 3-byte trigram in `trigrams`, a name key in `defs`/`refs`)."""
    db = store.dbs[db_name]
    found = BitMap()
    for segment in segment_ids:
        value = txn.get(segment + key, db=db)
        if value is not None:
            found |= _decode(db_name, value)
    return found


def names_with_prefix(
    txn: lmdb.Transaction, store: Store, segment_ids: list[bytes], db_name: str, prefix: bytes, limit: int
) -> list[bytes]:
    """The distinct name keys starting with `prefix` in any segment, in order, at most `limit`."""
    cursor = txn.cursor(db=store.dbs[db_name])
    found: set[bytes] = set()
    for segment in segment_ids:
        start = segment + prefix
        if not cursor.set_range(start):
            continue
        for key in cursor.iternext(values=False):
            if not key.startswith(start) or len(found) >= limit:
                break
            found.add(key[SEGMENT.size :])
    return sorted(found)[:limit]


def _roaring(fids: BitMap) -> bytes:
    fids.run_optimize()
    return fids.serialize()


def _encode(db_name: str, fids: BitMap) -> bytes:
    return _roaring(fids) if db_name == "trigrams" else np.array(fids.to_array(), dtype=FIDS).tobytes()


def _decode(db_name: str, value: bytes) -> BitMap:
    if db_name == "trigrams":
        return BitMap.deserialize(value)
    return BitMap(np.frombuffer(value, dtype=FIDS).astype(np.uint32))


def _union(db_name: str, values: list[bytes]) -> bytes:
    return _encode(db_name, BitMap.union(*(_decode(db_name, v) for v in values)))


def _name_lists(pairs: list[tuple[bytes, int]]) -> Iterator[tuple[bytes, bytes]]:
    """[(name, fid)] → (name, its files as stored), in name order."""
    pairs.sort()
    start = 0
    while start < len(pairs):
        name = pairs[start][0]
        end = start
        while end < len(pairs) and pairs[end][0] == name:
            end += 1
        yield name, np.array([fid for _, fid in pairs[start:end]], dtype=FIDS).tobytes()
        start = end


def _grouped(pairs: list[tuple[np.ndarray, int]]) -> Iterator[tuple[int, BitMap]]:
    """[(trigrams, fid)] → (trigram, fids) in ascending trigram order (LMDB writes in key order).

    One sorted uint64 array of trigram << 32 | fid holds the batch: 8 bytes a posting, where
    Python integers would take ten times that."""
    if not pairs:
        return
    keys = np.concatenate(
        [(codes.astype(np.uint64) << np.uint64(32)) | np.uint64(fid) for codes, fid in pairs]
    )
    keys.sort()
    codes = (keys >> np.uint64(32)).astype(np.uint32)
    fids = array.array("I", (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes())
    del keys
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    bounds = np.r_[starts, len(codes)].tolist()
    for index, start in enumerate(bounds[:-1]):
        yield int(codes[start]), BitMap(fids[start : bounds[index + 1]])
