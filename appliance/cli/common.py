"""Options and output shared by the commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from appliance.index.store import Store, default_data_dir
from appliance.index.walker import DEFAULT_EXCLUDES, DEFAULT_MAX_FILE_SIZE, WalkOptions


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="data directory holding the index (env APPLIANCE_DATA; default ~/.local/share/appliance)",
    )


def add_walk_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-file-size",
        type=_size,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="BYTES",
        help="skip files larger than this (suffixes K, M; default 1M)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=None,
        metavar="PATTERN",
        help="gitignore-style pattern of vendored or generated paths to skip "
        f"(repeatable; default: {', '.join(DEFAULT_EXCLUDES)})",
    )
    parser.add_argument("--hidden", action="store_true", help="index hidden files and folders too")


def walk_options(args: argparse.Namespace) -> WalkOptions:
    excludes = tuple(args.exclude) if args.exclude is not None else DEFAULT_EXCLUDES
    return WalkOptions(max_file_size=args.max_file_size, excludes=excludes, hidden=args.hidden)


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data) if args.data is not None else default_data_dir()


def open_store(args: argparse.Namespace, writable: bool = False) -> Store:
    """The index of the data dir, to read (writers use `appliance.cli.plugins.open_writer`)."""
    return Store.open(data_dir(args), writable=writable)


def print_json(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: expected a number with an optional K, M or G"
        ) from None
