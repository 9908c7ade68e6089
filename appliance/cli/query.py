"""Questions to the index from the command line: search, symbol, refs, outline, show, repos."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from appliance.cli.common import add_data_option, open_store, print_json
from appliance.errors import UsageError
from appliance.index.lookup import Lookup, OutlineNode, SymbolQuery, split_repo_path
from appliance.index.search import Searcher, SearchQuery


def register(commands: Any) -> None:
    search = commands.add_parser(
        "search",
        help="exact text search (literal or regex), like ripgrep over the index",
        description="Find every line matching QUERY in the indexed files. Literal by default; "
        "--regex takes RE2 syntax (ripgrep's dialect, linear time).",
    )
    search.add_argument("query", metavar="QUERY")
    search.add_argument("-e", "--regex", action="store_true", help="QUERY is a regular expression (RE2)")
    search.add_argument("-i", "--ignore-case", action="store_true", help="match case-insensitively")
    _scope_options(search)
    search.add_argument(
        "-g", "--glob", action="append", default=[], help="only paths matching GLOB; !GLOB excludes"
    )
    search.add_argument("--offset", type=int, default=0, help="skip this many matches (paging)")
    search.add_argument(
        "-C", "--context", type=int, default=0, metavar="N", help="show N lines around each match"
    )
    search.add_argument("-c", "--count", action="store_true", help="print counts only")
    search.add_argument(
        "--budget", type=float, default=10.0, metavar="SECONDS", help="time budget (default 10)"
    )
    search.set_defaults(run=run_search, limit_default=100)

    for name, what in (("symbol", "definitions"), ("refs", "references")):
        parser = commands.add_parser(
            name,
            help=f"find {what} of a symbol by name",
            description=f"Find {what} of NAME, ranked: exact, same ignoring case and underscores "
            "(getUser ~ get_user), then with --prefix names starting with NAME, "
            "then with --fuzzy near misses.",
        )
        parser.add_argument("name", metavar="NAME")
        parser.add_argument(
            "--kind", action="append", default=[], help="only this kind (function, class, ...)"
        )
        _scope_options(parser)
        parser.add_argument("--prefix", action="store_true", help="also names starting with NAME")
        parser.add_argument("--fuzzy", action="store_true", help="also names within a few typos of NAME")
        parser.add_argument("--offset", type=int, default=0, help="skip this many results (paging)")
        parser.set_defaults(run=run_symbols, references=name == "refs", limit_default=50)

    outline = commands.add_parser("outline", help="the definitions of a file, as a tree")
    outline.add_argument("file", metavar="REPO/PATH")
    add_data_option(outline)
    outline.add_argument("--json", action="store_true", help="print the tree as JSON")
    outline.set_defaults(run=run_outline)

    show = commands.add_parser(
        "show",
        help="print an indexed file, or a range of its lines",
        description="Print REPO/PATH[:START[-END]] from the index. Only indexed files are served: "
        "paths with '..', absolute paths and symbolic links are refused.",
    )
    show.add_argument("file", metavar="REPO/PATH[:START[-END]]")
    add_data_option(show)
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(run=run_show)

    repos = commands.add_parser("repos", help="list indexed repositories with their counts")
    add_data_option(repos)
    repos.add_argument("--json", action="store_true", help="print JSON Lines")
    repos.set_defaults(run=run_repos)


def _scope_options(parser: argparse.ArgumentParser) -> None:
    add_data_option(parser)
    parser.add_argument("--repo", action="append", default=[], help="only this repository (repeatable)")
    parser.add_argument("--lang", action="append", default=[], help="only this language (repeatable)")
    parser.add_argument("-n", "--limit", type=int, default=None, help="at most this many results")
    parser.add_argument("--json", action="store_true", help="print JSON Lines")


def run_search(args: argparse.Namespace) -> int:
    query = SearchQuery(
        pattern=args.query,
        regex=args.regex,
        ignore_case=args.ignore_case,
        repos=tuple(args.repo),
        globs=tuple(args.glob),
        languages=tuple(args.lang),
        limit=0 if args.count else (args.limit if args.limit is not None else args.limit_default),
        offset=args.offset,
        context=args.context,
        budget_seconds=args.budget,
    )
    result = Searcher(open_store(args)).search(query)
    if args.count:
        counts = {"total": result.total, "files": result.files, "complete": result.complete}
        if args.json:
            print_json(counts)
        else:
            print(
                f"{result.total} matching lines in {result.files} files"
                + ("" if result.complete else " (budget ran out: at least)")
            )
        return 0 if result.total else 1
    for match in result.matches:
        if args.json:
            print_json(match.to_json())
            continue
        for offset, text in enumerate(match.before):
            print(f"{match.repo}/{match.path}-{match.line - len(match.before) + offset}-{text}")
        print(f"{match.repo}/{match.path}:{match.line}:{match.column}:{match.text}")
        for offset, text in enumerate(match.after):
            print(f"{match.repo}/{match.path}-{match.line + 1 + offset}-{text}")
    shown = len(result.matches)
    more = result.total - shown - query.offset
    if not args.json and (more > 0 or not result.complete):
        at_least = "" if result.complete else "at least "
        print(f"... {at_least}{more} more (use --offset/--limit; --count counts them all)", file=sys.stderr)
    return 0 if result.total else 1


def run_symbols(args: argparse.Namespace) -> int:
    query = SymbolQuery(
        name=args.name,
        kinds=tuple(args.kind),
        languages=tuple(args.lang),
        repos=tuple(args.repo),
        prefix=args.prefix,
        fuzzy=args.fuzzy,
        limit=args.limit if args.limit is not None else args.limit_default,
        offset=args.offset,
    )
    result = Lookup(open_store(args)).symbols(query, references=args.references)
    for hit in result.hits:
        if args.json:
            print_json(hit.to_json())
        else:
            container = f" in {hit.container}" if hit.container else ""
            detail = f"  {hit.signature}" if hit.signature else ""
            print(f"{hit.repo}/{hit.path}:{hit.line}:{hit.column}: {hit.kind} {hit.name}{container}{detail}")
    if not args.json and result.total > len(result.hits) + args.offset:
        print(f"... {result.total - len(result.hits) - args.offset} more", file=sys.stderr)
    return 0 if result.hits else 1


def run_outline(args: argparse.Namespace) -> int:
    repo, path = split_repo_path(args.file)
    meta, roots = Lookup(open_store(args)).outline(repo, path)
    if args.json:
        print_json(
            {
                "repo": repo,
                "path": meta.path,
                "language": meta.language,
                "outline": [n.to_json() for n in roots],
            }
        )
        return 0

    def walk(nodes: list[OutlineNode], depth: int) -> None:
        for node in nodes:
            print(f"{'  ' * depth}{node.kind} {node.name}  (lines {node.line}-{node.end_line})")
            walk(node.children, depth + 1)

    walk(roots, 0)
    return 0


def run_show(args: argparse.Namespace) -> int:
    spec, start, end = parse_file_range(args.file)
    repo, path = split_repo_path(spec)
    text = Lookup(open_store(args)).read(repo, path, start, end)
    if args.json:
        print_json(dict(text.__dict__))
    else:
        for number, line in enumerate(text.text.split("\n"), start=text.start):
            print(f"{number:>6}  {line}")
    return 0


def run_repos(args: argparse.Namespace) -> int:
    for info in Lookup(open_store(args)).repos().values():
        if args.json:
            print_json(dict(info.__dict__))
        else:
            print(
                f"{info.name}  {info.root}  {info.files} files  {info.symbols} symbols  "
                f"{info.bytes / 1e6:.1f} MB"
            )
    return 0


def parse_file_range(spec: str) -> tuple[str, int, int | None]:
    """`REPO/PATH[:START[-END]]` → (REPO/PATH, START, END)."""
    head, sep, tail = spec.rpartition(":")
    if not sep or not tail or not tail.replace("-", "").isdigit():
        return spec, 1, None
    first, dash, last = tail.partition("-")
    try:
        start = int(first)
        end = int(last) if dash and last else (None if dash else start)
    except ValueError:
        raise UsageError(f"{spec!r}: expected REPO/PATH[:START[-END]]") from None
    return head, start, end
