"""Exact text search: plan trigrams into candidate files, then verify with RE2, line by line.

Matching follows ripgrep: a match lies within one line, `^` and `$` anchor at lines, the column
is the byte offset of the line's first match plus one. RE2 runs in linear time, so no pattern
can hang a worker; a time budget and a result cap bound the rest, and the count of matching
lines goes on past the cap until the budget runs out (`complete` says whether it got to the end).
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

import lmdb
import pathspec
import re2
from pyroaring import BitMap

from appliance.errors import UsageError
from appliance.index.plan import Plan, plan_literal, plan_regex
from appliance.index.store import FID, FileMeta, Store
from appliance.metrics import METRICS, Metrics

MAX_PATTERN = 4096  # bytes; longer patterns are refused, not truncated
MAX_LIMIT = 10_000
UTF8_BOM = b"\xef\xbb\xbf"
RE2_MAX_MEM = 64 << 20
# A line break written as an escape: \n, \x0A or \x{A}, not preceded by an escaping backslash.
LINE_BREAK_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\(?:n|x0[aA]|x\{0*[aA]\})")


@dataclass(frozen=True)
class SearchQuery:
    pattern: str
    regex: bool = False
    ignore_case: bool = False
    repos: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()  # ripgrep -g style; a leading ! excludes
    languages: tuple[str, ...] = ()
    limit: int = 50
    offset: int = 0
    context: int = 0
    budget_seconds: float = 5.0
    count_all: bool = True  # keep counting matching lines past the cap (within the budget)


@dataclass(frozen=True)
class Match:
    repo: str
    path: str
    line: int
    column: int
    text: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "repo": self.repo,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "text": self.text,
        }


@dataclass
class SearchResult:
    matches: list[Match] = field(default_factory=list)
    total: int = 0  # matching lines counted
    files: int = 0  # files with at least one match
    complete: bool = True  # False when the budget ran out before every candidate was verified
    candidates: int = 0  # files the plan chose
    plan: str = ""


def compile_pattern(query: SearchQuery) -> re2._Regexp:
    raw = query.pattern
    if not raw:
        raise UsageError("the search pattern is empty")
    if "\0" in raw:
        raise UsageError("the search pattern contains a NUL byte")
    try:
        encoded = raw.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise UsageError(f"the search pattern {raw!r} holds a lone surrogate, not text") from None
    if len(encoded) > MAX_PATTERN:
        raise UsageError(f"the search pattern is longer than {MAX_PATTERN} bytes")
    if "\n" in raw or (query.regex and LINE_BREAK_ESCAPE.search(raw)):
        raise UsageError("the pattern matches a line break; search matches within one line (as ripgrep does)")
    options = re2.Options()
    options.max_mem = RE2_MAX_MEM
    options.case_sensitive = not query.ignore_case
    options.log_errors = False
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, passed through with surrogateescape
        if query.regex:
            raise UsageError(
                f"the regex {raw!r} is not valid UTF-8; search for such bytes with a literal pattern"
            ) from None
        return _bytes_literal(encoded, query.ignore_case, options)
    source = raw if query.regex else re2.escape(raw)
    try:
        return re2.compile(b"(?m)" + source.encode("utf-8"), options)
    except re2.error as e:
        detail = e.args[0] if e.args else e
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise UsageError(f"invalid regex {raw!r}: {str(detail).replace('(?m)', '', 1)}") from e


def _bytes_literal(literal: bytes, ignore_case: bool, options: re2.Options) -> re2._Regexp:
    """A literal holding bytes that are not UTF-8 matches them byte for byte (RE2's Latin-1 mode),
    folding ASCII letters only under -i, as the index does."""
    parts = []
    for byte in literal:
        char = chr(byte)
        folds = ignore_case and char.isascii() and char.isalpha()
        parts.append(f"[{char.lower()}{char.upper()}]" if folds else f"\\x{byte:02x}")
    options.encoding = re2.Options.Encoding.LATIN1
    options.case_sensitive = True
    return re2.compile("".join(parts).encode("ascii"), options)


class ContentCache:
    """Recently verified files, decompressed; shared by the threads of a server.

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

    def get(self, txn: lmdb.Transaction, store: Store, fid: int) -> bytes | None:
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
        data = zlib.decompress(stored)
        with self.lock:
            if key not in self.entries:
                self.entries[key] = data
                self.used += len(data)
            while self.used > self.max_bytes and self.entries:
                _, old = self.entries.popitem(last=False)
                self.used -= len(old)
                self.evictions.inc()
        return data


class Searcher:
    def __init__(self, store: Store, metrics: Metrics = METRICS, cache: ContentCache | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.cache = cache or ContentCache(metrics=metrics)

    def search(self, query: SearchQuery) -> SearchResult:
        kind = "regex" if query.regex else "literal"
        started = time.monotonic()
        if not 0 <= query.limit <= MAX_LIMIT or query.offset < 0 or not 0 <= query.context <= 100:
            raise UsageError(f"limit must be 0..{MAX_LIMIT}, offset >= 0 and context 0..100")
        regex = compile_pattern(query)
        plan = (
            plan_regex(query.pattern, query.ignore_case)
            if query.regex
            else plan_literal(query.pattern, query.ignore_case)
        )
        result = SearchResult(plan=str(plan))
        deadline = started + query.budget_seconds
        wanted = query.offset + query.limit
        globs = GlobFilter(query.globs)
        with self.store.read() as txn:
            candidates = self._candidates(txn, plan)
            result.candidates = len(candidates)
            for fid in candidates:
                if time.monotonic() > deadline:
                    result.complete = False
                    self.metrics.search_truncated.labels(kind, "budget").inc()
                    break
                if result.total >= wanted and not query.count_all:
                    result.complete = False
                    break
                meta = self.store.file_meta(txn, fid)
                if meta is None or not _wanted(meta, query, globs):
                    continue
                data = self.cache.get(txn, self.store, fid)
                if data is None:
                    continue
                data = data.removeprefix(UTF8_BOM)  # as ripgrep: no part of line 1, nor of `^`
                lines = matching_lines(regex, data, query.regex)
                if not lines:
                    continue
                result.files += 1
                for start, end, number, column in lines:
                    if query.offset <= result.total < wanted:
                        result.matches.append(_match(meta, data, start, end, number, column, query.context))
                    result.total += 1
        if result.total > len(result.matches) + query.offset:
            self.metrics.search_truncated.labels(kind, "limit").inc()
        self.metrics.search_queries.labels(kind).inc()
        self.metrics.search_results.labels(kind).inc(len(result.matches))
        self.metrics.search_duration.labels(kind).observe(time.monotonic() - started)
        return result

    def _candidates(self, txn: lmdb.Transaction, plan: Plan) -> BitMap:
        if plan.op == "all":
            keys = txn.cursor(db=self.store.dbs["files"]).iternext(values=False)
            return BitMap(FID.unpack(k)[0] for k in keys)
        if plan.op == "tri":
            data = txn.get(plan.trigram, db=self.store.dbs["trigrams"])
            return BitMap.deserialize(data) if data is not None else BitMap()
        parts: list[BitMap] = []
        if plan.op == "and":
            # Cheapest first: intersecting with a small set early keeps every later step small.
            for arg in sorted(plan.args, key=lambda a: a.op != "tri"):
                bitmap = self._candidates(txn, arg)
                parts.append(bitmap)
                if not bitmap:
                    return BitMap()
            return BitMap.intersection(*parts) if len(parts) > 1 else parts[0]
        return BitMap.union(*(self._candidates(txn, a) for a in plan.args))


def matching_lines(regex: re2._Regexp, data: bytes, may_span: bool) -> list[tuple[int, int, int, int]]:
    """(line start, line end, line number, column) of every line holding a match, in order.

    The whole file is searched at once for speed; where a regex match could cross a line break
    (`\\s`, negated classes), the line is checked on its own, as ripgrep matches within lines.
    """
    found: list[tuple[int, int, int, int]] = []
    pos = 0
    line_number = 1
    counted_to = 0
    size = len(data)
    while pos <= size:
        m = regex.search(data, pos)
        if m is None:
            break
        start = m.start()
        if start >= size and (size == 0 or data.endswith(b"\n")):
            break  # an empty match after the final line break is not on any line
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = data.find(b"\n", start)
        if line_end < 0:
            line_end = size
        column = start - line_start + 1
        ok = True
        if may_span and (m.end() > line_end or b"\n" in data[start : m.end()]):
            alone = regex.search(data[line_start:line_end])
            ok = alone is not None
            column = alone.start() + 1 if alone is not None else 0
        if ok:
            line_number += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            found.append((line_start, line_end, line_number, column))
        pos = line_end + 1
    return found


def _match(
    meta: FileMeta, data: bytes, start: int, end: int, number: int, column: int, context: int
) -> Match:
    before: list[bytes] = []
    after: list[bytes] = []
    if context and start > 0:
        before = data[: start - 1].rsplit(b"\n", context)[-context:]
    rest = data[end + 1 :]  # the lines after this one, each ended by a line break but maybe the last
    if context and rest:
        after = (rest[:-1] if rest.endswith(b"\n") else rest).split(b"\n", context)[:context]
    return Match(
        meta.repo,
        meta.path,
        number,
        column,
        _text(data[start:end]),
        tuple(_text(b) for b in before),
        tuple(_text(b) for b in after),
    )


def _text(line: bytes) -> str:
    return line.rstrip(b"\r").decode("utf-8", "replace")


class GlobFilter:
    """ripgrep's -g: the last glob matching a path decides, `!glob` excludes; when no glob
    matches, the path is wanted unless some glob includes (then only what one includes is)."""

    def __init__(self, globs: tuple[str, ...]) -> None:
        # As ignore rules: an excluding glob ignores, an including one re-includes.
        lines = [g[1:] if g.startswith("!") else "!" + g for g in globs]
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines) if globs else None
        self.default = not any(not g.startswith("!") for g in globs)

    def __call__(self, path: str) -> bool:
        if self.spec is None:
            return True
        try:
            excluded = self.spec.check_file(path).include
        except UnicodeEncodeError:  # a file name that is not UTF-8: pathspec's RE2 backend refuses it
            excluded = pathspec.GitIgnoreSpec(self.spec.patterns, backend="simple").check_file(path).include
        return self.default if excluded is None else not excluded


def _wanted(meta: FileMeta, query: SearchQuery, globs: GlobFilter) -> bool:
    if query.repos and meta.repo not in query.repos:
        return False
    if query.languages and meta.language not in query.languages:
        return False
    return globs(meta.path)
