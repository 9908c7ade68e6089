"""Exact text search: plan trigrams into candidate files, then verify with RE2, line by line.

Matching follows ripgrep: a match lies within one line, `^` and `$` anchor at lines, the column
is the byte offset of the line's first match plus one. RE2 runs in linear time, so no pattern
can hang a worker; a time budget and a result cap bound the rest, and the count of matching
lines goes on past the cap until the budget runs out (`complete` says whether it got to the end).
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import lmdb
import pathspec
import re2
from pyroaring import BitMap

from appliance.errors import UsageError
from appliance.index import postings
from appliance.index.content import ContentCache
from appliance.index.plan import UNICODE_FOLDS, Plan, plan_literal, plan_regex
from appliance.index.store import FileMeta, Store, set_key
from appliance.metrics import METRICS, Metrics

MAX_PATTERN = 4096  # bytes; longer patterns are refused, not truncated
MAX_LIMIT = 10_000
# How long a search goes on counting once its page is full: the first page must not wait for the
# count. A count cut short is a lower bound (`complete` is False); ask for a page of 0 to count all.
COUNT_SECONDS = 0.005
PARALLEL_FILES = 256  # a count over more files than this runs on every core
COUNT_CHUNK = 64  # files a counting thread takes at a time
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
    count_all: bool = True  # keep counting matching lines past the page...
    count_seconds: float = COUNT_SECONDS  # ...for this long at most (a page of 0: the whole budget)


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


class Searcher:
    def __init__(self, store: Store, metrics: Metrics = METRICS, cache: ContentCache | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.cache = cache or ContentCache(metrics=metrics)

    def search(self, query: SearchQuery) -> SearchResult:
        """The page of matches asked for, as soon as it is full; then the count of every matching
        line within `count_seconds` (a page of 0 counts within the whole budget: an exact count)."""
        kind = "regex" if query.regex else "literal"
        started = time.monotonic()
        if not 0 <= query.limit <= MAX_LIMIT or query.offset < 0 or not 0 <= query.context <= 100:
            raise UsageError(f"limit must be 0..{MAX_LIMIT}, offset >= 0 and context 0..100")
        regex = compile_pattern(query)
        matcher = LineMatcher(query, regex)
        plan = (
            plan_regex(query.pattern, query.ignore_case)
            if query.regex
            else plan_literal(query.pattern, query.ignore_case)
        )
        result = SearchResult(plan=str(plan))
        deadline = started + query.budget_seconds
        globs = GlobFilter(query.globs)
        with self.store.read() as txn:
            candidates = self.candidates(txn, plan) & self.scope(txn, query)
            result.candidates = len(candidates)
            rest = (
                self._page(txn, candidates, query, matcher, globs, result, deadline)
                if query.limit
                else candidates
            )
        if rest and result.complete and (query.count_all or not query.limit):
            if query.limit:  # the page is full: count on for a moment only
                deadline = min(deadline, time.monotonic() + query.count_seconds)
            total, files, finished = self._count(rest, matcher, globs, bool(query.globs), deadline)
            result.total, result.files = result.total + total, result.files + files
            result.complete = finished
        elif rest:
            result.complete = False
        if not result.complete:
            self.metrics.search_truncated.labels(kind, "budget").inc()
        if result.total > len(result.matches) + query.offset:
            self.metrics.search_truncated.labels(kind, "limit").inc()
        self.metrics.search_queries.labels(kind).inc()
        self.metrics.search_results.labels(kind).inc(len(result.matches))
        self.metrics.search_duration.labels(kind).observe(time.monotonic() - started)
        return result

    def _page(
        self,
        txn: lmdb.Transaction,
        candidates: BitMap,
        query: SearchQuery,
        matcher: LineMatcher,
        globs: GlobFilter,
        result: SearchResult,
        deadline: float,
    ) -> BitMap:
        """Verify candidates in order until the page is full; the candidates not yet verified."""
        wanted = query.offset + query.limit
        for fid in candidates:
            if result.total >= wanted:  # the page is full
                rest = candidates.copy()
                rest.remove_range(0, fid)
                return rest
            if time.monotonic() > deadline:
                result.complete = False
                break
            meta = self.store.file_meta(txn, fid)
            if meta is None or not globs(meta.path):
                continue
            data = self.cache.get(txn, self.store, fid)
            if data is None:
                continue
            data = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data  # as ripgrep
            lines = matcher.lines(data)
            result.files += bool(lines)
            for start, end, number, column in lines:
                if query.offset <= result.total < wanted:
                    result.matches.append(_match(meta, data, start, end, number, column, query.context))
                result.total += 1
        return BitMap()

    def _count(
        self, fids: BitMap, matcher: LineMatcher, globs: GlobFilter, globbing: bool, deadline: float
    ) -> tuple[int, int, bool]:
        """(matching lines, files, whether every file was counted before the deadline). Many files
        are counted on every core: inflating a file (zstd) lets go of the GIL."""
        if len(fids) < PARALLEL_FILES:
            return self._count_some(fids.to_array(), matcher, globs, globbing, deadline)
        ids = fids.to_array()
        chunks = [ids[i : i + COUNT_CHUNK] for i in range(0, len(ids), COUNT_CHUNK)]
        results = list(
            _count_pool().map(lambda c: self._count_some(c, matcher, globs, globbing, deadline), chunks)
        )
        return sum(r[0] for r in results), sum(r[1] for r in results), all(r[2] for r in results)

    def _count_some(
        self, fids: Iterable[int], matcher: LineMatcher, globs: GlobFilter, globbing: bool, deadline: float
    ) -> tuple[int, int, bool]:
        total = files = 0
        with self.store.read() as txn:
            for fid in fids:
                if time.monotonic() > deadline:
                    return total, files, False
                if globbing:
                    meta = self.store.file_meta(txn, fid)
                    if meta is None or not globs(meta.path):
                        continue
                data = self.cache.get(txn, self.store, fid, keep=False)
                if data is None:
                    continue
                found = matcher.count(data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data)
                total += found
                files += found > 0
        return total, files, True

    def scope(self, txn: lmdb.Transaction, query: SearchQuery) -> BitMap:
        """The files a query may look at: those of its repositories (all), of its languages (any)."""
        sets = self.store.dbs["sets"]
        scope = BitMap()
        for repo in query.repos or tuple(self.store.repos(txn)):
            scope |= _file_set(txn, sets, set_key("repo", repo))
        if query.languages:
            languages = BitMap()
            for language in query.languages:
                languages |= _file_set(txn, sets, set_key("lang", language))
            scope &= languages
        return scope

    def candidates(self, txn: lmdb.Transaction, plan: Plan, segment_ids: list[bytes] | None = None) -> BitMap:
        """The files whose trigrams fit `plan`: a superset of those that match (verify them), and
        of files since deleted (intersect with `scope`)."""
        if plan.op == "all":  # never inside another plan: `conj` and `disj` absorb it
            return self.scope(txn, SearchQuery(""))
        if segment_ids is None:
            segment_ids = postings.segments(txn, self.store)
        if plan.op == "tri":
            return postings.posting(txn, self.store, segment_ids, "trigrams", plan.trigram)
        if plan.op == "and":
            parts: list[BitMap] = []
            # Cheapest first: intersecting with a small set early keeps every later step small.
            for arg in sorted(plan.args, key=lambda a: a.op != "tri"):
                bitmap = self.candidates(txn, arg, segment_ids)
                parts.append(bitmap)
                if not bitmap:
                    return BitMap()
            return BitMap.intersection(*parts) if len(parts) > 1 else parts[0]
        return BitMap.union(*(self.candidates(txn, a, segment_ids) for a in plan.args))


@functools.cache
def _count_pool() -> ThreadPoolExecutor:
    """The threads that count, one per core, shared by every search of the process."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="search-count")


