"""The LMDB index on disk: its schema, its version, opening it, and growing its map.

One environment per data dir, one writer (guarded by a lock file) and any number of readers, in
this process or others. Every transaction is a `with` block; readers keep theirs short.

Schema changelog (bump SCHEMA_VERSION on any change of keys or values; a new version is built in
its own directory beside the old one and renamed into place when complete):
  1: repos, paths, files, content (zlib), trigrams (roaring), defs/refs (dupsort), filesyms.
  2: content in zstd frames; one copy of the symbols, per file (`symbols`); posting lists in
     append-only segments (`postings.py`): `trigrams`, and `defs`/`refs` (a name's files), keyed
     by segment + key, `segments` the files of each; the file sets a query is scoped by (`sets`:
     every repository's and language's files); file metadata packed, not JSON.
"""

from __future__ import annotations

import builtins
import fcntl
import json
import os
import shutil
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import lmdb

from appliance.errors import IndexError_, UsageError

SCHEMA_VERSION = 2
INITIAL_MAP_SIZE = 1 << 30  # grows by doubling on MapFullError
MAX_DBS = 16
DATABASES = (
    "meta",
    "repos",
    "paths",
    "files",
    "content",
    "trigrams",
    "defs",
    "refs",
    "segments",
    "sets",
    "symbols",
)

T = TypeVar("T")

FID = struct.Struct(">I")


def default_data_dir() -> Path:
    configured = os.environ.get("APPLIANCE_DATA")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "appliance"


def index_dir(data_dir: Path, version: int = SCHEMA_VERSION) -> Path:
    """Where the index of a format version lives. From version 2 on the name is `index.vN`: the
    version-1 binary deletes every `index-v*` folder but its own when it rebuilds, so an index of
    a later format must not look like one of those."""
    return data_dir / (f"index-v{version}" if version == 1 else f"index.v{version}")


def building_dir(data_dir: Path) -> Path:
    """Where a rebuild for the current format writes, before it is renamed into place."""
    current = index_dir(data_dir)
    return current.with_name(current.name + ".building")


def index_versions(data_dir: Path) -> dict[int, Path]:
    """Every index folder in the data dir, by format version (`.building` ones left out)."""
    found: dict[int, Path] = {}
    for prefix in ("index-v", "index.v"):
        for path in data_dir.glob(prefix + "*"):
            suffix = path.name[len(prefix) :]
            if suffix.isdigit() and path.is_dir():
                found[int(suffix)] = path
    return found


def path_key(repo: str, path: str) -> bytes:
    return f"{repo}\0{path}".encode("utf-8", "surrogateescape")


def set_key(kind: str, name: str) -> bytes:
    """The key of a file set in `sets`: `repo` or `lang` (the language "" holds the plain text files)."""
    return f"{kind}\0{name}".encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class RepoInfo:
    name: str
    root: str
    files: int = 0
    symbols: int = 0
    bytes: int = 0
    indexed_at: float = 0.0  # when a batch for this repo last committed

    def to_json(self) -> builtins.bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_json(cls, data: builtins.bytes) -> RepoInfo:
        return cls(**json.loads(data))


META_HEAD = struct.Struct(">QqI")  # size, mtime_ns, symbols; then repo, path, language, fingerprint


@dataclass(frozen=True)
class FileMeta:
    repo: str
    path: str
    language: str  # "" when no plugin claims the file
    size: int
    mtime_ns: int
    symbols: int
    fingerprint: str  # of the plugin that parsed it; a changed plugin re-parses the file
    fid: int = 0  # filled in by readers that know it; not stored

    def to_bytes(self) -> bytes:
        text = "\0".join((self.repo, self.path, self.language, self.fingerprint))
        head = META_HEAD.pack(self.size, self.mtime_ns, self.symbols)
        return head + text.encode("utf-8", "surrogateescape")

    @classmethod
    def from_bytes(cls, data: bytes, fid: int = 0) -> FileMeta:
        size, mtime_ns, symbols = META_HEAD.unpack_from(data)
        text = data[META_HEAD.size :].decode("utf-8", "surrogateescape")
        repo, path, language, fingerprint = text.split("\0")
        return cls(repo, path, language, size, mtime_ns, symbols, fingerprint, fid)


