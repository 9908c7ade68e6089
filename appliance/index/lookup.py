"""Questions about symbols and files: find a definition, its references, a file's outline, its text.

These read only the index, never the repositories: what is served is what was indexed, so a
path outside a repository (`..`, absolute, a symbolic link) cannot be reached at all.
"""

from __future__ import annotations

import posixpath
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import lmdb
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from appliance.errors import NotFoundError, UsageError
from appliance.index import postings
from appliance.index.content import ContentCache
from appliance.index.records import DEFINITIONS, REFERENCES, blob_key, decode_rows, name_key
from appliance.index.records import FIELDS as SYMBOL_FIELDS
from appliance.index.store import FID, FileMeta, RepoInfo, Store, path_key
from appliance.index.symbols import Symbol
from appliance.metrics import METRICS, Metrics

MAX_SCAN = 200_000  # names looked at by a prefix or fuzzy lookup
MAX_HITS = 50_000  # records collected (and ranked) by one lookup
MAX_FUZZY_CANDIDATES = 200
MAX_READ_LINES = 5000
MAX_SIGNATURE = 200  # bytes of a definition's line shown
# Once a page is full, how long a lookup goes on collecting hits to count them (and rank the
# page among them); past it the total is a lower bound and `complete` is False.
LOOKUP_SECONDS = 0.02

# Rank of a match: lower is better.
EXACT, EXACT_IGNORING_CASE, SAME_WORDS, PREFIX, FUZZY = range(5)


@dataclass(frozen=True)
class SymbolHit:
    repo: str
    path: str
    line: int
    column: int
    end_line: int
    name: str
    kind: str
    container: str
    language: str
    signature: str
    rank: int

    def to_json(self) -> dict[str, object]:
        return {
            "repo": self.repo,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "name": self.name,
            "kind": self.kind,
            "container": self.container,
            "language": self.language,
        }


@dataclass(frozen=True)
class SymbolQuery:
    name: str
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    prefix: bool = False
    fuzzy: bool = False
    limit: int = 50
    offset: int = 0


@dataclass
class SymbolResult:
    hits: list[SymbolHit] = field(default_factory=list)
    total: int = 0
    complete: bool = True  # False when MAX_HITS cut the collection short (total is a lower bound)


@dataclass
class OutlineNode:
    name: str
    kind: str
    line: int
    end_line: int
    signature: str
    children: list[OutlineNode] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "line": self.line,
            "end_line": self.end_line,
            "signature": self.signature,
            "children": [c.to_json() for c in self.children],
        }


@dataclass(frozen=True)
class FileText:
    repo: str
    path: str
    language: str
    start: int
    end: int
    total_lines: int
    text: str


def check_name(name: str) -> None:
    if not name or not name.strip():
        raise UsageError("the symbol name is empty")
    if "\0" in name:
        raise UsageError("the symbol name contains a NUL byte")
    if len(name.encode("utf-8", "surrogateescape")) > 400:
        raise UsageError("the symbol name is longer than 400 bytes")


def safe_path(path: str) -> str:
    """A repository-relative path, or a UsageError saying why it is not one."""
    if not path or "\0" in path:
        raise UsageError("the path is empty or contains a NUL byte")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UsageError(f"{path}: absolute paths are refused; give a path inside a repository")
    if ".." in path.split("/"):
        raise UsageError(f"{path}: '..' is refused; give a path inside a repository")
    normal = posixpath.normpath(path)
    return "" if normal == "." else normal


