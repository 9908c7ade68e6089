"""Questions about symbols and files: find a definition, its references, a file's outline, its text.

These read only the index, never the repositories: what is served is what was indexed, so a
path outside a repository (`..`, absolute, a symbolic link) cannot be reached at all.
"""

from __future__ import annotations

import posixpath
import time
import zlib
from dataclasses import dataclass, field

import lmdb
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from appliance.errors import NotFoundError, UsageError
from appliance.index.records import Record, name_key, unpack, unpack_file_symbols
from appliance.index.store import FID, FileMeta, RepoInfo, Store, path_key
from appliance.metrics import METRICS, Metrics

MAX_SCAN = 200_000  # names looked at by a prefix or fuzzy lookup
MAX_HITS = 50_000  # records collected (and ranked) by one lookup
MAX_FUZZY_CANDIDATES = 200
MAX_READ_LINES = 5000

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
    def __init__(self, store: Store, metrics: Metrics = METRICS) -> None:
        self.store = store
        self.metrics = metrics

    def symbols(self, query: SymbolQuery, references: bool = False) -> SymbolResult:
        kind = "refs" if references else "symbol"
        started = time.monotonic()
        check_name(query.name)
        key = name_key(query.name)
        db = self.store.dbs["refs" if references else "defs"]
        ranked: list[SymbolHit] = []
        metas: dict[int, FileMeta | None] = {}
        with self.store.read() as txn:
            cursor = txn.cursor(db=db)
            keys: list[tuple[bytes, int]] = [(key, SAME_WORDS)]
            if query.prefix or query.fuzzy:
                keys += [(k, PREFIX) for k in _keys_with_prefix(cursor, key) if k != key]
            if query.fuzzy:
                seen = {k for k, _ in keys}
                keys += [(k, FUZZY) for k in _similar_keys(cursor, key) if k not in seen]
            for k, base_rank in keys:
                if len(ranked) >= MAX_HITS or not cursor.set_key(k):
                    continue
                for value in cursor.iternext_dup():
                    if len(ranked) >= MAX_HITS:  # keys come best tier first: what is cut ranks lowest
                        break
                    record = unpack(value, not references)
                    if query.kinds and record.kind not in query.kinds:
                        continue
                    if record.fid not in metas:
                        metas[record.fid] = self.store.file_meta(txn, record.fid)
                    meta = metas[record.fid]
                    if meta is None or not _in_scope(meta, query):
                        continue
                    ranked.append(_hit(record, meta, _rank(record.name, query.name, base_rank)))
        ranked.sort(key=lambda h: (h.rank, h.repo, h.path, h.line))
        result = SymbolResult(
            ranked[query.offset : query.offset + query.limit], len(ranked), complete=len(ranked) < MAX_HITS
        )
        self._observe(kind, started, len(result.hits))
        return result

    def outline(self, repo: str, path: str) -> tuple[FileMeta, list[OutlineNode]]:
        started = time.monotonic()
        with self.store.read() as txn:
            fid, meta = self._file(txn, repo, path)
            blob = txn.get(FID.pack(fid), db=self.store.dbs["filesyms"])
            entries = unpack_file_symbols(blob) if blob else []
        definitions = sorted(
            (unpack(r) for is_def, r in entries if is_def), key=lambda r: (r.line, -r.end_line, r.column)
        )
        roots: list[OutlineNode] = []
        stack: list[OutlineNode] = []
        for record in definitions:
            node = OutlineNode(record.name, record.kind, record.line, record.end_line, record.signature)
            while stack and not (stack[-1].line <= record.line and record.end_line <= stack[-1].end_line):
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
            stored = txn.get(FID.pack(fid), db=self.store.dbs["content"])
        lines = zlib.decompress(stored).decode("utf-8", "replace").split("\n") if stored else []
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


def split_repo_path(spec: str) -> tuple[str, str]:
    """`REPO/PATH` → (repo, path)."""
    repo, sep, path = spec.partition("/")
    if not sep or not repo or not path:
        raise UsageError(f"{spec!r}: expected REPO/PATH")
    return repo, path


def _keys_with_prefix(cursor: lmdb.Cursor, prefix: bytes) -> list[bytes]:
    keys: list[bytes] = []
    if cursor.set_range(prefix):
        for key in cursor.iternext_nodup(values=False):
            if not key.startswith(prefix) or len(keys) >= MAX_SCAN:
                break
            keys.append(key)
    return keys


def _similar_keys(cursor: lmdb.Cursor, key: bytes) -> list[bytes]:
    """Names within a small edit distance that share the first character (typos rarely hit it)."""
    pool = _keys_with_prefix(cursor, key[:1])
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


def _hit(record: Record, meta: FileMeta, rank: int) -> SymbolHit:
    return SymbolHit(
        meta.repo,
        meta.path,
        record.line,
        record.column,
        record.end_line,
        record.name,
        record.kind,
        record.container,
        meta.language,
        record.signature,
        rank,
    )
