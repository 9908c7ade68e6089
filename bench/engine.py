#!/usr/bin/env python3
"""The engine benchmark: index the Linux kernel, then time queries side by side with ripgrep.

One run measures, on warm caches:
  index   `appliance index` into a fresh data dir: wall time, files/s, MB/s, the peak RSS of the
          whole process tree (writer + pool workers, sampled from /proc), CPU split between the
          writer process and the workers, and the index size on disk against the corpus size;
  search  the first page (50 matches, counting within the default budget) in process, warm (one
          Searcher) and cold (a new Searcher, the page cache dropped where permitted); the exact
          count in process and through `appliance search --count` (Python start-up included),
          in turn with `rg --count` with equivalent flags; whether the counts, and for all but the
          common literals the set of (path, line) matches, equal ripgrep's;
  symbol  `Lookup.symbols` in process and `appliance symbol --json`, with an `rg -w` count and
          time for information (a word match is not a definition, so these are not compared).

With `--baseline DIR` (a checkout of the earlier engine), that engine indexes the same corpus in
the same run, and its counts are timed beside these.

Run `python bench/corpus.py` first. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPORA = {"mid": BENCH / ".corpus" / "linux-mid", "full": BENCH / ".corpus" / "linux"}
VENV_BIN = Path(sys.executable).parent
APPLIANCE = str(VENV_BIN / "appliance") if (VENV_BIN / "appliance").exists() else "appliance"
REPO_NAME = "linux"
MAX_FILE_SIZE = 1 << 20  # the walker's default, and rg --max-filesize 1M
BIG_BUDGET = 600.0  # seconds: every query runs to completion, so counts are comparable with rg's
PAGE = 50  # the first page an agent asks for

# ripgrep as the appliance walks: .gitignore/.ignore honoured outside a git repo too, but none of the
# ignore files *above* the corpus (this repository's .gitignore ignores bench/.corpus/) and no global
# git excludes; hidden files skipped, symbolic links not followed, files over 1 MiB skipped.
RG = ["rg", "--no-require-git", "--no-ignore-parent", "--no-ignore-global", "--max-filesize", "1M",
      "--no-config", "--color", "never"]


@dataclass(frozen=True)
class Query:
    cls: str  # selective, moderate, common, regex, symbol
    pattern: str
    regex: bool = False


QUERIES = [
    # literals found in few files (tens at most in the whole kernel)
    *(Query("selective", p) for p in (
        "kmem_cache_alloc_node", "copy_from_user_nofault", "rcu_read_lock_bh_held",
        "__GFP_RETRY_MAYFAIL", "percpu_ref_tryget_live",
    )),
    # a literal in thousands of files: how latency grows with the candidate count
    Query("moderate", "spin_lock_irqsave(&"),
    # literals on most files (about a million matching lines in the whole kernel): counted, not listed
    *(Query("common", p) for p in ("return", "struct", "#include")),
    # regexes whose required literals the planner can use
    *(Query("regex", p, True) for p in (
        r"spin_lock_irq(save|restore)", r"kmalloc\(.*GFP_KERNEL", r"struct \w+_operations \w+ = \{",
        r"mutex_(lock|unlock)\(&\w+->lock\)", r"EXPORT_SYMBOL(_GPL)?\(kmem_cache_\w+\)",
    )),
    # files where ripgrep and the index may part: a UTF-8 BOM before line 1 (rg strips it, so `^` matches
    # there), Latin-1 bytes in keymap files (is `.` an invalid UTF-8 byte?). Tells what happens, not a target.
    Query("edge", r"^Copyright 2004 Linus", True),
    Query("edge", r"compose '.' 'A' to '.'$", True),
    *(Query("symbol", p) for p in (
        "kmalloc", "task_struct", "schedule", "spin_lock_irqsave", "inode_operations",
    )),
]


def log(message: str) -> None:
    print(f"engine: {message}", file=sys.stderr, flush=True)


# --- timing helpers -------------------------------------------------------------------------

@dataclass
class Timings:
    wall: list[float]
    cpu: list[float]  # CPU seconds of this process, or of the subprocesses waited for (all threads)

    def add(self, other: Timings) -> None:
        self.wall += other.wall
        self.cpu += other.cpu


def summarize(t: Timings) -> dict[str, Any]:
    """Median and p95 (nearest rank) of the wall times in milliseconds, and the median CPU time.

    The CPU time does not grow when other processes compete for the cores, the wall time does:
    on a shared machine the CPU figures are the steadier comparison (ripgrep runs 2 threads, so
    its CPU time is up to twice its wall time on an idle machine)."""
    ordered = sorted(t.wall)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered), "median_ms": round(statistics.median(ordered) * 1e3, 3),
        "p95_ms": round(p95 * 1e3, 3), "min_ms": round(ordered[0] * 1e3, 3),
        "cpu_median_ms": round(statistics.median(t.cpu) * 1e3, 3),
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Any], reps: int, warmup: int = 1) -> tuple[Timings, Any]:
    """Run fn warmup times untimed, then reps times timed (wall, and CPU of this process + children)."""
    result = None
    for _ in range(warmup):
        result = fn()
    t = Timings([], [])
    for _ in range(reps):
        cpu = time.process_time() + children_cpu()
        started = time.perf_counter()
        result = fn()
        t.wall.append(time.perf_counter() - started)
        t.cpu.append(time.process_time() + children_cpu() - cpu)
    return t, result


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> bytes:
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL, check=False, env=env).stdout


# --- the corpus ---------------------------------------------------------------------------------

def tree_stats(root: Path) -> dict[str, int]:
    """Every regular file under root (hidden and ignored ones too; symbolic links not followed)."""
    files = size = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            st = os.lstat(os.path.join(folder, name))
            if not os.path.islink(os.path.join(folder, name)):
                files += 1
                size += st.st_size
    return {"files": files, "bytes": size}


def rg_files(root: Path) -> list[str]:
    out = run([*RG, "--files", "--null", "."], cwd=root)
    return [os.fsdecode(p).removeprefix("./") for p in out.split(b"\0") if p]


# --- indexing -----------------------------------------------------------------------------------

class TreeSampler(threading.Thread):
    """Samples RSS and CPU time of a process and all its descendants from /proc.

    RSS is summed over the tree (the writer plus every pool worker alive at that moment), split
    into anonymous memory (heaps: what the index costs) and file-backed pages (mapped LMDB pages
    and shared libraries, reclaimable). CPU time is the last value seen for each process."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop = threading.Event()
        self.peak = {"rss": 0, "anon": 0, "file": 0, "processes": 0}
        self.peak_parent = 0
        self.peak_worker = 0
        self.cpu: dict[int, tuple[bool, float]] = {}  # pid -> (is the parent, cpu seconds)
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.samples = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)

    def descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def sample(self) -> None:
        total = {"rss": 0, "anon": 0, "file": 0, "processes": 0}
        for pid in self.descendants():
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            rss = int(status.get("VmRSS", "0 kB").split()[0]) * 1024
            total["rss"] += rss
            total["anon"] += int(status.get("RssAnon", "0 kB").split()[0]) * 1024
            total["file"] += int(status.get("RssFile", "0 kB").split()[0]) * 1024
            total["processes"] += 1
            if pid == self.pid:
                self.peak_parent = max(self.peak_parent, rss)
            else:
                self.peak_worker = max(self.peak_worker, rss)
            self.cpu[pid] = (pid == self.pid, (int(fields[11]) + int(fields[12])) / self.ticks)
        self.samples += 1
        if total["rss"] > self.peak["rss"]:
            self.peak = total


