from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import lmdb
import pytest

from appliance.errors import ApplianceError, IndexError_, UsageError
from appliance.index import store as store_module
from appliance.index.store import (
    SCHEMA_VERSION,
    FileMeta,
    RepoInfo,
    Store,
    building_dir,
    index_dir,
    path_key,
    remove_old_versions,
)


def test_a_new_store_holds_the_schema_version(tmp_path: Path) -> None:
    store = Store.open(tmp_path, writable=True)
    assert store.path == index_dir(tmp_path) == tmp_path / f"index.v{SCHEMA_VERSION}"
    with store.read() as txn:
        assert txn.get(b"schema_version", db=store.dbs["meta"]) == str(SCHEMA_VERSION).encode()


def test_data_survives_a_reopen(tmp_path: Path) -> None:
    store = Store.open(tmp_path, writable=True)
    with store.write() as txn:
        txn.put(b"r", RepoInfo("r", "/src/r", files=3).to_json(), db=store.dbs["repos"])
    Store.close_all()
    reopened = Store.open(tmp_path)
    assert not reopened.writable
    with reopened.read() as txn:
        assert reopened.repos(txn) == {"r": RepoInfo("r", "/src/r", files=3)}


def test_one_store_per_path_per_process(tmp_path: Path) -> None:
    writable = Store.open(tmp_path, writable=True)
    assert Store.open(tmp_path) is writable  # a reader gets the open writable store
    Store.close_all()
    Store.open(tmp_path)
    with pytest.raises(IndexError_, match="read-only in this process"):
        Store.open(tmp_path, writable=True)


def test_a_read_only_store_refuses_writes(tmp_path: Path) -> None:
    Store.open(tmp_path, writable=True)
    Store.close_all()
    with pytest.raises(IndexError_, match="read-only"), Store.open(tmp_path).write():
        pass


