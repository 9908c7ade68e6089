"""`appliance serve [PATH[=NAME]...]`: answer MCP over Streamable HTTP (or stdio) from the index.

With paths, they are indexed in the background while the server already answers, then kept
current by the watcher. Without, the server reads whatever index the data dir holds (the image
runs it so, beside a separate `appliance watch`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from appliance.cli.common import add_data_option, add_walk_options, data_dir, walk_options
from appliance.cli.plugins import add_plugin_options
from appliance.errors import UsageError
from appliance.index.indexer import IndexOptions, parse_repo_arg
from appliance.plugins.discovery import plugin_dirs
from appliance.server.config import DEFAULT_BIND, TOKENS_ENV, ServerConfig, parse_bind


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve the index over MCP (Streamable HTTP at /mcp, or --stdio)",
        description="Serve MCP tools over the index: search_code, find_symbol, find_references, "
        "file_outline, read_file, list_repos, index_status, reindex, list_plugins. PATH[=NAME] arguments "
        "are indexed in the background and then watched; without them the index in the data dir is "
        "served read-only.",
    )
    parser.add_argument("repos", nargs="*", metavar="PATH[=NAME]", help="repositories to index and watch")
    add_data_option(parser)
    add_walk_options(parser)
    add_plugin_options(parser)
    parser.add_argument(
        "--bind", default=DEFAULT_BIND, metavar="HOST:PORT", help=f"listen here (default {DEFAULT_BIND})"
    )
    parser.add_argument("--workers", type=int, default=1, help="Hypercorn worker processes (default 1)")
    parser.add_argument("--certfile", default=None, help="TLS certificate (PEM); serve HTTPS")
    parser.add_argument("--keyfile", default=None, help="TLS private key (PEM), with --certfile")
    parser.add_argument(
        "--tokens-file",
        default=os.environ.get(TOKENS_ENV) or None,
        metavar="FILE",
        help=f"bearer tokens, one `TOKEN read|admin` per line (env {TOKENS_ENV}); required off loopback",
    )
    parser.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="listen beyond loopback without tokens (only behind a proxy that authenticates)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also accept this Host/Origin (DNS-rebinding protection; repeatable; '*' disables the check)",
    )
    parser.add_argument("--poll", action="store_true", help="watch PATHs by polling instead of inotify")
    parser.add_argument(
        "--stdio", action="store_true", help="serve one client over stdin/stdout instead of HTTP"
    )
    parser.add_argument(
        "--metrics-dir", default=None, help="with --workers > 1: folder for the shared metric files"
    )
    parser.add_argument("--conformance-fixtures", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from appliance.server.run import serve_http, serve_stdio  # the server's imports, only when serving

    configure_logging(args.verbose)
    config = config_from_args(args)
    options = IndexOptions(walk=walk_options(args))
    if args.stdio:
        return serve_stdio(config, options)
    count = len(config.repos)
    plural = "repository" if count == 1 else "repositories"
    what = f"indexing {count} {plural} in the background, " if count else "read-only, "
    print(f"appliance: serving {config.url} ({what}data in {config.data_dir})", file=sys.stderr, flush=True)
    return serve_http(config, options)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.stdio and args.workers != 1:
        raise UsageError("--stdio serves one client in one process: drop --workers")
    host, port = parse_bind(args.bind)
    repos = tuple(parse_repo_arg(a) for a in args.repos)  # every path checked before anything starts
    names = [name for name, _ in repos]
    if len(set(names)) != len(names):
        raise UsageError(f"two repositories share a name: {', '.join(sorted(names))}; use PATH=NAME")
    return ServerConfig(
        data_dir=str(data_dir(args)),
        host=host,
        port=port,
        workers=args.workers,
        certfile=args.certfile,
        keyfile=args.keyfile,
        tokens_file=args.tokens_file,
        insecure_no_auth=args.insecure_no_auth,
        allowed_hosts=tuple(args.allowed_host),
        repos=repos,
        poll=args.poll,
        plugin_dirs=tuple(str(p) for p in plugin_dirs(args.plugins_dir)),
        plugins_config=str(args.plugins_config) if args.plugins_config else None,
        conformance_fixtures=args.conformance_fixtures,
        metrics_dir=args.metrics_dir,
    )


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("mcp", "httpx2", "sse_starlette"):  # a line per session and request otherwise
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
