"""Every way a plugin can fail: reported in the logs, in the listing and in metrics; nothing crashes.

Each case loads a broken plugin beside a good one: the good one must stay active.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.errors import NotFoundError
from appliance.index import extract as ex
from appliance.metrics import Metrics
from appliance.plugins import hooks
from appliance.plugins.manager import PluginManager

if TYPE_CHECKING:
    from conftest import Plugins

MakeManager = Callable[..., PluginManager]
DEADLINE = 30.0


def errors_total(metrics: Metrics, plugin: str, stage: str) -> float:
    labels = {"plugin": plugin, "stage": stage}
    return metrics.registry.get_sample_value("appliance_plugin_errors_total", labels) or 0.0


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.01)


def broken_manifest(plugins: Plugins) -> None:
    plugins.write("broken", {"plugin.yaml": "name: broken\nversion: '1'\ntype: language\nlanguages: [x\n"})


def schema_failure(plugins: Plugins) -> None:
    plugins.write("broken", {"plugin.yaml": "name: broken\nversion: '1'\ntype: widget\n"})


def missing_grammar(plugins: Plugins) -> None:
    plugins.language("broken", ext=".b", manifest="").joinpath("plugin.yaml").write_text(
        "name: broken\nversion: '1'\ntype: language\nlanguages: [broken]\nfile_extensions: [.b]\n"
        "grammar: tree_sitter_nowhere\nqueries: queries/tags.scm\n"
    )


def bad_query(plugins: Plugins) -> None:
    plugins.language(
        "broken", ext=".b", query="(function_definition name: (nonsense) @name) @definition.function\n"
    )


def syntax_error_in_code(plugins: Plugins) -> None:
    plugins.tool("broken", "from appliance.plugins.hookspecs import hookimpl\ndef provide_tools(:\n")


def hook_raises_on_load(plugins: Plugins) -> None:
    plugins.language(
        "broken",
        ext=".b",
        code="from appliance.plugins.hookspecs import hookimpl\n"
        "@hookimpl\ndef adjust_symbols(symbols):\n    raise KeyError('rule')\n",
    )


def hook_hangs_on_load(plugins: Plugins) -> None:
    plugins.tool(
        "broken",
        "import threading\nfrom appliance.plugins.hookspecs import hookimpl\n"
        "@hookimpl\ndef provide_tools():\n    threading.Event().wait(30)\n    return []\n",
        manifest="limits: {hook_seconds: 0.1}\n",
    )


def sample_does_not_parse(plugins: Plugins) -> None:
    plugins.language("broken", ext=".b", sample="def (:\n    return\n")


CASES = {
    "invalid YAML": (broken_manifest, "manifest", "invalid YAML"),
    "manifest fails the schema": (schema_failure, "manifest", "type: 'widget' is not one of"),
    "missing grammar": (missing_grammar, "grammar", "grammar module 'tree_sitter_nowhere' is not installed"),
    "query does not compile": (bad_query, "query", "the query does not compile"),
    "syntax error in plugin.py": (syntax_error_in_code, "code", "plugin.py:2: syntax error"),
    "hook raises": (hook_raises_on_load, "hook", "adjust_symbols raised KeyError"),
    "hook hangs": (hook_hangs_on_load, "hook", "provide_tools did not return within 0.1s"),
    "sample does not parse": (sample_does_not_parse, "samples", "sample.b:1: syntax error"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_plugin_that_fails_to_load_is_reported_and_harms_no_other(
    case: str, plugins: Plugins, make_manager: MakeManager, metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    make, stage, message = CASES[case]
    plugins.language("snake")
    make(plugins)
    manager = make_manager()
    with caplog.at_level(logging.ERROR):
        manager.refresh()
    status = manager.info("broken")
    assert status.state == "failed"
    assert status.stage == stage
    assert status.error is not None and message in status.error
    assert any(message in r.getMessage() and "broken" in r.getMessage() for r in caplog.records)
    assert errors_total(metrics, "broken", stage) == 1
    assert metrics.registry.get_sample_value("appliance_plugins", {"state": "failed"}) == 1
    assert manager.info("snake").state == "active"
    assert set(manager.registry.plugins) == {"snake"}


RUNTIME_HOOKS = """\
import threading
from appliance.plugins.hookspecs import hookimpl

RELEASE = threading.Event()

@hookimpl
def adjust_symbols(path, symbols):
    if "boom" in path:
        raise RuntimeError("cannot adjust " + path)
    if "hang" in path:
        RELEASE.wait(30)
    return symbols
