#!/usr/bin/env python3
"""Posting lists: pyroaring BitMap against sorted numpy uint32 arrays, on the real index.

Reads the trigram posting lists of a built index (LMDB database `trigrams`: key = 3 bytes,
value = `BitMap.serialize()`), and compares the two representations the way the engine uses
them, starting from the stored bytes each time:

  size       serialised bytes: roaring as stored, roaring after run_optimize(), numpy tobytes()
  decode     BitMap.deserialize(b)  vs  np.frombuffer(b, np.uint32)
  and2       decode two lists, intersect  (a & b  vs  np.intersect1d(assume_unique=True))
  or2        decode two lists, union      (a | b  vs  np.union1d)
  andN       decode a real query's trigram lists, intersect all (BitMap.intersection vs reduce
             of np.intersect1d; and numpy at its best: shortest list first, np.searchsorted)
  merge      the writer's step: decode, add a batch of new ids (half the list), serialise again

Sizes are summed over every list of the index; timings use a sample of lists drawn evenly
across the cardinality range (the smallest to the largest), pairs drawn from that sample.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
from pyroaring import BitMap

BENCH = Path(__file__).resolve().parent
# the trigram sets of a few real queries (the selective literals of bench/engine.py)
QUERY_LITERALS = ("kmem_cache_alloc_node", "copy_from_user_nofault", "percpu_ref_tryget_live",
                  "spin_lock_irqsave(&", "return")


def default_data() -> Path:
    for name in ("full", "mid"):
        if (BENCH / ".corpus" / f"index-{name}" / "index-v1" / "data.mdb").exists():
            return BENCH / ".corpus" / f"index-{name}"
    return BENCH / ".corpus" / "index-mid"


def per_op_us(fn: Callable[[], object], count: int, reps: int) -> float:
    """Median over `reps` runs of fn, divided by the `count` operations each run does, in µs."""
    fn()
    runs = []
    for _ in range(reps):
        started = time.perf_counter_ns()
        fn()
        runs.append(time.perf_counter_ns() - started)
    return round(statistics.median(runs) / count / 1e3, 2)


def probe_all(lists: list[bytes]) -> np.ndarray:
    """numpy at its best for an AND: start from the shortest list, keep what each next list holds
    (binary search into it: O(k log n) instead of intersect1d's sort of both arrays)."""
    arrays = sorted((np.frombuffer(b, np.uint32) for b in lists), key=len)
    result = arrays[0]
    for other in arrays[1:]:
        if not len(result):
            break
        at = np.searchsorted(other, result)
        at[at == len(other)] = 0
        result = result[other[at] == result] if len(other) else result[:0]
    return result


def load_lists(data_dir: Path) -> dict[bytes, bytes]:
    sys.path.insert(0, str(BENCH.parent))
    from appliance.index.store import Store

    store = Store.open(data_dir)
    with store.read() as txn:
        return {bytes(k): bytes(v) for k, v in txn.cursor(db=store.dbs["trigrams"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None,
                        help="data dir of a built index (default bench/.corpus/index-full, else index-mid)")
    parser.add_argument("--lists", type=int, default=300, help="posting lists sampled for the timings (300)")
    parser.add_argument("--pairs", type=int, default=300, help="pairs of lists intersected and united (300)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions of each operation set (5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the JSON figures (default bench/results/postings-INDEX.json)")
    parser.add_argument("--json", action="store_true", help="print the JSON figures instead of a summary")
    args = parser.parse_args()
    data_dir = (args.data or default_data()).resolve()
    rng = random.Random(args.seed)

    stored = load_lists(data_dir)
    if not stored:
        raise SystemExit(f"postings: no trigram lists in {data_dir}: build it with bench/engine.py first")
    cards = {k: len(BitMap.deserialize(v)) for k, v in stored.items()}
    report: dict[str, Any] = {"data": str(data_dir), "lists_total": len(stored)}

    # Sizes, over every list of the index.
    roaring = sum(len(v) for v in stored.values())
    optimized = 0
    for v in stored.values():
        bm = BitMap.deserialize(v)
        bm.run_optimize()
        optimized += len(bm.serialize())
    numpy_bytes = 4 * sum(cards.values())
    report["size"] = {
        "postings": sum(cards.values()), "roaring_bytes": roaring, "roaring_run_optimized_bytes": optimized,
        "numpy_bytes": numpy_bytes, "numpy_over_roaring": round(numpy_bytes / roaring, 2),
        "median_cardinality": int(statistics.median(cards.values())), "max_cardinality": max(cards.values()),
    }

    # The timing sample: evenly spaced over the lists ordered by cardinality.
    by_size = sorted(stored, key=lambda k: cards[k])
    step = max(1, len(by_size) // args.lists)
    sample = by_size[::step][: args.lists]
    raw = [stored[k] for k in sample]
    as_numpy = [np.array(BitMap.deserialize(b), dtype=np.uint32).tobytes() for b in raw]
    report["sample"] = {
        "lists": len(sample), "cardinality_quartiles": [cards[sample[int(q * (len(sample) - 1))]]
                                                        for q in (0, 0.25, 0.5, 0.75, 1)],
        "roaring_bytes": sum(len(b) for b in raw), "numpy_bytes": sum(len(b) for b in as_numpy),
    }
    pairs = [(rng.randrange(len(sample)), rng.randrange(len(sample))) for _ in range(args.pairs)]
    rpairs = [(raw[i], raw[j]) for i, j in pairs]
    npairs = [(as_numpy[i], as_numpy[j]) for i, j in pairs]
    u32 = np.uint32

    ops: dict[str, dict[str, float]] = {}
    ops["decode"] = {
        "roaring_us": per_op_us(lambda: [BitMap.deserialize(b) for b in raw], len(raw), args.reps),
        "numpy_us": per_op_us(lambda: [np.frombuffer(b, u32) for b in as_numpy], len(raw), args.reps),
    }
    ops["and2"] = {
        "roaring_us": per_op_us(
            lambda: [BitMap.deserialize(a) & BitMap.deserialize(b) for a, b in rpairs], len(pairs), args.reps
        ),
        "numpy_us": per_op_us(
            lambda: [np.intersect1d(np.frombuffer(a, u32), np.frombuffer(b, u32), assume_unique=True)
                     for a, b in npairs], len(pairs), args.reps),
    }
    ops["or2"] = {
        "roaring_us": per_op_us(
            lambda: [BitMap.deserialize(a) | BitMap.deserialize(b) for a, b in rpairs], len(pairs), args.reps
        ),
        "numpy_us": per_op_us(
            lambda: [np.union1d(np.frombuffer(a, u32), np.frombuffer(b, u32)) for a, b in npairs],
            len(pairs), args.reps),
    }

    # A real query: every trigram of a literal (folded), intersected. A list absent is empty.
    queries = {}
    for literal in QUERY_LITERALS:
        folded = literal.lower().encode()
        keys = sorted({folded[i : i + 3] for i in range(len(folded) - 2)})
        rq = [stored.get(k, BitMap().serialize()) for k in keys]
        nq = [np.array(BitMap.deserialize(b), dtype=u32).tobytes() for b in rq]
        r_result = BitMap.intersection(*[BitMap.deserialize(b) for b in rq])
        queries[literal] = {
            "trigrams": len(keys), "postings_read": sum(cards.get(k, 0) for k in keys),
            "candidates": len(r_result),
            "roaring_us": per_op_us(lambda rq=rq: BitMap.intersection(*[BitMap.deserialize(b) for b in rq]),
                                    1, args.reps * 4),
            "numpy_us": per_op_us(
                lambda nq=nq: reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True),
                                     [np.frombuffer(b, u32) for b in nq]), 1, args.reps * 4),
            "numpy_searchsorted_us": per_op_us(lambda nq=nq: probe_all(nq), 1, args.reps * 4),
        }
    ops["andN"] = {
        "roaring_us": round(sum(q["roaring_us"] for q in queries.values()) / len(queries), 2),
        "numpy_us": round(sum(q["numpy_us"] for q in queries.values()) / len(queries), 2),
    }
    ops["andN_searchsorted"] = {
        "roaring_us": ops["andN"]["roaring_us"],
        "numpy_us": round(sum(q["numpy_searchsorted_us"] for q in queries.values()) / len(queries), 2),
    }

    # The writer's merge: the second half of the file ids arrives as one batch and is merged into
    # the lists holding the first half (decode the stored list, add the batch's ids, encode again).
    half = max(max(BitMap.deserialize(b)) for b in raw if b) // 2
    old_r, new_ids, old_n = [], [], []
    for b in raw:
        ids = np.array(BitMap.deserialize(b), dtype=u32)
        old_r.append(BitMap(ids[ids <= half]).serialize())
        old_n.append(ids[ids <= half].tobytes())
        new_ids.append(ids[ids > half])

    def merge_roaring() -> None:
        for b, new in zip(old_r, new_ids, strict=True):
            bm = BitMap.deserialize(b)
            bm.update(new)
            bm.serialize()

    def merge_numpy() -> None:
        for b, new in zip(old_n, new_ids, strict=True):
            np.union1d(np.frombuffer(b, u32), new).tobytes()

    ops["merge"] = {"roaring_us": per_op_us(merge_roaring, len(raw), args.reps),
                    "numpy_us": per_op_us(merge_numpy, len(raw), args.reps)}
    for op in ops.values():
        op["numpy_over_roaring"] = round(op["numpy_us"] / op["roaring_us"], 2)
    report["ops"] = ops
    report["queries"] = queries

    out = args.out or BENCH / "results" / f"postings-{data_dir.name.removeprefix('index-')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    s = report["size"]
    print(f"{data_dir}: {len(stored)} lists, {s['postings']} postings")
    print(f"size   roaring {roaring / 2**20:.1f} MiB (run-optimised {optimized / 2**20:.1f} MiB), "
          f"numpy {numpy_bytes / 2**20:.1f} MiB = {s['numpy_over_roaring']}x")
    print(f"{'op':<18} {'roaring µs':>11} {'numpy µs':>10} {'numpy/roaring':>14}")
    for name, op in ops.items():
        print(f"{name:<18} {op['roaring_us']:>11} {op['numpy_us']:>10} {op['numpy_over_roaring']:>14}")
    for literal, q in queries.items():
        print(f"  {literal:<24} {q['trigrams']:>2} lists, {q['postings_read']:>8} postings -> "
              f"{q['candidates']:>6}: roaring {q['roaring_us']} µs, numpy {q['numpy_us']} µs "
              f"(searchsorted {q['numpy_searchsorted_us']} µs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
