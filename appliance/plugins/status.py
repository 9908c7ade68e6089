"""What the manager tells the rest of the appliance: each plugin's status, and what a swap changed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from appliance.index.languages import LanguageRegistry
from appliance.plugins.tools import ToolDefinition

# discovered: found, not loaded (yet, or unloaded on request); loaded: valid and held in memory but
# not serving (it waits for a plugin it requires, or lost its language to a plugin that wins the
# conflict rule); active: serving; failed: no valid version; disabled: switched off in plugins.yaml.
STATES = ("discovered", "loaded", "active", "failed", "disabled")


@dataclass(frozen=True)
class PluginStatus:
    name: str
    state: str
    origin: str  # mounted, package or bundled
    source: str  # the folder, or the entry point
    type: str = ""
    version: str = ""
    description: str = ""
    languages: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    priority: int = 0
    requires: list[str] = field(default_factory=list)
    error: str | None = None  # why it failed; with state active, why its newest version failed
    stage: str | None = None  # where that error arose: discover, manifest, config, code, grammar, ...
    conflicts: list[str] = field(default_factory=list)  # what it claims but another plugin has
    shadows: list[str] = field(default_factory=list)  # plugins of the same name it overrides
    fingerprint: str = ""
    load_seconds: float | None = None
    loaded_at: float | None = None  # Unix time of the load of the version it serves

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """One swap: the registry now in force, and what differs from the one before."""

    registry: LanguageRegistry
    languages: frozenset[str] = frozenset()  # languages whose plugin changed, appeared or went away
    tools_added: tuple[ToolDefinition, ...] = ()  # new or replaced tools (functions guarded)
    tools_removed: tuple[str, ...] = ()  # tools gone or replaced
    plugins: tuple[str, ...] = ()  # plugins whose state or version changed

    def __bool__(self) -> bool:
        return bool(self.languages or self.tools_added or self.tools_removed or self.plugins)
