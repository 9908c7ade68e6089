"""The single writer: merges extracted files and deletions into LMDB, one transaction per batch.

Everything a batch changes commits together or not at all, so the index on disk is consistent
after a crash at any moment. Trigram postings go to segments (`postings.py`): a bulk batch
appends a segment of its own and reads nothing back, so a full build leaves no free pages and
the writer's memory holds one batch, not the index.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import lmdb
import numpy as np
from pyroaring import BitMap

from appliance.index import records
from appliance.index.extract import Extracted
from appliance.index.postings import SegmentWriter
from appliance.index.store import FID, FileMeta, RepoInfo, Store, path_key, set_key


@dataclass
class BatchStats:
    files: int = 0
    symbols: int = 0
    bytes: int = 0
    deleted: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    symbols_by_language: Counter[str] = field(default_factory=Counter)


class _Sets:
    """The file sets a batch changes (each repository's and language's files), written once at the end."""

    def __init__(self, txn: lmdb.Transaction, db: lmdb._Database) -> None:
        self.txn, self.db = txn, db
        self.sets: dict[bytes, BitMap] = {}

    def _get(self, key: bytes) -> BitMap:
        if key not in self.sets:
            stored = self.txn.get(key, db=self.db)
            self.sets[key] = BitMap.deserialize(stored) if stored is not None else BitMap()
        return self.sets[key]

    def add(self, meta: FileMeta, fid: int) -> None:
        self._get(set_key("repo", meta.repo)).add(fid)
        self._get(set_key("lang", meta.language)).add(fid)

    def discard(self, meta: FileMeta, fid: int) -> None:
        self._get(set_key("repo", meta.repo)).discard(fid)
        self._get(set_key("lang", meta.language)).discard(fid)

    def write(self) -> None:
        for key, fids in sorted(self.sets.items()):
            if fids:
                self.txn.put(key, fids.serialize(), db=self.db)
            else:
                self.txn.delete(key, db=self.db)


class IndexWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.dbs

    def add_repo(self, name: str, root: str) -> None:
        def work(txn: lmdb.Transaction) -> None:
            existing = txn.get(name.encode(), db=self.db["repos"])
            info = RepoInfo.from_json(existing) if existing else RepoInfo(name, root)
            if info.root != root:
                info = RepoInfo(name, root, info.files, info.symbols, info.bytes, info.indexed_at)
            txn.put(name.encode(), info.to_json(), db=self.db["repos"])

        self.store.write_with_growth(work)

    def apply(self, repo: str, files: list[Extracted], deleted: list[str], bulk: bool = False) -> BatchStats:
        """Write one batch: `files` (re)indexed or skipped, `deleted` paths removed. A `bulk` batch
        (part of a large indexing run) gets a postings segment of its own."""
        return self.store.write_with_growth(lambda txn: self._apply(txn, repo, files, deleted, bulk))

    def remove_repo(self, repo: str) -> int:
        def work(txn: lmdb.Transaction) -> int:
            prefix = path_key(repo, "")
            paths = []
            cursor = txn.cursor(db=self.db["paths"])
            if cursor.set_range(prefix):
                for key in cursor.iternext(values=False):
                    if not key.startswith(prefix):
                        break
                    paths.append(key[len(prefix) :].decode("utf-8", "surrogateescape"))
            self._apply(txn, repo, [], paths, bulk=False)
            txn.delete(repo.encode(), db=self.db["repos"])
            return len(paths)

        return self.store.write_with_growth(work)

    def reserve_fids(self, count: int) -> int:
        """Set aside `count` new file ids and return the first. Ids are never reused, even after a crash."""

        def work(txn: lmdb.Transaction) -> int:
            first = int(txn.get(b"next_fid", b"1", db=self.db["meta"]))
            txn.put(b"next_fid", str(first + count).encode(), db=self.db["meta"])
            return first

        return self.store.write_with_growth(work)

    def _apply(
        self, txn: lmdb.Transaction, repo: str, files: list[Extracted], deleted: list[str], bulk: bool
    ) -> BatchStats:
        stats = BatchStats()
        sets = _Sets(txn, self.db["sets"])
        segment = SegmentWriter(txn, self.store, bulk)
        delta = [0, 0, 0]  # files, symbols, bytes

        def forget(path: str) -> bool:
            removed = self._remove(txn, repo, path, sets)
            if removed is not None:
                delta[0] -= 1
                delta[1] -= removed.symbols
                delta[2] -= removed.size
            return removed is not None

        stats.deleted += sum(forget(path) for path in deleted)
        for item in files:
            if item.skip:
                stats.deleted += forget(item.path)
                continue
            fid_bytes = FID.pack(item.fid)
            pkey = path_key(repo, item.path)
            if txn.get(pkey, db=self.db["paths"]) == fid_bytes:  # the same file, changed
                old_meta = FileMeta.from_bytes(txn.get(fid_bytes, db=self.db["files"]), item.fid)
                self._delete_symbols(txn, fid_bytes)
                sets.discard(old_meta, item.fid)
                delta[1] -= old_meta.symbols
                delta[2] -= old_meta.size
            else:  # new here (or replaced under another id meanwhile)
                forget(item.path)
                txn.put(pkey, fid_bytes, db=self.db["paths"])
                delta[0] += 1
            segment.add(
                item.fid,
                np.frombuffer(item.trigrams, dtype=np.uint32),
                item.definition_names,
                item.reference_names,
            )
            self._put_symbols(txn, fid_bytes, item)
            txn.put(fid_bytes, item.content, db=self.db["content"])
            meta = FileMeta(
                repo, item.path, item.language, item.size, item.mtime_ns, item.symbols, item.fingerprint
            )
            txn.put(fid_bytes, meta.to_bytes(), db=self.db["files"])
            sets.add(meta, item.fid)
            stats.files += 1
            stats.symbols += item.symbols
            stats.bytes += item.size
            stats.by_language[item.language or "text"] += 1
            stats.symbols_by_language[item.language or "text"] += item.symbols
            delta[1] += item.symbols
            delta[2] += item.size

        sets.write()  # first: a merge of segments keeps the postings of the files in these sets
        segment.write()
        info = RepoInfo.from_json(txn.get(repo.encode(), db=self.db["repos"]))
        txn.put(
            repo.encode(),
            RepoInfo(
                repo,
                info.root,
                info.files + delta[0],
                info.symbols + delta[1],
                info.bytes + delta[2],
                time.time(),
            ).to_json(),
            db=self.db["repos"],
        )
        return stats

    def _put_symbols(self, txn: lmdb.Transaction, fid_bytes: bytes, item: Extracted) -> None:
        for role, blob in ((records.DEFINITIONS, item.definitions), (records.REFERENCES, item.references)):
            if blob:
                txn.put(records.blob_key(fid_bytes, role), blob, db=self.db["symbols"])

    def _delete_symbols(self, txn: lmdb.Transaction, fid_bytes: bytes) -> None:
        """The file's symbols. Its names stay in their segments' `defs`/`refs` lists until a merge:
        a lookup reads the file's symbols and finds none of that name."""
        for role in (records.DEFINITIONS, records.REFERENCES):
            txn.delete(records.blob_key(fid_bytes, role), db=self.db["symbols"])

    def _remove(self, txn: lmdb.Transaction, repo: str, path: str, sets: _Sets) -> FileMeta | None:
        """Remove a file. Its postings stay in their segments until a merge drops them: a file id
        that is in no repository's set, and has no metadata, is never an answer."""
        pkey = path_key(repo, path)
        fid_bytes = txn.get(pkey, db=self.db["paths"])
        if fid_bytes is None:
            return None
        fid = FID.unpack(fid_bytes)[0]
        meta = FileMeta.from_bytes(txn.get(fid_bytes, db=self.db["files"]), fid)
        self._delete_symbols(txn, fid_bytes)
        sets.discard(meta, fid)
        for db in ("content", "files"):
            txn.delete(fid_bytes, db=self.db[db])
        txn.delete(pkey, db=self.db["paths"])
        return meta
