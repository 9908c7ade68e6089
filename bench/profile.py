#!/usr/bin/env python3
"""Profile the engine with py-spy: where indexing time goes, and where query time goes.

    python bench/profile.py index [--corpus mid]     py-spy over `appliance index` (writer and workers)
    python bench/profile.py query [--corpus mid]     py-spy over a loop of the engine.py queries

py-spy (`pip install py-spy`, a bench tool, not a project dependency) samples every process and
thread, idle ones too, so the counts are wall-clock time per thread. Each sample is put in one
phase by the innermost frame that a rule below recognises (walk, tree-sitter, trigrams, the
postings merge, the LMDB commit, waiting...); the report gives the phases per role (the indexing
process's threads, the pool workers), then the hottest functions (inclusive) and source lines
(self). The raw stacks stay in bench/results/ for flame graphs (flamegraph.pl, speedscope).
"""

from __future__ import annotations

import argparse
import json
import linecache
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPORA = {"mid": BENCH / ".corpus" / "linux-mid", "full": BENCH / ".corpus" / "linux"}
VENV_BIN = Path(sys.executable).parent

# (phase, file suffix, function names or () for any), tried from the innermost frame outwards.
RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("idle: waiting", "threading.py", ("wait", "_wait_for_tstate_lock", "join", "acquire")),
    ("idle: waiting", "queue.py", ("get",)),
    ("idle: waiting", "selectors.py", ("select",)),
    ("idle: waiting", "connection.py", ("wait", "_poll", "poll")),
    ("idle: waiting", "multiprocessing/queues.py", ("get",)),
    ("idle: waiting", "concurrent/futures/_base.py", ("wait",)),
    ("results: pickle/unpickle", "multiprocessing/connection.py", ("recv_bytes", "_recv_bytes",
                                                                    "send_bytes")),
    ("results: pickle/unpickle", "multiprocessing/reduction.py", ()),
    ("results: pickle/unpickle", "concurrent/futures/process.py", ("_sendback_result", "result_reader")),
    ("walk", "index/walker.py", ()),
    ("extract: tree-sitter parse+query", "index/symbols.py", ()),
    ("extract: tree-sitter parse+query", "index/languages.py", ()),
    ("extract: trigrams", "index/trigrams.py", ()),
    ("extract: pack symbol records", "index/records.py", ()),
    ("extract: read, NUL check, zlib, split", "index/extract.py", ()),
    ("writer: posting lists merge", "index/writer.py", ("apply", "_grouped", "change")),
    ("writer: files, content, symbol puts", "index/writer.py", ()),
    ("writer: LMDB commit", "index/store.py", ("write", "write_with_growth")),
    ("store", "index/store.py", ()),
    ("indexer: plan, batch, metrics", "index/indexer.py", ()),
    ("start-up: imports", "<frozen importlib._bootstrap>", ()),
    ("start-up: plugins", "appliance/plugins/", ()),
    ("search: plan", "index/plan.py", ()),
    ("search: verify, match lines", "index/search.py", ("matching_lines", "_match", "_text")),
    ("search: candidates (postings)", "index/search.py", ("_candidates",)),
    ("search: content cache (zlib)", "index/search.py", ("get",)),
    ("search: other", "index/search.py", ()),
    ("lookup", "index/lookup.py", ()),
]


def frame_parts(frame: str) -> tuple[str, str, int]:
    """'func (path/file.py:12)' -> (func, path/file.py, 12)."""
    func, _, where = frame.rpartition(" (")
    path, _, line = where.rstrip(")").rpartition(":")
    return func, path, int(line) if line.isdigit() else 0


def phase(frames: list[str]) -> str:
    for frame in reversed(frames):
        func, path, _ = frame_parts(frame)
        for name, suffix, funcs in RULES:
            in_file = path.endswith(suffix) or (suffix.endswith("/") and suffix in path)
            if in_file and (not funcs or func.rsplit(".", 1)[-1] in funcs):
                return name
    leaf = frame_parts(frames[-1]) if frames else ("?", "?", 0)
    return f"other: {leaf[0]} ({Path(leaf[1]).name})"


def role(processes: list[str], thread: str) -> str:
    command = processes[-1] if processes else ""
    if "multiprocessing" in command and "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command:
        return "pool worker"
    return f"main process, {thread}"


def analyse(raw: Path, top: int) -> dict[str, Any]:
    phases: dict[str, Counter[str]] = defaultdict(Counter)
    inclusive: dict[str, Counter[str]] = defaultdict(Counter)
    self_lines: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        parts = stack.split(";")
        processes = [p for p in parts if p.startswith("process ")]
        threads = [p.split(": ", 1)[-1] for p in parts if p.startswith("thread (")]
        frames = [p for p in parts if not p.startswith(("process ", "thread ("))]
        who = role(processes, threads[0] if threads else "?")
        who = "pool workers" if who == "pool worker" else who
        totals[who] += count
        phases[who][phase(frames)] += count
        for func in {f"{frame_parts(f)[0]} ({frame_parts(f)[1]})" for f in frames}:
            inclusive[who][func] += count
        if frames:
            func, path, number = frame_parts(frames[-1])
            self_lines[who][f"{path}:{number} {func}"] += count
    report: dict[str, Any] = {}
    for who, total in totals.most_common():
        report[who] = {
            "samples": total,
            "phases": {k: round(100 * v / total, 1) for k, v in phases[who].most_common()},
            "inclusive": {k: round(100 * v / total, 1) for k, v in inclusive[who].most_common(top)},
            "self_lines": {k: round(100 * v / total, 1) for k, v in self_lines[who].most_common(top)},
        }
    return report


