"""Golden tests for every bundled language plugin, in tree-sitter's `test/tags/` style.

The rule lives in appliance/plugins/golden.py (the plugin loader and `appliance plugins test` apply
it too): caret comments assert the symbols above them; every definition the plugin extracts must
be asserted, and every asserted tag must be extracted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.plugins import golden
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.manifest import load_manifest
from appliance.plugins.runtime import load_registry

REGISTRY, FAILED = load_registry([bundled_plugins_dir()])
SAMPLES = sorted(
    (name, sample)
    for name, plugin in REGISTRY.plugins.items()
    for sample in (plugin.manifest.folder / (plugin.manifest.samples or "samples")).glob("*")
    if sample.is_file()
)


def test_the_assertion_syntax() -> None:
    text = "def f():\n#   ^ definition.function\n    g()\n#   <- reference.call\n"
    assert golden.expected_tags(text) == {(1, 5, "definition.function"), (3, 1, "reference.call")}


def test_every_bundled_plugin_loads() -> None:
    assert FAILED == {}
    folders = sorted(p.parent.name for p in bundled_plugins_dir().glob("*/plugin.yaml"))
    languages = {load_manifest(bundled_plugins_dir() / f).language for f in folders}
    assert languages == set(REGISTRY.plugins)


def test_required_languages_are_bundled() -> None:
    required = {
        "python",
        "javascript",
        "typescript",
        "tsx",
        "go",
        "rust",
        "java",
        "c",
        "cpp",
        "ruby",
        "c_sharp",
    }
    assert required <= set(REGISTRY.plugins)


@pytest.mark.parametrize(("language", "sample"), SAMPLES, ids=[f"{n}/{s.name}" for n, s in SAMPLES])
def test_golden_sample(language: str, sample: Path) -> None:
    plugin = REGISTRY.plugins[language]
    assert REGISTRY.for_path(sample.name) is plugin, f"{sample.name} is not claimed by {language}"
    source = sample.read_bytes()
    result = golden.check(source.decode(), plugin.extractor.extract(source))
    assert result.asserted, f"{sample} asserts nothing"
    assert not result.missing, f"{sample}: expected but not extracted: {result.missing}"
    assert not result.unasserted, f"{sample}: extracted but not asserted: {result.unasserted}"
