"""Golden tests for every bundled language plugin, in tree-sitter's `test/tags/` style.

In a sample file, a comment line holding `^ definition.function` asserts that the line above it
(the nearest line that is not itself an assertion) has a symbol of that role and kind whose name
covers the caret's column; `<- reference.call` asserts the same at the column where the comment
starts. Every definition the plugin extracts must be asserted; asserted references must exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appliance.plugins.languages import bundled_plugins_dir, load_languages
from appliance.plugins.manifest import load_manifest

ASSERTION = re.compile(r"^(?P<lead>\s*)(?P<marker>\S+?)\s*(?P<arrow>\^|<-)\s*(?P<tag>(definition|reference)\.\w+)\s*$")
CARET = re.compile(r"\^")

REGISTRY, FAILED = load_languages([bundled_plugins_dir()])
SAMPLES = sorted(
    (name, sample)
    for name, plugin in REGISTRY.plugins.items()
    for sample in (plugin.manifest.folder / (plugin.manifest.samples or "samples")).glob("*")
    if sample.is_file()
)


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


def test_every_bundled_plugin_loads() -> None:
    assert FAILED == {}
    folders = sorted(p.parent.name for p in bundled_plugins_dir().glob("*/plugin.yaml"))
    languages = {load_manifest(bundled_plugins_dir() / f).language for f in folders}
    assert languages == set(REGISTRY.plugins)


def test_required_languages_are_bundled() -> None:
    required = {"python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp", "ruby", "c_sharp"}
    assert required <= set(REGISTRY.plugins)


@pytest.mark.parametrize(("language", "sample"), SAMPLES, ids=[f"{n}/{s.name}" for n, s in SAMPLES])
def test_golden_sample(language: str, sample: Path) -> None:
    plugin = REGISTRY.plugins[language]
    assert REGISTRY.for_path(sample.name) is plugin, f"{sample.name} is not claimed by {language}"
    source = sample.read_bytes()
    symbols = plugin.extractor.extract(source)
    expected = expected_tags(source.decode())
    assert expected, f"{sample} asserts nothing"

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
    assert not missing, f"{sample}: expected but not extracted: {missing}"

    asserted_definitions = {(line, tag) for line, _, tag in expected if tag.startswith("definition.")}
    unasserted = sorted(
        (s.line, s.column, f"definition.{s.kind}", s.name)
        for s in symbols
        if s.is_definition and (s.line, f"definition.{s.kind}") not in asserted_definitions
    )
    assert not unasserted, f"{sample}: extracted but not asserted: {unasserted}"
