from __future__ import annotations

import io
import sys

import pytest

from appliance.cli.progress import ProgressBar


def test_the_bar_writes_to_the_stderr_of_the_moment(capsys: pytest.CaptureFixture[str]) -> None:
    """Not to the stderr of import time: that one may be closed since (a test's capture, or any
    program that replaces sys.stderr), and `appliance index` then fails on `isatty()`."""
    bar = ProgressBar("indexing")
    assert bar.stream is sys.stderr
    bar.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_draws_on_a_terminal_only() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar("indexing r", stream=stream, min_interval=0)
        bar(5, 10, 500, 1000)
        bar.close()
    assert "indexing r" in terminal.getvalue() and "5/10 files" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")
    assert pipe.getvalue() == ""
