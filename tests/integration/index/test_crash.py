"""kill -9 in the middle of indexing: the index on disk stays consistent, and a rerun finishes it.

The indexer runs as `python -m appliance index REPO --data D --workers 1` in a child process. Its
batches are sized for throughput (20,000 files or 64 MiB per write transaction), so a repository
of a few thousand small files would be one batch; the child lowers `BATCH_FILES` before running
the very same module, to commit every few hundred files. The test polls the index (read-only,
as the server does) until a batch has committed, kills the child with SIGKILL, checks the index,
reruns the plain command to completion and compares search results with ripgrep's.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import lmdb
import numpy as np
import pytest
from prometheus_client import CollectorRegistry
from pyroaring import BitMap

from appliance.errors import ApplianceError
from appliance.index.search import MAX_LIMIT, Searcher, SearchQuery
from appliance.index.store import FID, FileMeta, RepoInfo, Store
from appliance.metrics import Metrics

pytestmark = pytest.mark.slow

FILES = 3000
BATCH_FILES = 250
RUN_WITH_SMALL_BATCHES = (
    "import runpy, sys; import appliance.index.indexer as indexer; "
    f"indexer.BATCH_FILES = {BATCH_FILES}; "
    "sys.argv = ['appliance', *sys.argv[1:]]; runpy.run_module('appliance', run_name='__main__')"
)
PATTERNS = [("fetch_row", False, False), ("class Store", False, True), (r"def \w+_7\(", True, False),
            (r"^\s+return [a-z]+\.[a-z]+\(7\)$", True, False), ("Ünïcödé", False, True)]  # fmt: skip


def generate(root: Path, files: int) -> None:
    rng = random.Random(20241124)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
        for _ in range(400)
    ]
    for i in range(files):
        folder = root / f"pkg{i % 30:02}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 3 == 0:
            lines = [
                f"{rng.choice(words)} {rng.choice(words).upper()} {rng.randrange(1000)}\n" for _ in range(40)
            ]
            lines[rng.randrange(40)] = "Ünïcödé line\n"
            (folder / f"notes{i:04}.txt").write_text("".join(lines), encoding="utf-8")
            continue
        defs = []
        for n in range(8):
            name, arg = rng.choice(words), rng.choice(words)
            defs.append(f"def {name}_{n}({arg}):\n    return {arg}.{rng.choice(words)}({n})\n\n")
        defs.append(f"class Store{i}:\n    def fetch_row(self, key):\n        return key\n")
        (folder / f"mod{i:04}.py").write_text("".join(defs), encoding="utf-8")


def repo_info(data: Path, repo: str) -> RepoInfo | None:
    """The repository's record as a reader sees it now, or None before the index exists.

    lmdb.NotFoundError comes in the writer's first moments, before its databases exist (a store.py
    bug: test_store.py's test_a_reader_arriving_while_the_first_writer_creates_the_index...)."""
    try:
        store = Store.open(data)
    except (ApplianceError, lmdb.NotFoundError):
        return None
    with store.read() as txn:
        return store.repos(txn).get(repo)


def check_consistent(store: Store) -> int:
    """Every paths entry has its files and content records; every segment of postings, every
    name and every symbol blob names a file that exists (nothing is deleted here); the
    repository's count is its files'. Returns that count."""
    db = store.dbs
    with store.read() as txn:
        fids = {FID.unpack(v)[0] for v in txn.cursor(db=db["paths"]).iternext(keys=False)}
        for fid in fids:
            for name in ("files", "content"):
                assert txn.get(FID.pack(fid), db=db[name]) is not None, f"file {fid} has no {name} record"
        metas = [FileMeta.from_bytes(v) for v in txn.cursor(db=db["files"]).iternext(keys=False)]
        assert len(metas) == len(fids), "files records without a path"
        for segment, written in txn.cursor(db=db["segments"]):
            assert BitMap.deserialize(written) <= BitMap(fids), f"segment {segment!r} names a missing file"
        for name in ("defs", "refs"):
            for value in txn.cursor(db=db[name]).iternext(keys=False):
                assert set(np.frombuffer(value, dtype=">u4").tolist()) <= fids, f"{name} names a missing file"
        for key in txn.cursor(db=db["symbols"]).iternext(values=False):
            assert FID.unpack(key[:4])[0] in fids, "symbols of a missing file"
        [info] = store.repos(txn).values()
        assert (info.files, info.symbols) == (len(metas), sum(m.symbols for m in metas))
        return len(metas)


def ripgrep(rg: str, root: Path, pattern: str, regex: bool, ignore_case: bool) -> set[tuple[str, int, int]]:
    argv = [rg, "--no-config", "--no-require-git", "--hidden", "--json", *(["-i"] if ignore_case else [])]
    argv += ["-e", pattern] if regex else ["-F", "-e", pattern]
    out = subprocess.run([*argv, "."], cwd=root, capture_output=True, timeout=120, check=False)
    assert out.returncode in (0, 1), out.stderr
    hits = set()
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "match":
            data = message["data"]
            hits.add(
                (
                    data["path"]["text"].removeprefix("./"),
                    data["line_number"],
                    data["submatches"][0]["start"] + 1,
                )
            )
    return hits


def test_a_killed_indexer_leaves_a_consistent_index_and_a_rerun_completes(tmp_path: Path) -> None:
    rg = shutil.which("rg")
    if rg is None and os.environ.get("CI") == "true":
        pytest.fail("ripgrep (rg) is not installed, and CI=true requires it")
    repo, data = tmp_path / "repo", tmp_path / "data"
    generate(repo, FILES)
    command = ["index", str(repo), "--data", str(data), "--workers", "1"]

    log = tmp_path / "indexer.stderr"
    with log.open("wb") as stderr:
        child = subprocess.Popen([sys.executable, "-c", RUN_WITH_SMALL_BATCHES, *command], stderr=stderr)
    deadline = time.monotonic() + 300
    try:
        while (info := repo_info(data, "repo")) is None or info.files == 0:
            with contextlib.suppress(subprocess.TimeoutExpired):  # the child's exit, or 50 ms: no busy loop
                child.wait(timeout=0.05)
            assert child.returncode is None, f"the indexer ended before a batch was seen: {log.read_text()}"
            assert time.monotonic() < deadline, "no batch committed in 300 s"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.returncode is None:
            child.kill()
            child.wait()

    Store.close_all()
    committed = check_consistent(Store.open(data))
    assert 0 < committed < FILES, f"{committed} files: the kill came after the end"
    Store.close_all()

    rerun = subprocess.run(
        [sys.executable, "-m", "appliance", *command, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["unchanged"] == committed  # what the killed run committed is not parsed again
    assert summary["indexed"] == FILES - committed
    store = Store.open(data)
    assert check_consistent(store) == FILES

    if rg is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ripgrep (rg) is not installed, and CI=true requires it")
        pytest.skip("ripgrep (rg) is not installed: the index is consistent, results not compared")
    searcher = Searcher(store, Metrics(CollectorRegistry()))
    for pattern, regex, ignore_case in PATTERNS:
        query = SearchQuery(
            pattern, regex=regex, ignore_case=ignore_case, limit=MAX_LIMIT, budget_seconds=600
        )
        result = searcher.search(query)
        assert result.complete and result.total == len(result.matches) < MAX_LIMIT
        found = {(m.path, m.line, m.column) for m in result.matches}
        assert found == ripgrep(rg, repo, pattern, regex, ignore_case), pattern
        assert found, pattern
    Store.close_all()
