"""Definitions and references of one source file, from a tree-sitter tags query.

The query follows tree-sitter's code-navigation convention verbatim: a `@name` capture inside
`@definition.<kind>` or `@reference.<kind>`. Everything else about a symbol is derived here:
the enclosing container (the innermost definition around it) and the `method` kind for
functions defined inside a class-like container.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import tree_sitter as ts

# A function whose container is one of these is a method.
CLASS_LIKE = frozenset({"class", "struct", "interface", "impl", "trait", "module", "enum", "object"})
MAX_NAME_BYTES = 200
# Bytes handed to tree-sitter per read. Small on purpose: predicates (#match?, #eq?) fetch the
# text of each capture through the same callback, and a large chunk is copied for every one.
READ_CHUNK = 4096
MAX_BRACKET_DEPTH = 256
_BRACKET_STEP = np.zeros(256, dtype=np.int8)
_BRACKET_STEP[list(b"([{")] = 1
_BRACKET_STEP[list(b")]}")] = -1


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    kind: str  # function, method, class, struct, enum, interface, macro, type, variable, call, ...
    is_definition: bool
    line: int  # of the name, 1-based
    column: int  # of the name, 1-based, in bytes like ripgrep's --column
    end_line: int  # where the whole definition (or reference) ends
    end_column: int
    container: str  # name of the innermost enclosing definition, "" at top level


class ParseBudgetExceeded(Exception):
    """Parsing or querying one file took longer than the plugin's limit."""


class TagsExtractor:
    """Compiles one tags query for one grammar; `extract` runs it on a file's bytes."""

    def __init__(self, language: ts.Language, query_source: str) -> None:
        self.language = language
        self.query = ts.Query(language, query_source)  # raises ts.QueryError on a bad query
        # capture name → (is definition, kind), for the captures that make symbols
        self.roles: dict[str, tuple[bool, str]] = {}
        for index in range(self.query.capture_count):
            capture = self.query.capture_name(index)
            role, _, kind = capture.partition(".")
            if role in ("definition", "reference") and kind:
                self.roles[capture] = (role == "definition", kind)

    def extract(self, source: bytes, budget_seconds: float = 5.0) -> list[Symbol]:
        deadline = time.monotonic() + budget_seconds

        def over_budget(*_: object) -> bool:
            return time.monotonic() > deadline

        # The callback form is the one that takes a progress callback (our budget). It must return
        # bytes: a memoryview here crashes py-tree-sitter 0.26.1 later, when nodes are read.
        parser = ts.Parser(self.language)
        try:
            tree = parser.parse(
                lambda offset, _point: source[offset : offset + READ_CHUNK], progress_callback=over_budget
            )
        except ValueError as e:  # "Parsing failed": cancelled by the budget
            raise ParseBudgetExceeded(f"parse exceeded {budget_seconds:g}s") from e
        if tree is None or over_budget():
            raise ParseBudgetExceeded(f"parse exceeded {budget_seconds:g}s")
        # The query cannot be cancelled (py-tree-sitter 0.26.1 crashes with a progress callback on
        # QueryCursor.matches), and its time grows with the square of the tree's depth: deeply
        # nested input is refused before it is queried. (Deep nesting that parses is unheard of.)
        if tree.root_node.has_error and bracket_depth(source) > MAX_BRACKET_DEPTH:
            raise ParseBudgetExceeded(f"brackets nested deeper than {MAX_BRACKET_DEPTH}")
        matches = ts.QueryCursor(self.query).matches(tree.root_node, _accept_other_predicates)
        if over_budget():
            raise ParseBudgetExceeded(f"tags query exceeded {budget_seconds:g}s")
        return _symbols_from_matches(matches, source, self.roles)


def bracket_depth(source: bytes) -> int:
    """The deepest nesting of (), [] and {} in `source`, ignoring strings and comments."""
    codes = np.frombuffer(source, dtype=np.uint8)
    steps = _BRACKET_STEP[codes]
    return int(np.cumsum(steps, dtype=np.int32).max(initial=0)) if len(codes) else 0


def _accept_other_predicates(
    predicate: str,
    args: list[tuple[str, Literal["capture", "string"]]],
    pattern_index: int,
    captures: dict[str, list[ts.Node]],
) -> bool:
    # #eq?, #match? and #any-of? are built in; directives such as #strip! only shape doc captures.
    return True


def _symbols_from_matches(
    matches: list[tuple[int, dict[str, list[ts.Node]]]], source: bytes, roles: dict[str, tuple[bool, str]]
) -> list[Symbol]:
    # (start byte, -end byte) orders outer nodes before the nodes they contain.
    raw: list[tuple[int, int, str, bool, ts.Node, ts.Node]] = []
    seen: set[tuple[int, int, bool]] = set()
    for _pattern, captures in matches:
        names = captures.get("name")
        if not names:
            continue
        for capture, nodes in captures.items():
            role = roles.get(capture)
            if role is None:
                continue
            is_def, kind = role
            node, name_node = nodes[0], names[0]
            key = (name_node.start_byte, name_node.end_byte, is_def)
            if key in seen:  # two patterns matching the same name: keep the first
                continue
            seen.add(key)
            raw.append((node.start_byte, -node.end_byte, kind, is_def, node, name_node))
            break
    raw.sort(key=lambda r: (r[0], r[1]))

    symbols: list[Symbol] = []
    # Stack of enclosing definitions: (end byte, name, kind).
    stack: list[tuple[int, str, str]] = []
    for start, neg_end, kind, is_def, node, name_node in raw:
        while stack and stack[-1][0] <= start:
            stack.pop()
        container_name, container_kind = (stack[-1][1], stack[-1][2]) if stack else ("", "")
        name = _text(source, name_node)
        if not name:
            continue
        if is_def and kind == "function" and container_kind in CLASS_LIKE:
            kind = "method"
        symbols.append(
            Symbol(
                name=name,
                kind=kind,
                is_definition=is_def,
                line=name_node.start_point[0] + 1,
                column=name_node.start_point[1] + 1,
                end_line=node.end_point[0] + 1,
                end_column=node.end_point[1] + 1,
                container=container_name,
            )
        )
        if is_def:
            stack.append((-neg_end, name, kind))
    return symbols


def _text(source: bytes, node: ts.Node) -> str:
    end = min(node.end_byte, node.start_byte + MAX_NAME_BYTES)
    return source[node.start_byte : end].decode("utf-8", "replace").strip()
