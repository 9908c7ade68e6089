"""Golden samples in tree-sitter's `test/tags/` style: caret comments assert the symbols above them.

In a sample, a comment line holding `^ definition.function` asserts that the nearest line above it
that is not itself an assertion has a symbol of that role and kind whose name covers the caret's
column; `<- reference.call` asserts the same at the column where the comment starts. Every
definition extracted must be asserted; asserted references must exist. (tests/unit/plugins/
test_golden.py applies the same rule to every bundled plugin.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from appliance.index.symbols import Symbol

ASSERTION = re.compile(
    r"^(?P<lead>\s*)(?P<marker>\S+?)\s*(?P<arrow>\^|<-)\s*(?P<tag>(definition|reference)\.\w+)\s*$"
)


@dataclass(frozen=True)
class GoldenResult:
    asserted: int  # assertions in the sample
    missing: list[tuple[int, int, str]]  # (line, column, tag) asserted but not extracted
    unasserted: list[tuple[int, int, str, str]]  # (line, column, tag, name) definitions not asserted

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unasserted


def expected_tags(text: str) -> set[tuple[int, int, str]]:
    """(line, column, tag) asserted by the sample's caret comments; line and column 1-based."""
    expected: set[tuple[int, int, str]] = set()
    target = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = ASSERTION.match(line)
        if match is None:
            target = number
            continue
        column = match.start("arrow") + 1 if match["arrow"] == "^" else match.start("marker") + 1
        expected.add((target, column, match["tag"]))
    return expected


def check(text: str, symbols: list[Symbol]) -> GoldenResult:
    expected = expected_tags(text)

    def covering(line: int, column: int, tag: str) -> bool:
        role, kind = tag.split(".", 1)
        return any(
            s.line == line
            and s.column <= column < s.column + len(s.name.encode())
            and s.is_definition == (role == "definition")
            and s.kind == kind
            for s in symbols
        )

    missing = sorted(e for e in expected if not covering(*e))
    asserted_definitions = {(line, tag) for line, _, tag in expected if tag.startswith("definition.")}
    unasserted = sorted(
        (s.line, s.column, f"definition.{s.kind}", s.name)
        for s in symbols
        if s.is_definition and (s.line, f"definition.{s.kind}") not in asserted_definitions
    )
    return GoldenResult(len(expected), missing, unasserted if expected else [])
