#!/usr/bin/env python3
"""Render the Markdown tables of BENCHMARKS.md from the JSON figures in bench/results/.

Reads engine-mid.json, engine-full.json and postings-*.json (whichever exist) and prints the
targets table (against the whole kernel), the index and query tables per corpus, the equality
findings and the posting-list comparison. The prose around them is written by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
GIB = 1 << 30
MIB = 1 << 20


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def verdict(value: float, limit: float, higher_is_better: bool = False, unit: str = "") -> str:
    ok = value >= limit if higher_is_better else value <= limit
    if ok:
        return "met"
    if higher_is_better:
        return f"**missed**: {limit / value:.1f}x short ({value:.1f}{unit} < {limit:g}{unit})"
    if unit == "x":
        return f"**missed**: {value / limit:.1f}x the target"
    return f"**missed** by {value - limit:.1f}{unit} ({value / limit:.1f}x the target)"


def targets(full: dict[str, Any], corpus: str) -> list[str]:
    rows = ["| target (2 cores) | measured | verdict |", "|---|---|---|"]
    ix, size = full.get("index"), full["index_size"]
    if ix:
        wall = ix["wall_seconds"]
        rows.append(f"| whole kernel indexed in <= 5 min | {wall / 60:.1f} min ({wall:.0f} s) "
                    f"| {verdict(wall / 60, 5, unit=' min')} |")
        rss = ix["peak_tree_rss_bytes"]
        largest = ix["rusage_children_maxrss_bytes"] / GIB
        rows.append(f"| peak RSS <= 2 GiB (process tree) | {rss / GIB:.2f} GiB (largest process "
                    f"{largest:.2f} GiB) | {verdict(rss / GIB, 2, unit=' GiB')} |")
    ratio = size["ratio_to_indexed"]
    rows.append(f"| index <= 1.5x the corpus | {size['allocated_bytes'] / GIB:.2f} GiB = {ratio:.2f}x "
                f"the {size['indexed_bytes'] / 1e9:.2f} GB indexed ({size['ratio_to_tree']:.2f}x the whole "
                f"tree) | {verdict(ratio, 1.5, unit='x')} |")
    for q in full["queries"]:
        med = q["api"]["median_ms"]
        pattern = q["pattern"].replace("|", "\\|")
        if q["class"] == "selective":
            rows.append(f"| selective literal `{pattern}` median <= 20 ms | {med:.1f} ms "
                        f"| {verdict(med, 20, unit=' ms')} |")
            ratio = q["ratio_rg_over_api"]
            rows.append(f"| ... and >= 20x faster than rg | {ratio}x (rg {q['rg']['median_ms']:.0f} ms) "
                        f"| {verdict(ratio, 20, True, 'x')} |")
        elif q["class"] == "regex":
            rows.append(f"| regex `{pattern}` <= 50 ms | {med:.1f} ms | {verdict(med, 50, unit=' ms')} |")
        elif q["class"] == "symbol":
            rows.append(f"| symbol lookup `{pattern}` <= 2 ms in process | {med:.3f} ms "
                        f"| {verdict(med, 2, unit=' ms')} |")
    rows.insert(0, f"Measured on the `{corpus}` corpus.\n")
    return rows


def index_table(reports: dict[str, dict[str, Any]]) -> list[str]:
    rows = ["| | " + " | ".join(reports) + " |", "|---|" + "---|" * len(reports)]

    def row(label: str, fn: Any) -> None:
        cells = []
        for r in reports.values():
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("-")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    def ix(r: dict[str, Any]) -> dict[str, Any]:
        return dict(r["index"])

    row("files indexed", lambda r: f"{ix(r)['summary']['indexed']:,} (skipped: "
        + ", ".join(f"{k} {v}" for k, v in ix(r)["summary"]["skipped"].items()) + ")")
    row("bytes indexed / whole tree", lambda r: f"{ix(r)['summary']['bytes'] / 1e6:,.0f} MB / "
        f"{r['corpus_size']['tree']['bytes'] / 1e6:,.0f} MB")
    row("wall time", lambda r: f"{ix(r)['wall_seconds']:.0f} s")
    row("throughput", lambda r: f"{ix(r)['files_per_second']:.0f} files/s, {ix(r)['mb_per_second']:.2f} MB/s")
    row("CPU s: indexing process / workers / others", lambda r: f"{ix(r)['cpu_seconds_parent']:.0f} / "
        f"{ix(r)['cpu_seconds_workers']:.0f} / {ix(r)['cpu_seconds_others']:.0f}")
    row("peak RSS, process tree (anon)", lambda r: f"{ix(r)['peak_tree_rss_bytes'] / MIB:,.0f} MiB "
        f"({ix(r)['peak_tree_rss_anon_bytes'] / MIB:,.0f} MiB)")
    row("peak RSS: indexing process / a worker", lambda r: f"{ix(r)['peak_parent_rss_bytes'] / MIB:,.0f} "
        f"/ {ix(r)['peak_worker_rss_bytes'] / MIB:,.0f} MiB")
    row("ru_maxrss (largest process)", lambda r: f"{ix(r)['rusage_children_maxrss_bytes'] / MIB:,.0f} MiB")
    row("index on disk", lambda r: f"{r['index_size']['allocated_bytes'] / MIB:,.0f} MiB = "
        f"{r['index_size']['ratio_to_indexed']:.2f}x indexed, {r['index_size']['ratio_to_tree']:.2f}x tree")
    for db in ("content", "trigrams", "defs", "refs", "filesyms", "files", "paths"):
        row(f"- `{db}`", lambda r, db=db: f"{r['index_size']['lmdb'][db]['bytes'] / MIB:,.0f} MiB "
            f"({r['index_size']['lmdb'][db]['entries']:,} entries)")
    row("- free pages", lambda r: f"{r['index_size']['lmdb']['_free_bytes'] / MIB:,.0f} MiB")
    row("load average (1 min) at start / end", lambda r: f"{r['loadavg_start'][0]:.1f} / "
        f"{r['loadavg_end'][0]:.1f}")
    row("engine of the index / of the queries", lambda r: f"`{ix(r).get('git_head', '?')[:7]}` / "
        f"`{r['git_head'][:7]}`" + (" + local changes" if r["engine_dirty"] else ""))
    row("CLI floor (`appliance repos --json`)", lambda r: f"{r['cli_floor']['median_ms']:.0f} ms")
    row("`appliance --version` (imports every command)",
        lambda r: f"{r.get('cli_version', r.get('cli_startup'))['median_ms']:.0f} ms")
    return rows


def query_table(r: dict[str, Any]) -> list[str]:
    rows = ["| class | query | lines (files) | candidates | api median / p95 ms | api fresh median ms "
            "| first 100, uncounted, ms | cli median ms | rg median ms | rg / api (wall) | rg / api (CPU) "
            "| equal to rg |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for q in r["queries"]:
        rg = q.get("rg") or q.get("rg_w")
        fresh = q.get("api_fresh_cache", {}).get("median_ms")
        page = q.get("api_page100", {}).get("median_ms", "-")
        eq = q.get("equality")
        if eq is None:
            equal = f"({q['rg_w_lines']:,} `rg -w` lines)"
        elif eq["equal"]:
            equal = "yes" + (" (counts)" if eq["mode"] == "counts" else "")
        elif eq["mode"] == "counts":
            equal = f"**no**: {eq['index_lines']:,} vs {eq['rg_lines']:,} lines"
        else:
            equal = f"**no**: +{eq['only_index']} / -{eq['only_rg']} lines"
        files = f" ({q['files']:,})" if "files" in q else ""
        rows.append(
            f"| {q['class']} | `{q['pattern'].replace('|', chr(92) + '|')}` | {q['total']:,}{files} "
            f"| {q.get('candidates', '-')} | {q['api']['median_ms']:.2f} / {q['api']['p95_ms']:.2f} "
            f"| {fresh if fresh is not None else '-'} | {page} | {q['cli']['median_ms']:.0f} "
            f"| {rg['median_ms']:.0f} "
            f"| {q['ratio_rg_over_api']} | {q.get('ratio_rg_over_api_cpu', '-')} | {equal} |")
    return rows


def differences(r: dict[str, Any]) -> list[str]:
    rows = []
    for q in r["queries"]:
        eq = q.get("equality")
        if eq and not eq["equal"]:
            reasons = "; ".join(f"{k}: {v}" for k, v in eq.get("reasons", {}).items())
            rows.append(f"- `{q['pattern']}`: {reasons}")
            for reason, examples in eq.get("examples", {}).items():
                rows.append(f"  - {reason}: " + ", ".join(f"`{e}`" for e in examples))
    return rows or ["- none: every query's matches equal ripgrep's."]


def postings_table(p: dict[str, Any]) -> list[str]:
    s = p["size"]
    rows = [f"{p['lists_total']:,} lists, {s['postings']:,} postings (median list {s['median_cardinality']}, "
            f"largest {s['max_cardinality']:,}); timings on {p['sample']['lists']} lists spread over the "
            f"cardinality range (quartiles {p['sample']['cardinality_quartiles']}).\n",
            "| | pyroaring BitMap | numpy uint32 | numpy / roaring |", "|---|---|---|---|",
            f"| serialised size, every list | {s['roaring_bytes'] / MIB:.1f} MiB "
            f"(run-optimised {s['roaring_run_optimized_bytes'] / MIB:.1f} MiB) "
            f"| {s['numpy_bytes'] / MIB:.1f} MiB "
            f"| {s['numpy_over_roaring']}x |"]
    labels = {
        "decode": "decode one list", "and2": "decode 2 + intersect", "or2": "decode 2 + union",
        "andN": "a literal's lists, intersected (mean of 5 queries)",
        "andN_searchsorted": "... numpy by np.searchsorted, shortest list first",
        "merge": "writer merge: decode, add, encode",
    }
    for name, op in p["ops"].items():
        rows.append(f"| {labels.get(name, name)} | {op['roaring_us']} µs | {op['numpy_us']} µs | "
                    f"{op['numpy_over_roaring']}x |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures read, as one JSON object")
    args = parser.parse_args()
    reports = {name: r for name in ("mid", "full") if (r := load(f"engine-{name}.json"))}
    if not reports:
        raise SystemExit("report: no bench/results/engine-*.json yet: run bench/engine.py")
    if args.json:
        postings = {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("postings-*.json"))}
        print(json.dumps({"engine": reports, "postings": postings}, indent=2))
        return 0
    out: list[str] = []
    corpus = "full" if "full" in reports else "mid"
    out += ["## Targets", "", *targets(reports[corpus], corpus), ""]
    out += ["## Indexing", "", *index_table(reports), ""]
    for name, r in reports.items():
        out += [f"## Queries: {name}", "", *query_table(r), "", "Differences from ripgrep:", ""]
        out += [*differences(r), ""]
    for path in sorted(RESULTS.glob("postings-*.json")):
        postings = json.loads(path.read_text())
        out += [f"## Posting lists ({path.stem})", "", *postings_table(postings), ""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
