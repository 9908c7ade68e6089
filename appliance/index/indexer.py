"""Indexing a repository: walk, decide what changed, extract in a process pool, write in batches.

Restart-safe by construction: a file is "done" once its batch commits, and a rerun skips every
file whose size, mtime and plugin fingerprint match what the index holds.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from appliance.errors import UsageError
from appliance.index import extract as ex
from appliance.index.languages import LanguageRegistry
from appliance.index.store import (
    FID,
    FileMeta,
    Store,
    building_dir,
    index_dir,
    outdated_index,
    path_key,
    remove_old_versions,
    repo_roots,
)
from appliance.index.walker import Candidate, Walk, WalkOptions
from appliance.index.writer import BatchStats, IndexWriter
from appliance.metrics import METRICS, Metrics

CHUNK_FILES = 64  # files per task sent to a worker
BATCH_FILES = 20_000  # files per write transaction
# Source bytes per write transaction: the merge cost per batch grows with the distinct trigrams
# it touches, which grow far slower than the batch, so large batches cost less in all.
BATCH_BYTES = 64 << 20
POOL_THRESHOLD = 128  # fewer changed files than this are extracted in process
# A batch at least this large gets a postings segment of its own; smaller ones join the tail.
BULK_FILES, BULK_BYTES = 500, 16 << 20

Progress = Callable[[int, int, int, int], None]  # files done, files total, bytes done, bytes total


@dataclass
class IndexOptions:
    walk: WalkOptions = field(default_factory=WalkOptions)
    workers: int = max(1, os.cpu_count() or 1)


@dataclass
class Summary:
    repo: str
    root: str
    indexed: int = 0
    unchanged: int = 0
    deleted: int = 0
    symbols: int = 0
    bytes: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def parse_repo_arg(arg: str) -> tuple[str, str]:
    """`PATH[=NAME]` → (name, absolute root). The name defaults to the folder's name."""
    path, sep, name = arg.partition("=")
    root = Path(path).expanduser()
    if not root.exists():
        raise UsageError(f"{path}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{path}: not a directory")
    root = root.resolve()
    name = name if sep else root.name or "root"
    if not name or "/" in name or "\0" in name or name in (".", ".."):
        raise UsageError(f"{arg}: invalid repository name {name!r}")
    return name, str(root)


def rebuild_outdated(
    data_dir: Path, registry: LanguageRegistry, options: IndexOptions | None = None
) -> list[Summary]:
    """After a schema change: build the current format beside the old index, from the old index's
    list of repositories, and rename it into place when complete. Readers of the old version are
    undisturbed until the rename; an interrupted rebuild starts over on the next run."""
    old = outdated_index(data_dir)
    if old is None:
        return []
    current, building = index_dir(data_dir), building_dir(data_dir)
    shutil.rmtree(building, ignore_errors=True)
    store = Store.open_at(building, writable=True)
    try:
        indexer = Indexer(store, registry, options)
        summaries = [
            indexer.index(name, root) for name, root in repo_roots(old).items() if os.path.isdir(root)
        ]
    finally:
        store.close()
    os.rename(building, current)
    remove_old_versions(data_dir)
    return summaries


