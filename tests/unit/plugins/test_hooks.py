"""Hooks run contained: chained in order, a raise skipped and reported, a hang abandoned and fatal."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from appliance.index.symbols import Symbol
from appliance.plugins import hooks
from appliance.plugins.hooks import HookChain, HookFailure, HookSpec
from appliance.plugins.hookspecs import hookimpl

SYMBOLS = [
    Symbol("greet", "function", True, 1, 5, 2, 1, ""),
    Symbol("shout", "call", False, 2, 12, 2, 22, "greet"),
]
SOURCE = b"def greet(name):\n    return shout(name)\n"


class Renamer:
    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    @hookimpl
    def adjust_symbols(self, symbols: list[Symbol]) -> list[Symbol]:
        return [
            Symbol(
                s.name + self.suffix,
                *[
                    getattr(s, f)
                    for f in (
                        "kind",
                        "is_definition",
                        "line",
                        "column",
                        "end_line",
                        "end_column",
                        "container",
                    )
                ],
            )
            for s in symbols
        ]


class DropReferences:
    @hookimpl
    def adjust_symbols(
        self, language: str, path: str, symbols: list[Symbol], config: dict[str, Any]
    ) -> list[Symbol]:
        assert (language, path) == ("snake", "a.snake")
        return [s for s in symbols if s.is_definition or not config["drop"]]


class Raises:
    @hookimpl
    def adjust_symbols(self, symbols: list[Symbol]) -> list[Symbol]:
        raise ValueError("bad rule")


class Hangs:
    def __init__(self, release: threading.Event) -> None:
        self.release = release

    @hookimpl
    def adjust_symbols(self, symbols: list[Symbol]) -> list[Symbol]:
        self.release.wait(30)
        return symbols


class OutOfFile:
    @hookimpl
    def adjust_symbols(self, symbols: list[Symbol]) -> list[Symbol]:
        return [Symbol("ghost", "function", True, 99, 1, 99, 2, "")]


@pytest.fixture
def failures() -> Iterator[list[HookFailure]]:
    seen: list[HookFailure] = []
    hooks.add_listener(seen.append)
    yield seen
    hooks.remove_listener(seen.append)


_count = iter(range(1_000_000))


def spec(plugin: str, target: object, **options: Any) -> HookSpec:
    made = HookSpec(plugin=plugin, fingerprint=f"fp{next(_count)}", **options)
    hooks.adopt(made, target)
    return made


def test_hooks_chain_in_name_order_with_the_arguments_they_take(failures: list[HookFailure]) -> None:
    chain = HookChain(
        "snake",
        (
            spec("b-second", Renamer("_b")),
            spec("a-first", Renamer("_a")),
            spec("c-drop", DropReferences(), config_json=json.dumps({"drop": True})),
            spec("elsewhere", Renamer("_x"), languages=("lua",)),
        ),
    )
    adjusted = chain.adjust("a.snake", list(SYMBOLS), SOURCE)
    assert [s.name for s in adjusted] == ["greet_a_b"]
    assert failures == []


def test_a_hook_that_raises_is_skipped_and_reported(failures: list[HookFailure]) -> None:
    chain = HookChain("snake", (spec("raises", Raises()), spec("renamer", Renamer("!"))))
    assert [s.name for s in chain.adjust("a.snake", list(SYMBOLS), SOURCE)] == ["greet!", "shout!"]
    [failure] = failures
    assert (failure.plugin, failure.hook, failure.fatal) == ("raises", "adjust_symbols", False)
    assert "ValueError: bad rule" in failure.message


def test_a_hook_returning_symbols_outside_the_file_is_refused(failures: list[HookFailure]) -> None:
    chain = HookChain("snake", (spec("ghosts", OutOfFile()),))
    assert chain.adjust("a.snake", list(SYMBOLS), SOURCE) == SYMBOLS
    assert "outside the file" in failures[0].message


def test_a_hook_that_hangs_is_abandoned_and_never_called_again(failures: list[HookFailure]) -> None:
    release = threading.Event()
    hung = spec("hangs", Hangs(release), seconds=0.05)
    chain = HookChain("snake", (hung,))
    try:
        assert chain.adjust("a.snake", list(SYMBOLS), SOURCE) == SYMBOLS
        assert chain.adjust("b.snake", list(SYMBOLS), SOURCE) == SYMBOLS
    finally:
        release.set()
    [failure] = failures
    assert failure.fatal
    assert "did not return within 0.05s (limits.hook_seconds)" in failure.message
    assert hooks.is_hung(hung)


def test_a_bad_hook_implementation_is_a_plugin_error() -> None:
    class Misspelled:
        @hookimpl
        def adjust_symbol(self, symbols: list[Symbol]) -> list[Symbol]:
            return symbols

    with pytest.raises(Exception, match="matches no hook"):
        hooks.plugin_manager([("m", Misspelled())])


def test_other_processes_report_through_files(tmp_path: Path, failures: list[HookFailure]) -> None:
    failure = HookFailure("p", "fp", "adjust_symbols", "hung", True)
    hooks.write_report(tmp_path, failure)
    assert hooks.read_reports(tmp_path) == []  # this process's own reports are its listeners' business
    [own] = list(tmp_path.iterdir())
    other = own.with_name(own.name.replace(f".{os.getpid()}.", ".1.")).with_suffix(".json")
    own.rename(other)
    assert hooks.read_reports(tmp_path) == [(other, failure)]


def test_a_report_from_a_parser_process_is_written_once(tmp_path: Path) -> None:
    # No listener in that process; the manager's report folder comes with the spec.
    raising = spec("raises", Raises(), report_dir=str(tmp_path))
    chain = HookChain("snake", (raising,))
    for _ in range(3):
        chain.adjust("a.snake", list(SYMBOLS), SOURCE)
    assert len(list(tmp_path.glob("raises.*.error.*.json"))) == 1