def source(where: str) -> str:
    """The source text of 'path:line func' (relative paths resolved against sys.path)."""
    path, _, rest = where.partition(":")
    number = int(rest.split(" ", 1)[0]) if rest.split(" ", 1)[0].isdigit() else 0
    for base in ["", *sys.path]:
        full = os.path.join(base, path) if base else path
        if os.path.exists(full):
            return linecache.getline(full, number).strip()
    return ""


def print_report(report: dict[str, Any], rate: int) -> None:
    for who, r in report.items():
        print(f"\n== {who}: {r['samples']} samples ({r['samples'] / rate:.0f} s of wall time) ==")
        print("phases:")
        for name, pct in r["phases"].items():
            if pct >= 0.5:
                print(f"  {pct:5.1f}%  {name}")
        print("hottest functions (inclusive):")
        for name, pct in list(r["inclusive"].items())[:12]:
            print(f"  {pct:5.1f}%  {name}")
        print("hottest lines (self):")
        for where, pct in list(r["self_lines"].items())[:12]:
            print(f"  {pct:5.1f}%  {where}    {source(where)[:70]}")


QUERY_LOOP = """
import sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from engine import QUERIES
from appliance.index.store import Store
from appliance.index.search import Searcher, SearchQuery, MAX_LIMIT
from appliance.index.lookup import Lookup, SymbolQuery
store = Store.open(Path({data!r}))
classes = set({classes!r})
deadline = time.monotonic() + {seconds}
while time.monotonic() < deadline:
    for q in QUERIES:
        if classes and q.cls not in classes:
            continue
        if q.cls == "symbol":
            Lookup(store).symbols(SymbolQuery(q.pattern))
        else:
            # a fresh Searcher: no content cache carried over, each query pays its own decompression
            limit = 100 if q.cls == "common" else MAX_LIMIT
            Searcher(store).search(SearchQuery(q.pattern, regex=q.regex, limit=limit, budget_seconds=600))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("index", "query"))
    parser.add_argument("--corpus", default="mid", help="mid, full or a folder (default mid)")
    parser.add_argument("--data", type=Path, default=None,
                        help="index: data dir to build (default bench/.corpus/profile-CORPUS, emptied); "
                        "query: data dir to read (default bench/.corpus/index-CORPUS)")
    parser.add_argument("--rate", type=int, default=50, help="samples per second and thread (50)")
    parser.add_argument("--seconds", type=float, default=60, help="query: how long to loop (60)")
    parser.add_argument("--classes", default="selective,moderate,regex",
                        help="query: comma-separated query classes (default selective,moderate,regex)")
    parser.add_argument("--top", type=int, default=25, help="functions and lines kept per role (25)")
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy", path=f"{VENV_BIN}:{os.environ.get('PATH', '')}")
    if py_spy is None:
        raise SystemExit("profile: py-spy is not installed: .venv/bin/pip install py-spy")
    root = CORPORA.get(args.corpus, Path(args.corpus)).resolve()
    name = args.corpus if args.corpus in CORPORA else root.name
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    raw = results / f"profile-{args.what}-{name}.txt"
    record = [py_spy, "record", "--subprocesses", "--idle", "--threads", "--format", "raw",
              "--rate", str(args.rate), "-o", str(raw), "--"]
    if args.what == "index":
        data = (args.data or BENCH / ".corpus" / f"profile-{name}").resolve()
        shutil.rmtree(data, ignore_errors=True)
        target = [str(VENV_BIN / "appliance"), "index", f"{root}=linux", "--data", str(data), "--json"]
    else:
        data = (args.data or BENCH / ".corpus" / f"index-{name}").resolve()
        code = QUERY_LOOP.format(bench=str(BENCH), data=str(data), seconds=args.seconds,
                                 classes=[c for c in args.classes.split(",") if c])
        target = [sys.executable, "-c", code]
    print(f"profile: {' '.join(record[:-1])} -- {' '.join(target[:4])} ...", file=sys.stderr)
    started = time.monotonic()
    subprocess.run([*record, *target], check=True, stdout=subprocess.DEVNULL if args.json else None)
    wall = round(time.monotonic() - started, 1)
    report = {"what": args.what, "corpus": name, "rate": args.rate, "wall_seconds": wall, "raw": str(raw),
              "roles": analyse(raw, args.top)}
    (results / f"profile-{args.what}-{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{args.what} on {name}: {report['wall_seconds']} s under py-spy; raw stacks in {raw}")
        print_report(report["roles"], args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