def system_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every process, all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def du(path: Path) -> dict[str, int]:
    apparent = allocated = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            st = os.lstat(os.path.join(folder, name))
            apparent += st.st_size
            allocated += st.st_blocks * 512
    return {"apparent_bytes": apparent, "allocated_bytes": allocated}


def lmdb_breakdown(data_dir: Path) -> dict[str, Any]:
    """Bytes of pages per LMDB database, and entries."""
    from appliance.index.store import Store

    store = Store.open(data_dir)
    out: dict[str, Any] = {}
    with store.read() as txn:
        for name, db in store.dbs.items():
            s = txn.stat(db)
            pages = s["branch_pages"] + s["leaf_pages"] + s["overflow_pages"]
            out[name] = {"bytes": pages * s["psize"], "entries": s["entries"]}
    used, size = store.map_usage()
    out["_used_bytes"], out["_map_size"] = used, size
    # pages below the high-water mark that no database holds: LMDB's free list (old versions of
    # posting lists rewritten by later batches) and its own bookkeeping
    out["_free_bytes"] = used - sum(v["bytes"] for k, v in out.items() if not k.startswith("_"))
    out["free_ratio"] = round(out["_free_bytes"] / used, 4) if used else 0.0
    return out


def index_corpus(
    root: Path, data_dir: Path, workers: int | None, engine: Path | None = None
) -> dict[str, Any]:
    """Index `root` into an empty `data_dir`, with this checkout's engine or the one in `engine`."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    prefix = [sys.executable, "-m", "appliance"] if engine else [APPLIANCE]
    cmd = [*prefix, "index", f"{root}={REPO_NAME}", "--data", str(data_dir), "--json"]
    if workers:
        cmd += ["--workers", str(workers)]
    log(f"indexing: {' '.join(cmd)}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = system_busy_seconds()
    started = time.perf_counter()
    # `python -m` puts the working directory first on sys.path: run the other engine from its checkout
    env = {**os.environ, "PYTHONPATH": str(engine)} if engine else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, cwd=engine)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = system_busy_seconds() - busy_before
    if proc.returncode != 0:
        raise SystemExit(f"engine: indexing failed with exit code {proc.returncode}")
    summary = json.loads(out.decode().strip().splitlines()[-1])
    parent_cpu = sum(c for is_parent, c in sampler.cpu.values() if is_parent)
    worker_cpu = sum(c for is_parent, c in sampler.cpu.values() if not is_parent)
    return {
        "command": cmd,
        "summary": summary,
        "wall_seconds": round(wall, 2),
        "files_per_second": round(summary["indexed"] / wall, 1),
        "mb_per_second": round(summary["bytes"] / wall / 1e6, 2),
        "peak_tree_rss_bytes": sampler.peak["rss"],
        "peak_tree_rss_anon_bytes": sampler.peak["anon"],
        "peak_tree_rss_file_bytes": sampler.peak["file"],
        "peak_tree_processes": sampler.peak["processes"],
        "peak_parent_rss_bytes": sampler.peak_parent,
        "peak_worker_rss_bytes": sampler.peak_worker,
        # the largest single descendant reaped (the kernel's own high-water mark, not sampled)
        "rusage_children_maxrss_bytes": after.ru_maxrss * 1024,
        "rusage_children_cpu_seconds": round(
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
        "cpu_seconds_parent": round(parent_cpu, 1),
        "cpu_seconds_workers": round(worker_cpu, 1),
        "cpu_utilisation": round((parent_cpu + worker_cpu) / wall / (os.cpu_count() or 1), 3),
        # CPU other processes on the machine took meanwhile (other people's tests share the cores)
        "cpu_seconds_others": round(max(0.0, busy - parent_cpu - worker_cpu), 1),
        "rss_samples": sampler.samples,
    }


# --- searching ----------------------------------------------------------------------------------

def rg_search_cmd(query: Query, count: bool = False) -> list[str]:
    mode = ["-c"] if count else ["-n", "--column", "--no-heading", "--null"]
    return [*RG, *mode, *([] if query.regex else ["-F"]), "-e", query.pattern, "."]


def parse_rg(out: bytes) -> set[tuple[str, int]]:
    found = set()
    for line in out.split(b"\n"):
        path, sep, rest = line.partition(b"\0")
        if sep:
            found.add((os.fsdecode(path).removeprefix("./"), int(rest.split(b":", 1)[0])))
    return found


def parse_rg_counts(out: bytes) -> tuple[int, int]:
    lines = files = 0
    for line in out.splitlines():
        _, _, count = line.rpartition(b":")
        if count.isdigit():
            lines += int(count)
            files += 1
    return lines, files


def index_matches(searcher: Any, query: Query) -> set[tuple[str, int]]:
    """Every (path, line) the index finds, page by page, each page counted to the end."""
    from appliance.index.search import MAX_LIMIT, SearchQuery

    found: set[tuple[str, int]] = set()
    offset = 0
    while True:
        result = searcher.search(SearchQuery(query.pattern, regex=query.regex, limit=MAX_LIMIT, offset=offset,
                                             budget_seconds=BIG_BUDGET, count_seconds=BIG_BUDGET))
        found.update((m.path, m.line) for m in result.matches)
        offset += MAX_LIMIT
        if offset >= result.total:
            return found


def drop_page_cache() -> bool:
    """Empty the kernel's page cache (root only, and only where the machine permits it)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def explain(root: Path, path: str) -> str:
    """Why a file's matches may differ between the index and ripgrep."""
    full = root / path
    if full.is_symlink():
        return "symbolic link"
    if not full.exists():
        return "not on disk"
    size = full.stat().st_size
    if size > MAX_FILE_SIZE:
        return "larger than 1 MiB"
    data = full.read_bytes()
    nul = data.find(b"\0")
    if nul >= 0:
        return f"binary: NUL byte at offset {nul} (the index skips the file; rg searches until the first NUL)"
    if data.startswith(b"\xef\xbb\xbf"):
        return "UTF-8 BOM: rg drops it before matching, the index keeps it (`^` and columns on line 1)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 BOM: rg transcodes the file, the index sees NUL bytes and skips it"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"not valid UTF-8 (byte {e.start}): '.', \\w and classes differ on invalid bytes"
    from appliance.index.walker import Walk

    if not Walk(str(root)).includes(path):
        return "ignored, hidden or excluded by the walker"
    return "unexplained"


