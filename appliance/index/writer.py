"""The single writer: merges extracted files and deletions into LMDB, one transaction per batch.

A changed file keeps its id; only the difference between its old and new trigram sets touches
the posting lists. Everything a batch changes commits together or not at all, so the index on
disk is consistent after a crash at any moment.
"""

from __future__ import annotations

import array
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import lmdb
import numpy as np
from pyroaring import BitMap

from appliance.index import trigrams as tg
from appliance.index.extract import Extracted
from appliance.index.records import record_key, unpack_file_symbols
from appliance.index.store import FID, FileMeta, RepoInfo, Store, path_key


@dataclass
class BatchStats:
    files: int = 0
    symbols: int = 0
    bytes: int = 0
    deleted: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    symbols_by_language: Counter[str] = field(default_factory=Counter)


class _Postings:
    """Trigram postings to add and remove in one batch, merged per trigram at the end."""

    def __init__(self) -> None:
        self.added: list[tuple[np.ndarray, int]] = []
        self.removed: list[tuple[np.ndarray, int]] = []

    def change(self, fid: int, old: np.ndarray, new: np.ndarray) -> None:
        if len(old):
            self.removed.append((np.setdiff1d(old, new, assume_unique=True), fid))
            self.added.append((np.setdiff1d(new, old, assume_unique=True), fid))
        else:
            self.added.append((new, fid))

    def apply(self, txn: lmdb.Transaction, db: lmdb._Database) -> None:
        for pairs, adding in ((self.removed, False), (self.added, True)):
            for code, fids in _grouped(pairs):
                key = tg.key(code)
                old = txn.get(key, db=db)
                bitmap = BitMap.deserialize(old) if old is not None else BitMap()
                if adding:
                    bitmap |= fids
                else:
                    bitmap -= fids
                if bitmap:
                    txn.put(key, bitmap.serialize(), db=db)
                elif old is not None:
                    txn.delete(key, db=db)


def _grouped(pairs: list[tuple[np.ndarray, int]]) -> Iterator[tuple[int, BitMap]]:
    """[(trigrams, fid)] → (trigram, fids) in ascending trigram order (LMDB writes in key order).

    One sorted uint64 array of trigram << 32 | fid holds the batch: 8 bytes a posting, where
    Python integers would take ten times that."""
    pairs = [(codes, fid) for codes, fid in pairs if len(codes)]
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

    def apply(self, repo: str, files: list[Extracted], deleted: list[str]) -> BatchStats:
        """Write one batch: `files` (re)indexed or skipped, `deleted` paths removed."""
        return self.store.write_with_growth(lambda txn: self._apply(txn, repo, files, deleted))

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
            self._apply(txn, repo, [], paths)
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
        self, txn: lmdb.Transaction, repo: str, files: list[Extracted], deleted: list[str]
    ) -> BatchStats:
        stats = BatchStats()
        postings = _Postings()
        delta = [0, 0, 0]  # files, symbols, bytes

        def forget(path: str) -> bool:
            removed = self._remove(txn, repo, path, postings)
            if removed is not None:
                delta[0] -= 1
                delta[1] -= removed.symbols
                delta[2] -= removed.size
            return removed is not None

        stats.deleted += sum(forget(path) for path in deleted)
        definitions: list[tuple[bytes, bytes]] = []
        references: list[tuple[bytes, bytes]] = []
        for item in files:
            if item.skip:
                stats.deleted += forget(item.path)
                continue
            fid_bytes = FID.pack(item.fid)
            pkey = path_key(repo, item.path)
            old_codes = np.empty(0, dtype=np.uint32)
            if txn.get(pkey, db=self.db["paths"]) == fid_bytes:  # the same file, changed
                old_meta = FileMeta.from_json(txn.get(fid_bytes, db=self.db["files"]))
                old_codes = self._old_trigrams(txn, fid_bytes)
                self._delete_symbols(txn, fid_bytes)
                delta[1] -= old_meta.symbols
                delta[2] -= old_meta.size
            else:  # new here (or replaced under another id meanwhile)
                forget(item.path)
                txn.put(pkey, fid_bytes, db=self.db["paths"])
                delta[0] += 1
            postings.change(item.fid, old_codes, np.frombuffer(item.trigrams, dtype=np.uint32))
            definitions.extend(item.definitions)
            references.extend(item.references)
            symbols = len(item.definitions) + len(item.references)
            txn.put(fid_bytes, item.outline, db=self.db["filesyms"])
            txn.put(fid_bytes, item.content, db=self.db["content"])
            meta = FileMeta(
                repo, item.path, item.language, item.size, item.mtime_ns, symbols, item.fingerprint
            )
            txn.put(fid_bytes, meta.to_json(), db=self.db["files"])
            stats.files += 1
            stats.symbols += symbols
            stats.bytes += item.size
            stats.by_language[item.language or "text"] += 1
            stats.symbols_by_language[item.language or "text"] += symbols
            delta[1] += symbols
            delta[2] += item.size

        for db, items in (("defs", definitions), ("refs", references)):
            if items:
                items.sort()
                txn.cursor(db=self.db[db]).putmulti(items, dupdata=True)
        postings.apply(txn, self.db["trigrams"])
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

    def _old_trigrams(self, txn: lmdb.Transaction, fid_bytes: bytes) -> np.ndarray:
        stored = txn.get(fid_bytes, db=self.db["content"])
        return tg.file_trigrams(zlib.decompress(stored)) if stored else np.empty(0, dtype=np.uint32)

    def _delete_symbols(self, txn: lmdb.Transaction, fid_bytes: bytes) -> None:
        blob = txn.get(fid_bytes, db=self.db["filesyms"])
        if blob is None:
            return
        for is_def, record in unpack_file_symbols(blob):
            txn.delete(record_key(record), record, db=self.db["defs" if is_def else "refs"])

    def _remove(self, txn: lmdb.Transaction, repo: str, path: str, postings: _Postings) -> FileMeta | None:
        pkey = path_key(repo, path)
        fid_bytes = txn.get(pkey, db=self.db["paths"])
        if fid_bytes is None:
            return None
        fid = FID.unpack(fid_bytes)[0]
        meta = FileMeta.from_json(txn.get(fid_bytes, db=self.db["files"]))
        postings.change(fid, self._old_trigrams(txn, fid_bytes), np.empty(0, dtype=np.uint32))
        self._delete_symbols(txn, fid_bytes)
        for db in ("filesyms", "content", "files"):
            txn.delete(fid_bytes, db=self.db[db])
        txn.delete(pkey, db=self.db["paths"])
        return meta