class _BackgroundWriter:
    """Writes batches in a thread while the next batch is extracted; at most one batch waits.

    The writer's merge of posting lists is pure CPU: overlapping it with extraction keeps both
    cores busy. Leaving the `with` block waits for every batch, and re-raises a writer's error."""

    def __init__(self, write: Callable[[list[ex.Extracted]], None]) -> None:
        self.write = write
        self.queue: queue.Queue[list[ex.Extracted] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="index-writer", daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        self.thread.start()
        return self

    def put(self, batch: list[ex.Extracted]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.write(batch)
                except BaseException as e:  # handed to the extracting thread
                    self.error = e

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


class Indexer:
    def __init__(
        self,
        store: Store,
        registry: LanguageRegistry,
        options: IndexOptions | None = None,
        metrics: Metrics = METRICS,
    ) -> None:
        self.store = store
        self.options = options or IndexOptions()
        self.registry = registry
        self.writer = IndexWriter(store)
        self.metrics = metrics
        ex.set_registry(self.registry)

    def set_registry(self, registry: LanguageRegistry) -> None:
        """Parse with `registry` from now on (the plugin manager swapped it in). The next `index()`
        re-parses the files whose plugin fingerprint differs from the one they were indexed with."""
        self.registry = registry
        ex.set_registry(registry)

    def index(self, name: str, root: str, progress: Progress | None = None, under: str = "") -> Summary:
        """Bring the index of repository `name` (or of its folder `under`) in line with the disk."""
        started = time.monotonic()
        summary = Summary(name, root)
        self.writer.add_repo(name, root)
        walk = Walk(root, self.options.walk)
        candidates = list(walk.subtree(under))
        summary.skipped.update(walk.skipped)
        known = self._known_files(name, under)
        todo = [c for c in candidates if self._changed(c, known.get(c.path))]
        summary.unchanged = len(candidates) - len(todo)
        seen = {c.path for c in candidates}
        deleted = [p for p in known if p not in seen]
        if deleted:
            summary.deleted += self._write(name, [], deleted).deleted

        work = self._assign_fids([c.path for c in todo], {path: meta.fid for path, meta in known.items()})
        total_bytes = sum(c.size for c in todo)
        done_files = done_bytes = 0
        batch: list[ex.Extracted] = []
        batch_bytes = 0
        self.metrics.index_queue_depth.set(len(todo))
        with _BackgroundWriter(
            lambda files: self._add_stats(summary, self._write(name, files, []))
        ) as writer:
            for result in self._extract(root, work):
                done_files += 1
                done_bytes += result.size
                if result.skip:
                    summary.skipped[result.skip] += 1
                    self.metrics.index_skipped.labels(result.skip).inc()
                if result.note:
                    summary.notes[result.note] += 1
                batch.append(result)
                batch_bytes += result.size
                if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
                    writer.put(batch)
                    self.metrics.index_queue_depth.set(len(todo) - done_files)
                    batch, batch_bytes = [], 0
                if progress is not None:
                    progress(done_files, len(todo), done_bytes, total_bytes)
            if batch or not todo:
                writer.put(batch)
        self.metrics.index_queue_depth.set(0)
        summary.seconds = time.monotonic() - started
        return summary

    def update(self, name: str, root: str, paths: Iterable[str]) -> BatchStats:
        """Re-index `paths` of a repository now (the watcher's path): changed, new or gone.

        A path that is no longer a regular file the walk would index leaves the index."""
        walk = Walk(root, self.options.walk)
        max_size = self.options.walk.max_file_size
        wanted: list[str] = []
        deleted: list[str] = []
        for path in sorted(set(paths)):
            full = os.path.join(root, path)
            if (
                not walk.includes(path)
                or os.path.islink(full)
                or not os.path.isfile(full)
                or os.path.getsize(full) > max_size
            ):
                deleted.append(path)
                continue
            wanted.append(path)
        with self.store.read() as txn:
            known = {p: fid for p in wanted if (fid := self.store.fid_of(txn, name, p)) is not None}
        results = [ex.extract(root, path, fid, max_size) for path, fid in self._assign_fids(wanted, known)]
        return self._write(name, results, deleted)

    def _assign_fids(self, paths: list[str], known: Mapping[str, int]) -> list[tuple[str, int]]:
        """(path, file id): a known file keeps its id, a new one gets a fresh id reserved now."""
        new = [p for p in paths if p not in known]
        first = self.writer.reserve_fids(len(new)) if new else 0
        fresh = {p: first + i for i, p in enumerate(new)}
        return [(p, known[p] if p in known else fresh[p]) for p in paths]

    def _add_stats(self, summary: Summary, stats: BatchStats) -> None:
        summary.indexed += stats.files
        summary.symbols += stats.symbols
        summary.bytes += stats.bytes
        summary.deleted += stats.deleted

    def _write(self, name: str, files: list[ex.Extracted], deleted: list[str]) -> BatchStats:
        started = time.monotonic()
        bulk = len(files) >= BULK_FILES or sum(f.size for f in files) >= BULK_BYTES
        stats = self.writer.apply(name, files, deleted, bulk)
        self.metrics.index_batch_duration.observe(time.monotonic() - started)
        self.metrics.index_last_success.set(time.time())
        self.metrics.index_bytes.inc(stats.bytes)
        for language, count in stats.by_language.items():
            self.metrics.index_files.labels(language).inc(count)
        for language, count in stats.symbols_by_language.items():
            self.metrics.index_symbols.labels(language).inc(count)
        used, size = self.store.map_usage()
        self.metrics.index_map_used.set(used)
        self.metrics.index_map_size.set(size)
        return stats

    def _known_files(self, repo: str, under: str = "") -> dict[str, FileMeta]:
        known: dict[str, FileMeta] = {}
        prefix = path_key(repo, under.rstrip("/") + "/" if under else "")
        with self.store.read() as txn:
            cursor = txn.cursor(db=self.store.dbs["paths"])
            if not cursor.set_range(prefix):
                return known
            for key, fid in cursor:
                if not key.startswith(prefix):
                    break
                meta = self.store.file_meta(txn, FID.unpack(fid)[0])
                if meta is not None:
                    known[meta.path] = replace(meta, fid=FID.unpack(fid)[0])
        return known

    def _changed(self, candidate: Candidate, meta: FileMeta | None) -> bool:
        if meta is None or meta.size != candidate.size or meta.mtime_ns != candidate.mtime_ns:
            return True
        plugin = self.registry.for_path(candidate.path)
        return (plugin.fingerprint if plugin else "") != meta.fingerprint

    def _extract(self, root: str, work: list[tuple[str, int]]) -> Iterator[ex.Extracted]:
        max_size = self.options.walk.max_file_size
        if len(work) < POOL_THRESHOLD or self.options.workers <= 1:
            for path, fid in work:
                yield ex.extract(root, path, fid, max_size)
            return
        chunks = [work[i : i + CHUNK_FILES] for i in range(0, len(work), CHUNK_FILES)]
        # spawn, not fork: this process holds an LMDB environment, which must not cross a fork.
        context = multiprocessing.get_context("spawn")
        specs = self.registry.specs()
        with ProcessPoolExecutor(self.options.workers, context, ex.init_worker, (specs,)) as pool:
            queued = iter(chunks)
            # A bounded number of chunks in flight: results are consumed as they come, in order of completion.
            pending = {
                pool.submit(ex.extract_many, root, chunk, max_size)
                for chunk in itertools.islice(queued, self.options.workers * 4)
            }
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield from future.result()
                    pending.update(
                        pool.submit(ex.extract_many, root, chunk, max_size)
                        for chunk in itertools.islice(queued, 1)
                    )
