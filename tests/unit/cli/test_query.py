"""`appliance search` and friends: bad queries are refused with a clear message and exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.cli import main
from appliance.index.indexer import Indexer, IndexOptions
from appliance.index.store import Store
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.runtime import load_registry


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    Store.close_all()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The data dir of an indexed repository `proj` (indexed by the engine: this tests queries)."""
    tmp_path = tmp_path_factory.mktemp("cli")
    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "a.py").write_text("def handler(event):\n    return event\n\nprint('done\\n')\n")
    registry, _ = load_registry([bundled_plugins_dir()])
    store = Store.open(tmp_path / "data", writable=True)
    Indexer(store, registry, IndexOptions(workers=1)).index("proj", str(repo))
    Store.close_all()
    return str(tmp_path / "data")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_prints_ripgrep_style_lines(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "search", "event", "--data", data) == (
        0, "proj/a.py:1:13:def handler(event):\nproj/a.py:2:12:    return event\n", ""
    )  # fmt: skip
    assert run(capsys, "search", "-c", "event", "--data", data)[:2] == (0, "2 matching lines in 1 files\n")
    assert run(capsys, "search", "nothing here", "--data", data) == (1, "", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "x" * (1 << 20)], "the search pattern is longer than 4096 bytes"),
        (["search", "--regex", r"a\nb"], "the pattern matches a line break"),
        (["search", "--regex", ""], "the search pattern is empty"),
        (["search", "--regex", "(unclosed"], "invalid regex '(unclosed'"),
        (["search", "--limit", "-1", "x"], "limit must be"),
        (["show", "proj/../../etc/passwd"], "'..' is refused"),
        (["show", "proj//etc/passwd"], "absolute paths are refused"),
        (["show", "proj/missing.py"], "not in the index"),
        (["outline", "nope/a.py"], "no repository named 'nope'"),
        (["symbol", ""], "the symbol name is empty"),
    ],
)
def test_bad_queries_exit_1_with_a_clear_message(
    data: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv, "--data", data)
    assert (code, out) == (1, "")
    assert err.startswith("appliance: error: ") and message in err, err
    assert "Traceback" not in err


def test_an_escaped_backslash_n_is_searchable(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "search", "--regex", r"done\\n", "--data", data)[:2] == (
        0,
        "proj/a.py:4:8:print('done\\n')\n",
    )


def test_no_index_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "search", "x", "--data", str(tmp_path / "empty"))
    assert code == 1 and "no index in" in err and "run `appliance index PATH` first" in err