def test_no_index_yet_is_a_clear_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no index in .* yet: run `appliance index PATH` first"):
        Store.open(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()  # a reader creates nothing


def write_schema_version(data: Path, version: int) -> None:
    store = Store.open(data, writable=True)
    with store.write() as txn:
        txn.put(b"schema_version", str(version).encode(), db=store.dbs["meta"])
    Store.close_all()


def test_a_reader_arriving_while_the_first_writer_creates_the_index_gets_a_clear_error(
    tmp_path: Path,
) -> None:
    """The writer's first moments: data.mdb exists, its databases do not yet. A reader (the
    server, started beside the indexer on a fresh data dir) must get the appliance's own error,
    not lmdb.NotFoundError from mdb_dbi_open."""
    env = lmdb.open(str(index_dir(tmp_path)), max_dbs=16)  # the environment, no database yet
    env.close()
    with pytest.raises(ApplianceError, match="index"):
        Store.open(tmp_path)


def test_another_schema_version_is_refused(tmp_path: Path) -> None:
    write_schema_version(tmp_path, SCHEMA_VERSION + 1)
    with pytest.raises(IndexError_, match=f"holds schema {SCHEMA_VERSION + 1}, expected {SCHEMA_VERSION}"):
        Store.open(tmp_path)


OPEN_FOR_WRITING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from appliance.errors import IndexError_
    from appliance.index.store import Store
    try:
        Store.open(Path(sys.argv[1]), writable=True)
    except IndexError_ as e:
        print(e)
        sys.exit(3)
    print("opened")
    """
)


def open_in_another_process(data: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", OPEN_FOR_WRITING, str(data)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_a_second_writer_in_another_process_is_refused_clearly(tmp_path: Path) -> None:
    Store.open(tmp_path, writable=True)
    other = open_in_another_process(tmp_path)
    assert other.returncode == 3, other.stderr
    assert f"is being written by pid {os.getpid()}; one indexer per data dir" in other.stdout


def test_a_writable_open_refused_for_its_schema_releases_the_writer_lock(tmp_path: Path) -> None:
    """The refused open must close what it opened: the lock file (else another indexer is told
    the data dir is busy while nothing writes it) and the LMDB environment."""
    write_schema_version(tmp_path, SCHEMA_VERSION + 1)
    with pytest.raises(IndexError_, match="holds schema") as refused:
        Store.open(tmp_path, writable=True)
    other = open_in_another_process(tmp_path)  # while the exception (and its frames) live on
    assert "holds schema" in other.stdout, other.stdout
    del refused


def test_the_writer_lock_goes_with_the_store(tmp_path: Path) -> None:
    Store.open(tmp_path, writable=True)
    Store.close_all()
    other = open_in_another_process(tmp_path)
    assert (other.returncode, other.stdout.strip()) == (0, "opened"), other.stderr


def test_a_full_map_grows_and_the_write_goes_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "INITIAL_MAP_SIZE", 1 << 20)  # a real, small map: 1 MiB
    store = Store.open(tmp_path, writable=True)
    _, size_before = store.map_usage()
    blob = bytes(range(256)) * 1024  # 256 KiB, incompressible for LMDB (it does not compress)

    def fill(txn: lmdb.Transaction) -> int:
        for i in range(16):  # 4 MiB in one transaction
            txn.put(b"k%d" % i, blob, db=store.dbs["content"])
        return 16

    assert store.write_with_growth(fill) == 16
    _, size_after = store.map_usage()
    assert size_after >= 4 * size_before
    with store.read() as txn:
        assert txn.get(b"k15", db=store.dbs["content"]) == blob


def test_old_schema_directories_are_removed(tmp_path: Path) -> None:
    Store.open(tmp_path, writable=True)
    (tmp_path / "index-v0").mkdir()
    (tmp_path / "index-v0" / "data.mdb").write_bytes(b"old")
    remove_old_versions(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [index_dir(tmp_path).name]


def test_file_meta_round_trips_any_path() -> None:
    path = b"dir/caf\xe9.txt".decode("utf-8", "surrogateescape")  # a Latin-1 file name
    meta = FileMeta("r", path, "python", 10, 123, 2, "abc")
    assert FileMeta.from_bytes(meta.to_bytes()) == meta
    assert path_key("r", path) == b"r\0dir/caf\xe9.txt"


def make_v1_index(data: Path, repos: dict[str, str]) -> Path:
    """An index directory as the version-1 binary leaves it: what a rebuild reads of it (the
    `repos` records with their roots, and the schema version) in an LMDB environment."""
    path = data / "index-v1"
    env = lmdb.open(str(path), max_dbs=16)
    with env.begin(write=True) as txn:
        meta, repo_db = env.open_db(b"meta", txn=txn), env.open_db(b"repos", txn=txn)
        txn.put(b"schema_version", b"1", db=meta)
        for name, root in repos.items():
            txn.put(name.encode(), RepoInfo(name, root, files=1).to_json(), db=repo_db)
    env.close()
    return path


def test_a_reader_of_a_v1_data_dir_is_told_to_rebuild(tmp_path: Path) -> None:
    make_v1_index(tmp_path, {"r": "/src/r"})
    with pytest.raises(UsageError, match=r"of an older format; run `appliance index` \(or `serve`\) once"):
        Store.open(tmp_path)
    assert (tmp_path / "index-v1" / "data.mdb").exists()  # nothing deleted


def test_a_data_dir_of_a_newer_format_is_refused_and_kept(tmp_path: Path) -> None:
    newer = tmp_path / f"index.v{SCHEMA_VERSION + 1}"
    newer.mkdir(parents=True)
    (newer / "data.mdb").write_bytes(b"from the future")
    for writable in (False, True):
        with pytest.raises(UsageError, match=f"of format {SCHEMA_VERSION + 1}, written by a newer appliance"):
            Store.open(tmp_path, writable=writable)
    remove_old_versions(tmp_path)
    assert (newer / "data.mdb").read_bytes() == b"from the future"
    assert sorted(p.name for p in tmp_path.iterdir()) == [newer.name]


def test_the_v1_binary_would_not_touch_a_v2_index(tmp_path: Path) -> None:
    """The version-1 binary deletes every `index-v*` folder but its own when it rebuilds: the
    current format's folder must not match that pattern."""
    Store.open(tmp_path, writable=True)
    assert not list(tmp_path.glob("index-v*"))


def test_a_reader_during_the_rebuild_is_told_so(tmp_path: Path) -> None:
    make_v1_index(tmp_path, {"r": "/src/r"})
    building_dir(tmp_path).mkdir()
    with pytest.raises(UsageError, match=f"being rebuilt for format {SCHEMA_VERSION}; it answers again"):
        Store.open(tmp_path)
