"""File content as the index stores it: one zstd frame per file, and a cache of files read.

zstd rather than zlib: a third less to store than zlib at level 1, and several times faster to
inflate, which is most of what a search does (BENCHMARKS.md). Compression and decompression
contexts are not thread-safe, so each thread keeps its own.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict

import lmdb
import zstandard

from appliance.index.store import FID, Store
from appliance.metrics import METRICS, Metrics

LEVEL = 3
_local = threading.local()


def compress(data: bytes) -> bytes:
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return compressor.compress(data)


def decompress(frame: bytes) -> bytes:
    decompressor = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompress(frame)


class ContentCache:
    """Recently read files, inflated; shared by the threads of a server.

    Keyed by file id and a checksum of the stored (compressed) bytes: a rewrite of the same size
    within one mtime tick is still a new entry, and the checksum costs far less than inflating."""

    def __init__(self, max_bytes: int = 64 << 20, metrics: Metrics = METRICS) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.entries: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self.hits = metrics.cache_hits.labels("content")  # resolved once: labels() costs a lookup
        self.misses = metrics.cache_misses.labels("content")
        self.evictions = metrics.cache_evictions.labels("content")
        self.lock = threading.Lock()

    def get(self, txn: lmdb.Transaction, store: Store, fid: int, keep: bool = True) -> bytes | None:
        """The file's text; `keep=False` for a file read once in a long scan (a count of every
        match must not push the files of other questions out of the cache)."""
        stored = txn.get(FID.pack(fid), db=store.dbs["content"])
        if stored is None:
            return None
        key = (fid, len(stored), zlib.crc32(stored))
        with self.lock:
            data = self.entries.get(key)
            if data is not None:
                self.entries.move_to_end(key)
        if data is not None:
            self.hits.inc()
            return data
        self.misses.inc()
        data = decompress(stored)
        if not keep:
            return data
        with self.lock:
            if key not in self.entries:
                self.entries[key] = data
                self.used += len(data)
            while self.used > self.max_bytes and self.entries:
                _, old = self.entries.popitem(last=False)
                self.used -= len(old)
                self.evictions.inc()
        return data