def compare(root: Path, ours: set[tuple[str, int]], theirs: set[tuple[str, int]]) -> dict[str, Any]:
    only_index = sorted(ours - theirs)
    only_rg = sorted(theirs - ours)
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for side, items in (("only_index", only_index), ("only_rg", only_rg)):
        for path, line in items:
            reason = f"{side}: {explain(root, path)}"
            reasons[reason] += 1
            if len(examples.setdefault(reason, [])) < 3:
                examples[reason].append(f"{path}:{line}")
    return {
        "equal": not only_index and not only_rg,
        "index_lines": len(ours), "rg_lines": len(theirs),
        "only_index": len(only_index), "only_rg": len(only_rg),
        "reasons": dict(reasons), "examples": examples,
    }


def cli_search_cmd(query: Query, data_dir: Path, limit: int) -> list[str]:
    return [APPLIANCE, "search", "--data", str(data_dir), "--json", "--limit", str(limit),
            "--budget", str(BIG_BUDGET), *(["--regex"] if query.regex else []), "--", query.pattern]


def bench_search(
    query: Query, root: Path, data_dir: Path, store: Any, args: argparse.Namespace
) -> dict[str, Any]:
    """The issue's two questions: the first page (50 matches, counting within the default budget),
    warm and cold; and the exact count, in process and through the CLI, against `rg --count`."""
    from appliance.index.search import Searcher, SearchQuery

    common = query.cls == "common"
    out: dict[str, Any] = {"class": query.cls, "pattern": query.pattern, "regex": query.regex}
    page = SearchQuery(query.pattern, regex=query.regex, limit=PAGE)
    searcher = Searcher(store)
    times, result = timed(lambda: searcher.search(page), args.reps)
    out["page_warm"] = summarize(times)
    out.update(page_total=result.total, page_complete=result.complete, candidates=result.candidates,
               plan=result.plan[:300])
    cold = Timings([], [])
    dropped = True
    for _ in range(args.cold_reps):  # a new Searcher (no content cache) and, where permitted, no page cache
        dropped = drop_page_cache() and dropped
        cold.add(timed(lambda: Searcher(store).search(page), 1, warmup=0)[0])
    out["page_cold"] = summarize(cold)
    out["page_cold_dropped_page_cache"] = dropped
    run([*RG, "-c", "-F", "-e", "zq-no-such-string-qz", "."], cwd=root)  # the tree warm again for rg

    exact = SearchQuery(query.pattern, regex=query.regex, limit=0, budget_seconds=BIG_BUDGET)
    reps = args.slow_reps if common else args.reps
    times, counted = timed(lambda: Searcher(store).search(exact), reps)
    out["count_api"] = summarize(times)
    out.update(total=counted.total, files=counted.files, complete=counted.complete)
    cli = [APPLIANCE, "search", "--data", str(data_dir), "--count", "--json", "--budget", str(BIG_BUDGET),
           *(["--regex"] if query.regex else []), "--", query.pattern]
    rg_cmd = rg_search_cmd(query, count=True)
    cli_times, rg_times = Timings([], []), Timings([], [])
    rg_out = run(rg_cmd, cwd=root)
    for _ in range(args.slow_reps if common else args.cli_reps):  # side by side, in turn
        cli_times.add(timed(lambda: run(cli), 1, warmup=0)[0])
        once, rg_out = timed(lambda: run(rg_cmd, cwd=root), 1, warmup=0)
        rg_times.add(once)
    out["count_cli"], out["count_cli_command"] = summarize(cli_times), cli
    out["rg_count"], out["rg_command"] = summarize(rg_times), rg_cmd
    out["ratio_rg_over_count_cli"] = round(out["rg_count"]["median_ms"] / out["count_cli"]["median_ms"], 2)
    out["ratio_rg_over_page_warm"] = round(out["rg_count"]["median_ms"] / out["page_warm"]["median_ms"], 1)
    if args.baseline:
        v1 = [sys.executable, "-m", "appliance", *cli[1:]]
        v1[v1.index("--data") + 1] = str(args.baseline_data)
        v1_env = {**os.environ, "PYTHONPATH": str(args.baseline)}
        times, _ = timed(lambda: run(v1, cwd=args.baseline, env=v1_env),
                         args.slow_reps if common else args.cli_reps)
        out["v1_count_cli"] = summarize(times)

    lines, files = parse_rg_counts(rg_out)
    out["equality"] = {
        "equal": (lines, files) == (counted.total, counted.files), "mode": "counts",
        "index_lines": counted.total, "rg_lines": lines, "index_files": counted.files, "rg_files": files,
    }
    if not common and out["equality"]["equal"]:
        full = run(rg_search_cmd(query), cwd=root)
        out["equality"] = {"mode": "full", **compare(root, index_matches(searcher, query), parse_rg(full))}
    return out


