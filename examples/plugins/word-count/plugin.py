"""Tools that count the lines and words of an indexed file (an example tool plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from appliance.plugins.hookspecs import hookimpl
from appliance.plugins.tools import IndexAccess, ToolDefinition


def _lines(index: IndexAccess, repo: str, path: str) -> Iterator[str]:
    lookup = index.lookup()
    start = 1
    while True:
        chunk = lookup.read(repo, path, start)  # at most a few thousand lines per read
        yield from chunk.text.split("\n") if chunk.text else ()
        if chunk.end >= chunk.total_lines:
            return
        start = chunk.end + 1


@hookimpl
def provide_tools(config: dict[str, Any], index: IndexAccess) -> list[ToolDefinition]:
    skip_blank = bool(config.get("skip_blank", False))

    def count_lines(repo: str, path: str) -> int:
        """Number of lines of one indexed file (without blank lines when the plugin's skip_blank is set)."""
        return sum(1 for line in _lines(index, repo, path) if line.strip() or not skip_blank)

    def count_words(repo: str, path: str) -> dict[str, int]:
        """Lines, words (whitespace-separated) and characters of one indexed file."""
        lines = words = chars = 0
        for line in _lines(index, repo, path):
            lines += 1
            words += len(line.split())
            chars += len(line) + 1
        return {"lines": lines, "words": words, "characters": chars}

    return [
        ToolDefinition("count_lines", count_lines.__doc__ or "", count_lines, read_only=True),
        ToolDefinition("count_words", count_words.__doc__ or "", count_words, read_only=True),
    ]