def _file_set(txn: lmdb.Transaction, db: lmdb._Database, key: bytes) -> BitMap:
    stored = txn.get(key, db=db)
    return BitMap.deserialize(stored) if stored is not None else BitMap()


class LineMatcher:
    """Finds the lines of a file that match. A literal is found with `bytes.find` (memchr and
    two-way search in C), skipping to the next line after each match; RE2 runs only for regexes,
    and for -i literals whose case folding reaches beyond ASCII."""

    def __init__(self, query: SearchQuery, regex: re2._Regexp) -> None:
        self.regex = regex
        self.may_span = query.regex
        self.needle = b""
        self.fold = False
        raw = query.pattern
        if not query.regex and raw.isascii():
            if not query.ignore_case:
                self.needle = raw.encode("ascii")
            elif not UNICODE_FOLDS & set(raw.lower().encode("ascii")):
                self.needle, self.fold = raw.lower().encode("ascii"), True

    def lines(self, data: bytes) -> list[tuple[int, int, int, int]]:
        if not self.needle:
            return matching_lines(self.regex, data, self.may_span)
        return literal_lines(data.lower() if self.fold else data, self.needle)

    def count(self, data: bytes) -> int:
        if not self.needle:
            return len(matching_lines(self.regex, data, self.may_span))
        return literal_count(data.lower() if self.fold else data, self.needle)


def literal_lines(data: bytes, needle: bytes) -> list[tuple[int, int, int, int]]:
    """(line start, line end, line number, column) of every line holding `needle` (no line break)."""
    found: list[tuple[int, int, int, int]] = []
    find = data.find
    pos = counted_to = 0
    line_number = 1
    while (start := find(needle, pos)) >= 0:
        line_start = data.rfind(b"\n", 0, start) + 1
        line_end = find(b"\n", start)
        if line_end < 0:
            line_end = len(data)
        line_number += data.count(b"\n", counted_to, line_start)
        counted_to = line_start
        found.append((line_start, line_end, line_number, start - line_start + 1))
        pos = line_end + 1
    return found


def literal_count(data: bytes, needle: bytes) -> int:
    """How many lines hold `needle`: the hot loop of a count, two calls into C per matching line."""
    count = pos = 0
    find = data.find
    while (start := find(needle, pos)) >= 0:
        count += 1
        pos = find(b"\n", start) + 1
        if pos == 0:
            break
    return count


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