def bench_symbol(
    query: Query, root: Path, data_dir: Path, store: Any, args: argparse.Namespace
) -> dict[str, Any]:
    from appliance.index.lookup import Lookup, SymbolQuery

    lookup = Lookup(store)
    sq = SymbolQuery(query.pattern)
    out: dict[str, Any] = {"class": "symbol", "pattern": query.pattern, "limit": sq.limit}
    times, result = timed(lambda: lookup.symbols(sq), args.reps)
    out["api"] = summarize(times)
    out["total"] = result.total
    every = lookup.symbols(SymbolQuery(query.pattern, limit=100_000))
    out["kinds"] = dict(Counter(h.kind for h in every.hits))
    out["first"] = [f"{h.path}:{h.line} {h.kind} {h.name}" for h in result.hits[:3]]
    cli = [APPLIANCE, "symbol", "--data", str(data_dir), "--json", "--", query.pattern]
    times, _ = timed(lambda: run(cli), args.cli_reps)
    out["cli"] = summarize(times)
    out["cli_command"] = cli
    rg_cmd = [*RG, "-w", "-F", "-n", "--column", "--no-heading", "--null", "-e", query.pattern, "."]
    times, rg_out = timed(lambda: run(rg_cmd, cwd=root), args.rg_reps)
    out["rg_w"] = summarize(times)
    out["rg_command"] = rg_cmd
    out["rg_w_lines"] = len(parse_rg(rg_out))
    out["ratio_rg_over_api"] = round(out["rg_w"]["median_ms"] / out["api"]["median_ms"], 1)
    api_cpu = max(out["api"]["cpu_median_ms"], 1e-3)  # process_time() ticks coarsely on sub-ms calls
    out["ratio_rg_over_api_cpu"] = round(out["rg_w"]["cpu_median_ms"] / api_cpu, 1)
    return out