class Lookup:
    def __init__(self, store: Store, metrics: Metrics = METRICS, cache: ContentCache | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.cache = cache or ContentCache(metrics=metrics)  # signatures are lines of the content
        self.blobs = SymbolBlobs()

    def symbols(self, query: SymbolQuery, references: bool = False) -> SymbolResult:
        kind = "refs" if references else "symbol"
        started = time.monotonic()
        check_name(query.name)
        key = name_key(query.name)
        role = REFERENCES if references else DEFINITIONS
        ranked: list[SymbolHit] = []
        complete = True
        wanted = query.offset + query.limit
        db_name = "refs" if references else "defs"
        with self.store.read() as txn:
            segment_ids = postings.segments(txn, self.store)
            keys: list[tuple[bytes, int]] = [(key, SAME_WORDS)]
            if query.prefix or query.fuzzy:
                with_prefix = postings.names_with_prefix(txn, self.store, segment_ids, db_name, key, MAX_SCAN)
                keys += [(k, PREFIX) for k in with_prefix if k != key]
            if query.fuzzy:
                seen = {k for k, _ in keys}
                pool = postings.names_with_prefix(txn, self.store, segment_ids, db_name, key[:1], MAX_SCAN)
                keys += [(k, FUZZY) for k in _similar_keys(pool, key) if k not in seen]
            deadline = started + LOOKUP_SECONDS
            for k, base_rank in keys:
                for fid in postings.posting(txn, self.store, segment_ids, db_name, k):
                    # Keys come best tier first: what a cut leaves out ranks lowest.
                    if len(ranked) >= MAX_HITS or (len(ranked) >= wanted and time.monotonic() > deadline):
                        complete = False
                        break
                    meta = self.store.file_meta(txn, fid)
                    if meta is None or not _in_scope(meta, query):
                        continue
                    for symbol in self.blobs.named(txn, self.store, fid, role, k):
                        if not query.kinds or symbol.kind in query.kinds:
                            ranked.append(_hit(symbol, meta, _rank(symbol.name, query.name, base_rank)))
                if not complete:
                    break
            ranked.sort(key=lambda h: (h.rank, h.repo, h.path, h.line))
            page = ranked[query.offset : wanted]
            if not references:
                page = [self._signed(txn, hit) for hit in page]
        result = SymbolResult(page, len(ranked), complete=complete)
        self._observe(kind, started, len(result.hits))
        return result

    def outline(self, repo: str, path: str) -> tuple[FileMeta, list[OutlineNode]]:
        started = time.monotonic()
        with self.store.read() as txn:
            fid, meta = self._file(txn, repo, path)
            definitions = sorted(
                self.blobs.symbols(txn, self.store, fid, DEFINITIONS),
                key=lambda s: (s.line, -s.end_line, s.column),
            )
            lines = self._lines(txn, fid) if definitions else []
        roots: list[OutlineNode] = []
        stack: list[OutlineNode] = []
        for symbol in definitions:
            node = OutlineNode(
                symbol.name, symbol.kind, symbol.line, symbol.end_line, _signature(lines, symbol.line)
            )
            while stack and not (stack[-1].line <= symbol.line and symbol.end_line <= stack[-1].end_line):
                stack.pop()
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
        self._observe("outline", started, len(definitions))
        return meta, roots

    def read(self, repo: str, path: str, start: int = 1, end: int | None = None) -> FileText:
        started = time.monotonic()
        if start < 1 or (end is not None and end < start):
            raise UsageError(f"invalid line range {start}-{end}: lines count from 1 and end >= start")
        with self.store.read() as txn:
            fid, meta = self._file(txn, repo, path)
            data = self.cache.get(txn, self.store, fid)
        lines = data.decode("utf-8", "replace").split("\n") if data else []
        if lines and lines[-1] == "":
            lines.pop()
        last = min(end if end is not None else len(lines), len(lines), start + MAX_READ_LINES - 1)
        if start > max(len(lines), 1):
            raise UsageError(f"{repo}/{meta.path} has {len(lines)} lines; line {start} is past the end")
        text = "\n".join(lines[start - 1 : last])
        self._observe("read", started, 1)
        return FileText(repo, meta.path, meta.language, start, last, len(lines), text)

    def repos(self) -> dict[str, RepoInfo]:
        with self.store.read() as txn:
            return self.store.repos(txn)

    def _signed(self, txn: lmdb.Transaction, hit: SymbolHit) -> SymbolHit:
        with_path = self.store.fid_of(txn, hit.repo, hit.path)
        lines = self._lines(txn, with_path) if with_path is not None else []
        return replace(hit, signature=_signature(lines, hit.line))

    def _lines(self, txn: lmdb.Transaction, fid: int) -> list[bytes]:
        data = self.cache.get(txn, self.store, fid)
        return data.split(b"\n") if data else []

    def _file(self, txn: lmdb.Transaction, repo: str, path: str) -> tuple[int, FileMeta]:
        clean = safe_path(path)
        if txn.get(repo.encode(), db=self.store.dbs["repos"]) is None:
            raise NotFoundError(f"no repository named {repo!r} is indexed")
        fid_bytes = txn.get(path_key(repo, clean), db=self.store.dbs["paths"])
        meta = self.store.file_meta(txn, FID.unpack(fid_bytes)[0]) if fid_bytes else None
        if fid_bytes is None or meta is None:
            raise NotFoundError(
                f"{repo}/{clean} is not in the index (not a file of the repository, or skipped)"
            )
        return FID.unpack(fid_bytes)[0], meta

    def _observe(self, kind: str, started: float, results: int) -> None:
        self.metrics.search_queries.labels(kind).inc()
        self.metrics.search_results.labels(kind).inc(results)
        self.metrics.search_duration.labels(kind).observe(time.monotonic() - started)


class SymbolBlobs:
    """Files' stored symbols, decoded and grouped by name key, the most recently used kept
    (thread-safe). Keyed by a checksum of the stored bytes, like the content cache: a changed
    file is a new entry."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[int, bytes, int], _Decoded] = OrderedDict()
        self.lock = threading.Lock()

    def _decoded(self, txn: lmdb.Transaction, store: Store, fid: int, role: bytes) -> _Decoded | None:
        stored = txn.get(blob_key(FID.pack(fid), role), db=store.dbs["symbols"])
        if stored is None:
            return None
        key = (fid, role, zlib.crc32(stored))
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return entry
        entry = _Decoded(*decode_rows(stored), role == DEFINITIONS)
        with self.lock:
            self.entries[key] = entry
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return entry

    def symbols(self, txn: lmdb.Transaction, store: Store, fid: int, role: bytes) -> list[Symbol]:
        entry = self._decoded(txn, store, fid, role)
        return [entry.symbol(row) for row in entry.rows] if entry else []

    def named(self, txn: lmdb.Transaction, store: Store, fid: int, role: bytes, key: bytes) -> list[Symbol]:
        """The file's symbols whose name key is `key`."""
        entry = self._decoded(txn, store, fid, role)
        return [entry.symbol(row) for row in entry.by_name.get(key, ())] if entry else []


class _Decoded:
    def __init__(self, fields: list[str], rows: list[list[Any]], is_definition: bool) -> None:
        self.fields = [(i, f) for i, f in enumerate(fields) if f in SYMBOL_FIELDS]
        self.rows = rows
        self.is_definition = is_definition
        at = fields.index("name")
        self.by_name: dict[bytes, list[list[Any]]] = {}
        for row in rows:
            self.by_name.setdefault(name_key(row[at]), []).append(row)

    def symbol(self, row: list[Any]) -> Symbol:
        return Symbol(is_definition=self.is_definition, **{f: row[i] for i, f in self.fields})


def _signature(lines: list[bytes], line: int) -> str:
    """A definition's line, stripped and clipped: what an agent reads to recognise it."""
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1].strip().replace(b"\0", b"")
    return text[:MAX_SIGNATURE].decode("utf-8", "ignore")