class Store:
    """An open index. Use `Store.open`; one instance per data dir per process."""

    _open: ClassVar[dict[Path, Store]] = {}
    _open_lock = threading.Lock()

    def __init__(self, path: Path, env: lmdb.Environment, writable: bool) -> None:
        self.path = path
        self.env = env
        self.writable = writable
        self.dbs = {name: env.open_db(name.encode(), create=writable) for name in DATABASES}
        self._resizing = threading.Condition()
        self._readers = 0
        self._writer_lock_file: Any = None

    @classmethod
    def open(cls, data_dir: Path, writable: bool = False) -> Store:
        """The store of `data_dir`, shared by every caller in this process (LMDB wants one env per path)."""
        check_not_newer(data_dir)
        if not writable and not index_dir(data_dir).exists() and outdated_index(data_dir) is not None:
            if building_dir(data_dir).exists():
                raise UsageError(
                    f"the index in {data_dir} is being rebuilt for format {SCHEMA_VERSION}; "
                    "it answers again when the rebuild ends"
                )
            raise UsageError(
                f"the index in {data_dir} is of an older format; run `appliance index` (or `serve`) "
                f"once to rebuild it as format {SCHEMA_VERSION}"
            )
        return cls.open_at(index_dir(data_dir), writable)

    @classmethod
    def open_at(cls, path: Path, writable: bool = False) -> Store:
        with cls._open_lock:
            store = cls._open.get(path.resolve() if path.exists() else path)
            if store is not None and (store.writable or not writable):
                return store
            if store is not None:
                raise IndexError_(f"{path} is open read-only in this process; open it for writing first")
            if not writable and not (path / "data.mdb").exists():
                raise UsageError(f"no index in {path.parent} yet: run `appliance index PATH` first")
            path.mkdir(parents=True, exist_ok=True)
            try:
                env = lmdb.open(
                    str(path),
                    map_size=INITIAL_MAP_SIZE,
                    max_dbs=MAX_DBS,
                    readonly=False,
                    max_readers=512,
                    readahead=False,
                    metasync=True,
                    sync=True,
                )
            except lmdb.Error as e:
                raise IndexError_(f"cannot open the index in {path}: {e}") from e
            try:
                store = cls(path, env, writable)
            except lmdb.NotFoundError:  # the first writer has created the file, not yet its databases
                env.close()
                raise UsageError(
                    f"the index in {path.parent} is being created; try again in a moment"
                ) from None
            try:
                if writable:
                    store._take_writer_lock()
                    store._init_meta()
                else:
                    store._check_version()
            except BaseException:
                store._close()  # a refused open holds neither the environment nor the writer lock
                raise
            cls._open[path.resolve()] = store
            return store

    @classmethod
    def close_all(cls) -> None:
        """Close every open store (tests, and before a process forks)."""
        with cls._open_lock:
            for store in cls._open.values():
                store._close()
            cls._open.clear()

    def close(self) -> None:
        with self._open_lock:
            self._open.pop(self.path.resolve(), None)
            self._close()

    def _close(self) -> None:
        self.env.close()
        if self._writer_lock_file is not None:
            self._writer_lock_file.close()

    def _take_writer_lock(self) -> None:
        lock = open(self.path / "writer.lock", "a+")  # noqa: SIM115 (held for the store's life)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            lock.close()
            raise IndexError_(f"{self.path} is being written by {holder}; one indexer per data dir") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}")
        lock.flush()
        self._writer_lock_file = lock

    def _init_meta(self) -> None:
        with self.write() as txn:
            version = txn.get(b"schema_version", db=self.dbs["meta"])
            if version is None:
                txn.put(b"schema_version", str(SCHEMA_VERSION).encode(), db=self.dbs["meta"])
            elif int(version) != SCHEMA_VERSION:
                raise IndexError_(f"{self.path} holds schema {int(version)}, expected {SCHEMA_VERSION}")

    def _check_version(self) -> None:
        with self.read() as txn:
            version = txn.get(b"schema_version", db=self.dbs["meta"])
        if version is not None and int(version) != SCHEMA_VERSION:
            raise IndexError_(f"{self.path} holds schema {int(version)}, expected {SCHEMA_VERSION}")

    # Transactions. Readers and the map-growing writer exclude each other within this process
    # (LMDB's set_mapsize needs no live transaction here); other processes are told by LMDB
    # through MapResizedError and adopt the new size.

    @contextmanager
    def read(self) -> Iterator[lmdb.Transaction]:
        with self._resizing:
            self._readers += 1
        try:
            try:
                txn = self.env.begin()
            except lmdb.MapResizedError:
                self.env.set_mapsize(0)
                txn = self.env.begin()
            with txn:
                yield txn
        finally:
            with self._resizing:
                self._readers -= 1
                self._resizing.notify_all()

    @contextmanager
    def write(self) -> Iterator[lmdb.Transaction]:
        if not self.writable:
            raise IndexError_("this store is open read-only")
        with self.env.begin(write=True) as txn:
            yield txn

    def write_with_growth(self, work: Callable[[lmdb.Transaction], T]) -> T:
        """Run `work` in one write transaction; on MapFullError double the map and run it again."""
        while True:
            try:
                with self.write() as txn:
                    return work(txn)
            except lmdb.MapFullError:
                self._grow()

    def _grow(self) -> None:
        with self._resizing:
            while self._readers:
                self._resizing.wait()
            self.env.set_mapsize(self.env.info()["map_size"] * 2)

    def map_usage(self) -> tuple[int, int]:
        """(bytes used, map size)."""
        info = self.env.info()
        return (info["last_pgno"] + 1) * self.env.stat()["psize"], info["map_size"]

    # Small helpers shared by the writer and the readers.

    def repos(self, txn: lmdb.Transaction) -> dict[str, RepoInfo]:
        return {key.decode(): RepoInfo.from_json(value) for key, value in txn.cursor(db=self.dbs["repos"])}

    def file_meta(self, txn: lmdb.Transaction, fid: int) -> FileMeta | None:
        data = txn.get(FID.pack(fid), db=self.dbs["files"])
        return FileMeta.from_bytes(data, fid) if data is not None else None

    def fid_of(self, txn: lmdb.Transaction, repo: str, path: str) -> int | None:
        data = txn.get(path_key(repo, path), db=self.dbs["paths"])
        return int(FID.unpack(data)[0]) if data is not None else None