# --- the run ------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) * 1024
    rg_version = run(["rg", "--version"]).decode().splitlines()[0]
    return {"nproc": os.cpu_count(), "cpu": model, "memory_bytes": mem, "python": platform.python_version(),
            "ripgrep": rg_version, "kernel": platform.release()}


def print_table(report: dict[str, Any]) -> None:
    for label, key in (("index", "index"), ("v1", "baseline_index")):
        ix = report.get(key)
        if not ix:
            continue
        s = ix["summary"]
        print(f"{label:<6} {s['indexed']} files, {s['bytes'] / 1e6:.0f} MB in {ix['wall_seconds']:.1f}s: "
              f"{ix['files_per_second']:.0f} files/s, {ix['mb_per_second']:.2f} MB/s")
        print(f"       peak tree RSS {ix['peak_tree_rss_bytes'] / 2**20:.0f} MiB "
              f"(anon {ix['peak_tree_rss_anon_bytes'] / 2**20:.0f} MiB, "
              f"{ix['peak_tree_processes']} processes); "
              f"CPU s: writer {ix['cpu_seconds_parent']}, workers {ix['cpu_seconds_workers']}, "
              f"others {ix['cpu_seconds_others']}")
    size = report["index_size"]
    print(f"size   index {size['allocated_bytes'] / 2**20:.0f} MiB on disk = {size['ratio_to_indexed']:.2f}x "
          f"the indexed bytes, {size['ratio_to_tree']:.2f}x the whole tree; free pages "
          f"{size['lmdb'].get('free_ratio', 0):.1%}")
    if "baseline_index_size" in report:
        print(f"       v1: {report['baseline_index_size']['allocated_bytes'] / 2**20:.0f} MiB")
    print(f"cli    `appliance repos` {report['cli_floor']['median_ms']:.0f} ms, "
          f"`appliance --version` {report['cli_version']['median_ms']:.0f} ms (medians)")
    print(f"{'class':<10} {'query':<36} {'page warm':>9} {'cold':>7} {'count api':>9} {'count cli':>9} "
          f"{'rg -c':>7} {'rg/cli':>6} {'v1 cli':>7} {'lines':>8}  equal")
    for q in report["queries"]:
        if q["class"] == "symbol":
            print(f"{'symbol':<10} {q['pattern'][:36]:<36} {q['api']['median_ms']:>9.3f} {'':>17} "
                  f"{q['cli']['median_ms']:>9.0f} {q['rg_w']['median_ms']:>7.0f} {'':>14} {q['total']:>8}")
            continue
        eq = q.get("equality", {})
        mark = "yes" if eq.get("equal") else "NO"
        if eq and not eq["equal"] and eq["mode"] == "full":
            mark += f" (+{eq['only_index']} -{eq['only_rg']})"
        v1 = q.get("v1_count_cli", {}).get("median_ms")
        print(f"{q['class']:<10} {q['pattern'][:36]:<36} {q['page_warm']['median_ms']:>9.2f} "
              f"{q['page_cold']['median_ms']:>7.1f} {q['count_api']['median_ms']:>9.1f} "
              f"{q['count_cli']['median_ms']:>9.0f} {q['rg_count']['median_ms']:>7.0f} "
              f"{q['ratio_rg_over_count_cli']:>6} {v1 if v1 is None else round(v1):>7} "
              f"{q['total']:>8}  {mark} ({eq.get('mode')})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="mid", help="mid, full, or a folder (default mid)")
    parser.add_argument("--data", type=Path, default=None,
                        help="data dir for the index, emptied first (default bench/.corpus/index-CORPUS, "
                        "kept for bench/postings.py and bench/profile.py)")
    parser.add_argument("--reuse-index", action="store_true",
                        help="query the index already in --data instead of rebuilding it (its index figures "
                        "are carried over from the JSON of the run that built it, when that is --out)")
    parser.add_argument("--workers", type=int, default=None, help="indexer pool size (default: one per core)")
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions in process (default 20)")
    parser.add_argument("--cli-reps", type=int, default=5, help="timed CLI repetitions (default 5)")
    parser.add_argument("--rg-reps", type=int, default=10, help="timed ripgrep repetitions (default 10)")
    parser.add_argument("--slow-reps", type=int, default=3,
                        help="repetitions for the common literals, every way (default 3)")
    parser.add_argument("--cold-reps", type=int, default=5,
                        help="first pages with a new Searcher after dropping the page cache (default 5)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of the engine to compare with (`git worktree add ../v1 7ac07cd`): "
                        "it indexes the same corpus into --baseline-data; its counts are timed beside ours")
    parser.add_argument("--baseline-data", type=Path, default=None,
                        help="the baseline's data dir (default bench/.corpus/index-CORPUS-baseline)")
    parser.add_argument("--only", default="", help="comma-separated query classes to run (default: all)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the JSON figures (default bench/results/engine-CORPUS.json)")
    parser.add_argument("--json", action="store_true", help="print the JSON figures instead of a table")
    args = parser.parse_args()

    root = CORPORA.get(args.corpus, Path(args.corpus)).resolve()
    if not root.is_dir():
        raise SystemExit(f"engine: {root} is missing: run `python bench/corpus.py` first")
    if shutil.which("rg") is None:
        raise SystemExit("engine: ripgrep (rg) is not installed: apt-get install -y ripgrep")
    name = args.corpus if args.corpus in CORPORA else root.name
    out_path = args.out or BENCH / "results" / f"engine-{name}.json"
    data_dir = (args.data or BENCH / ".corpus" / f"index-{name}").resolve()
    if args.baseline:
        args.baseline = args.baseline.resolve()
        args.baseline_data = (args.baseline_data or BENCH / ".corpus" / f"index-{name}-baseline").resolve()

    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "corpus": name, "root": str(root),
        "machine": machine(), "argv": sys.argv,
        "git_head": run(["git", "-C", str(REPO), "rev-parse", "HEAD"]).decode().strip(),
        "engine_dirty": [line for line in run(
            ["git", "-C", str(REPO), "status", "--porcelain", "appliance/index", "appliance/plugins",
             "plugins"]
        ).decode().split("\n") if line],
    }
    report["loadavg_start"] = os.getloadavg()
    log(f"warming the page cache with ripgrep over {root}")
    started = time.perf_counter()
    run([*RG, "-c", "-F", "-e", "zq-no-such-string-qz", "."], cwd=root)
    report["rg_warmup_seconds"] = round(time.perf_counter() - started, 2)
    visible = rg_files(root)
    report["corpus_size"] = {
        "tree": tree_stats(root),
        "rg_files": {"files": len(visible), "bytes": sum((root / p).stat().st_size for p in visible)},
    }
    if args.baseline and not args.reuse_index:  # the same machine, the same hour, one after the other
        report["baseline_index"] = index_corpus(root, args.baseline_data, args.workers, args.baseline)
        head = run(["git", "-C", str(args.baseline), "rev-parse", "HEAD"]).decode().strip()
        report["baseline_index"]["git_head"] = head
        report["baseline_index_size"] = du(args.baseline_data)
        log(f"baseline indexed in {report['baseline_index']['wall_seconds']}s")
    if not args.reuse_index:
        report["index"] = index_corpus(root, data_dir, args.workers)
        report["index"].update(git_head=report["git_head"], engine_dirty=report["engine_dirty"])
        s = report["index"]["summary"]
        log(f"indexed {s['indexed']} files in {report['index']['wall_seconds']}s")
    elif out_path.exists():  # the figures of the run that built this index, if it was the last one
        previous = json.loads(out_path.read_text())
        if "index" in previous and previous["index"]["command"][4] == str(data_dir):
            report["index"] = previous["index"]
            report["index_from_run_of"] = previous.get("index_from_run_of", previous["date"])
            log(f"index figures carried over from the run of {report['index_from_run_of']}")
    size = du(data_dir)
    indexed = report.get("index", {}).get("summary", {}).get("bytes")
    indexed = indexed or report["corpus_size"]["rg_files"]["bytes"]
    report["index_size"] = {
        **size, "indexed_bytes": indexed, "tree_bytes": report["corpus_size"]["tree"]["bytes"],
        "ratio_to_indexed": round(size["allocated_bytes"] / indexed, 3),
        "ratio_to_tree": round(size["allocated_bytes"] / report["corpus_size"]["tree"]["bytes"], 3),
        "lmdb": lmdb_breakdown(data_dir),
    }

    from appliance.index.store import Store

    store = Store.open(data_dir)
    only = {c for c in args.only.split(",") if c}
    # The CLI's floor: interpreter, one command module's imports, opening LMDB, a tiny read.
    times, _ = timed(lambda: run([APPLIANCE, "repos", "--data", str(data_dir), "--json"]), args.cli_reps)
    report["cli_floor"] = summarize(times)
    # `--version` imports every command module (numpy, tree-sitter, the MCP SDK...)
    times, _ = timed(lambda: run([APPLIANCE, "--version"]), args.cli_reps)
    report["cli_version"] = summarize(times)
    report["queries"] = []
    for query in QUERIES:
        if only and query.cls not in only:
            continue
        log(f"{query.cls}: {query.pattern}")
        bench = bench_symbol if query.cls == "symbol" else bench_search
        report["queries"].append(bench(query, root, data_dir, store, args))
    report["loadavg_end"] = os.getloadavg()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2) + "\n")
    log(f"figures written to {out_path}")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