def split_repo_path(spec: str) -> tuple[str, str]:
    """`REPO/PATH` → (repo, path)."""
    repo, sep, path = spec.partition("/")
    if not sep or not repo or not path:
        raise UsageError(f"{spec!r}: expected REPO/PATH")
    return repo, path


def _similar_keys(pool: list[bytes], key: bytes) -> list[bytes]:
    """Names of `pool` (those sharing the first character: typos rarely hit it) within a small
    edit distance of `key`."""
    if not pool:
        return []
    query = key.decode("utf-8", "replace")
    choices = [k.decode("utf-8", "replace") for k in pool]
    allowed = 1 if len(query) <= 4 else 2 if len(query) <= 10 else 3
    found = process.extract(
        query, choices, scorer=Levenshtein.distance, score_cutoff=allowed, limit=MAX_FUZZY_CANDIDATES
    )
    return [pool[index] for _, _, index in sorted(found, key=lambda f: (f[1], f[0]))]


def _rank(found: str, wanted: str, base: int) -> int:
    if found == wanted:
        return EXACT
    if found.lower() == wanted.lower():
        return EXACT_IGNORING_CASE
    return base


def _in_scope(meta: FileMeta, query: SymbolQuery) -> bool:
    return (not query.repos or meta.repo in query.repos) and (
        not query.languages or meta.language in query.languages
    )


def _hit(symbol: Symbol, meta: FileMeta, rank: int) -> SymbolHit:
    return SymbolHit(
        meta.repo,
        meta.path,
        symbol.line,
        symbol.column,
        symbol.end_line,
        symbol.name,
        symbol.kind,
        symbol.container,
        meta.language,
        "",
        rank,
    )