def outdated_index(data_dir: Path) -> Path | None:
    """The newest index of an older schema, when the current schema has none yet."""
    if index_dir(data_dir).exists():
        return None
    older = {v: p for v, p in index_versions(data_dir).items() if v < SCHEMA_VERSION}
    return older[max(older)] if older else None


def check_not_newer(data_dir: Path) -> None:
    """Refuse a data dir whose index is of a newer format than this binary reads (nothing is deleted)."""
    newer = [v for v in index_versions(data_dir) if v > SCHEMA_VERSION]
    if newer and not index_dir(data_dir).exists():
        raise UsageError(
            f"the index in {data_dir} is of format {max(newer)}, written by a newer appliance; this "
            f"one reads format {SCHEMA_VERSION}: upgrade it, or use another --data directory"
        )


def repo_roots(path: Path) -> dict[str, str]:
    """Repository names and roots of any index version (the `repos` records keep these two keys)."""
    env = lmdb.open(str(path), readonly=True, lock=False, max_dbs=MAX_DBS)
    try:
        with env.begin() as txn:
            repos = env.open_db(b"repos", txn=txn, create=False)
            return {key.decode(): json.loads(value)["root"] for key, value in txn.cursor(db=repos)}
    finally:
        env.close()


def remove_old_versions(data_dir: Path) -> None:
    """Delete index directories of older schema versions (after the current one is complete);
    a newer version's index is never touched."""
    for version, old in index_versions(data_dir).items():
        if version < SCHEMA_VERSION:
            shutil.rmtree(old, ignore_errors=True)
