"""PluginRuntime: the indexer follows swaps that change a language, and only those."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from appliance.index.languages import LanguageRegistry
from appliance.metrics import Metrics
from appliance.plugins.runtime import PluginRuntime

if TYPE_CHECKING:
    from conftest import Plugins

TOOL = """\
from appliance.plugins.hookspecs import hookimpl
from appliance.plugins.tools import ToolDefinition

@hookimpl
def provide_tools():
    def one() -> int:
        return 1
    return [ToolDefinition("one", "One.", one)]
"""


class FakeIndexer:
    def __init__(self) -> None:
        self.registries: list[LanguageRegistry] = []

    def set_registry(self, registry: LanguageRegistry) -> None:
        self.registries.append(registry)


def test_the_indexer_follows_language_changes(plugins: Plugins, metrics: Metrics, tmp_path: Path) -> None:
    empty = tmp_path / "no-bundled"
    empty.mkdir()
    runtime = PluginRuntime.start_loaded(
        [plugins.root], metrics=metrics, data_dir=tmp_path / "data", bundled=[empty]
    )
    indexer, rescans = FakeIndexer(), []
    runtime.follow_indexer(indexer, rescan=lambda: rescans.append(1))
    try:
        plugins.tool("one", TOOL)
        runtime.manager.refresh()
        assert indexer.registries == [] and rescans == []  # tools only: nothing to parse again
        plugins.language("snake")
        runtime.manager.refresh()
        assert indexer.registries == [runtime.manager.registry] and rescans == [1]
        assert set(runtime.manager.registry.plugins) == {"snake"}
    finally:
        runtime.stop()