"""


def extract(tmp_path: Path, name: str) -> ex.Extracted:
    (tmp_path / name).write_text("def greet():\n    shout()\n")
    return ex.extract(str(tmp_path), name, 1, 1 << 20)


def test_a_hook_that_raises_while_indexing_is_reported_and_the_file_kept(
    plugins: Plugins,
    make_manager: MakeManager,
    metrics: Metrics,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    plugins.language("snake")
    plugins.hooks("rules", RUNTIME_HOOKS)
    manager = make_manager()
    manager.refresh()
    ex.set_registry(manager.registry)
    with caplog.at_level(logging.ERROR):
        result = extract(tmp_path, "boom.snake")
    assert result.definition_names == [b"greet"]  # the symbols before the hook
    status = manager.info("rules")
    assert status.state == "active"  # one file's failure is not the plugin's end
    assert status.error == "adjust_symbols raised RuntimeError: cannot adjust boom.snake"
    assert errors_total(metrics, "rules", "hook") == 1
    assert any("cannot adjust boom.snake" in r.getMessage() for r in caplog.records)


def test_a_hook_that_hangs_while_indexing_marks_its_plugin_failed(
    plugins: Plugins,
    make_manager: MakeManager,
    metrics: Metrics,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    plugins.language("snake")
    plugins.hooks("rules", RUNTIME_HOOKS, manifest="limits: {hook_seconds: 0.1}\n")
    manager = make_manager()
    manager.refresh()
    release = manager.loaded("rules").code.module.RELEASE  # type: ignore[union-attr]
    ex.set_registry(manager.registry)
    try:
        with caplog.at_level(logging.ERROR):
            result = extract(tmp_path, "hang.snake")
        assert result.definition_names == [b"greet"]
        wait_for(lambda: manager.info("rules").state == "failed")
    finally:
        release.set()
    status = manager.info("rules")
    assert status.error == "adjust_symbols did not return within 0.1s (limits.hook_seconds)"
    assert errors_total(metrics, "rules", "hook") == 1
    assert any("did not return" in r.getMessage() for r in caplog.records)
    assert manager.registry.plugins["snake"].spec.hooks == ()  # the registry swapped without it
    assert manager.info("snake").state == "active"


def test_a_hang_reported_by_another_process_marks_the_plugin_failed(
    plugins: Plugins, make_manager: MakeManager, metrics: Metrics, tmp_path: Path
) -> None:
    plugins.language("snake")
    plugins.hooks("rules", RUNTIME_HOOKS)
    manager = make_manager(data_dir=tmp_path / "data")
    manager.refresh()
    loaded = manager.loaded("rules")
    assert loaded is not None and manager.report_dir is not None
    failure = hooks.HookFailure("rules", loaded.fingerprint, "adjust_symbols", "adjust_symbols hung", True)
    hooks.write_report(manager.report_dir, failure)
    [written] = manager.report_dir.iterdir()
    written.rename(written.with_name(f"rules.{loaded.fingerprint}.fatal.1.json"))  # as if from pid 1
    manager.read_reports()
    assert manager.info("rules").state == "failed"
    assert manager.info("rules").error == "adjust_symbols hung"
    assert errors_total(metrics, "rules", "hook") == 1
    manager.refresh()
    assert manager.info("rules").state == "failed"  # until it changes, or is loaded on request
    assert manager.load("rules").state == "active"
    assert list(manager.report_dir.iterdir()) == []


def test_a_plugin_removed_while_in_use_finishes_what_it_started(
    plugins: Plugins, make_manager: MakeManager, tmp_path: Path
) -> None:
    snake = plugins.language("snake")
    tool = plugins.tool(
        "slow",
        """\
        import threading
        from appliance.plugins.hookspecs import hookimpl
        from appliance.plugins.tools import ToolDefinition

        STARTED, RELEASE = threading.Event(), threading.Event()

        @hookimpl
        def provide_tools():
            def wait() -> str:
                STARTED.set()
                RELEASE.wait(30)
                return "finished"
            return [ToolDefinition("wait", "Waits to be released.", wait)]
        """,
    )
    manager = make_manager()
    manager.refresh()
    module = manager.loaded("slow").code.module  # type: ignore[union-attr]
    registry = manager.registry
    results: list[object] = []
    call = threading.Thread(target=lambda: results.append(manager.call_tool("wait")))
    call.start()
    assert module.STARTED.wait(DEADLINE)
    shutil.rmtree(tool)
    shutil.rmtree(snake)
    change = manager.refresh()
    assert change.tools_removed == ("wait",) and change.languages == {"snake"}
    assert manager.list_plugins() == []
    module.RELEASE.set()
    call.join(DEADLINE)
    assert results == ["finished"]
    with pytest.raises(NotFoundError):
        manager.call_tool("wait")
    # A parse that began with the old registry finishes with it too.
    old = registry.plugins["snake"]
    assert [s.name for s in old.extractor.extract(b"def f():\n    pass\n")] == ["f"]


def test_two_plugins_claiming_one_extension(
    plugins: Plugins,
    make_manager: MakeManager,
    tmp_path: Path,
    metrics: Metrics,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bundled = tmp_path / "bundled"
    plugins.language("alpha", ext=".snake")
    plugins.language("beta", ext=".snake")
    plugins.language("gamma", ext=".snake", root=bundled)
    plugins.language("delta", ext=".viper", root=bundled, manifest="priority: 1\n")
    plugins.language("epsilon", ext=".viper")
    manager = make_manager(include_bundled=True, bundled=bundled)
    with caplog.at_level(logging.WARNING):
        manager.refresh()
        manager.refresh()  # a conflict is reported once, when it appears
    # Same priority: mounted over bundled, then by name.
    assert manager.registry.for_path("a.snake").name == "alpha"  # type: ignore[union-attr]
    assert manager.info("beta").conflicts == [".snake is claimed by alpha (the conflict rule)"]
    assert manager.info("gamma").conflicts == [".snake is claimed by alpha (the conflict rule)"]
    # Priority first, over origin.
    assert manager.registry.for_path("a.viper").name == "delta"  # type: ignore[union-attr]
    assert manager.info("epsilon").conflicts == [".viper is claimed by delta (the conflict rule)"]
    assert {s.state for s in manager.list_plugins()} == {"active"}
    assert errors_total(metrics, "beta", "conflict") == 1
    assert [r.getMessage() for r in caplog.records if "conflict rule" in r.getMessage()] == [
        "plugin beta: .snake is claimed by alpha (the conflict rule)",
        "plugin epsilon: .viper is claimed by delta (the conflict rule)",
        "plugin gamma: .snake is claimed by alpha (the conflict rule)",
    ]
