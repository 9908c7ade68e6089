"""Bad input: every odd file is skipped with a counted reason or indexed with a note, never a crash,
never a half-written index (each test ends by checking every invariant of the index)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from unprivileged import run_python

from appliance.index import extract as ex
from appliance.index.indexer import IndexOptions
from appliance.index.lookup import SymbolQuery
from appliance.index.store import Store
from appliance.plugins.discovery import bundled_plugins_dir

if TYPE_CHECKING:
    from conftest import Make

Consistent = Callable[[Store], None]
MAX = 1 << 20


def test_binary_files_are_skipped_and_counted(make: Make, consistent: Consistent) -> None:
    indexed = make(
        {"a.txt": "text\n", "img.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "late.txt": b"x" * 5000 + b"\0"}
    )
    summary = indexed.index()
    assert (summary.indexed, summary.skipped) == (1, {"binary": 2})
    assert (
        indexed.metrics.registry.get_sample_value("appliance_index_files_skipped_total", {"reason": "binary"})
        == 2
    )
    consistent(indexed.store)
    assert indexed.search("PNG").total == 0


def test_invalid_utf8_and_latin1_are_indexed(make: Make, consistent: Consistent) -> None:
    indexed = make(
        {
            "latin1.py": "# caf\xe9\ndef na\xefve():\n    pass\n".encode("latin-1"),
            "bad.txt": b"ok \xff\xfe ok\n",
        }
    )
    summary = indexed.index()
    assert (summary.indexed, summary.skipped) == (2, {})
    consistent(indexed.store)
    assert [(m.path, m.text) for m in indexed.search("ok").matches] == [("bad.txt", "ok \ufffd\ufffd ok")]
    assert indexed.lines("def na") == [("latin1.py", 2)]


def test_a_huge_sparse_file_is_skipped_without_being_read(make: Make, consistent: Consistent) -> None:
    indexed = make({"small.txt": "x\n"})
    with open(indexed.root / "huge.log", "wb") as f:
        f.truncate(100 << 20)  # 100 MB, sparse
    opened: list[str] = []
    big = str(indexed.root / "huge.log")

    def watch(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and args and args[0] == big:
            opened.append(event)

    sys.addaudithook(watch)  # hooks cannot be removed: this one only looks for that one path
    summary = indexed.index()
    assert (summary.indexed, summary.skipped) == (1, {"too_large": 1})
    assert opened == []
    consistent(indexed.store)


def test_extract_reads_no_more_than_the_limit_plus_one(tmp_path: Path) -> None:
    with open(tmp_path / "huge.log", "wb") as f:
        f.truncate(100 << 20)
    result = ex.extract(str(tmp_path), "huge.log", 1, MAX)
    assert (result.skip, result.size, result.content) == ("too_large", MAX + 1, b"")


def test_a_minified_one_line_file(make: Make, consistent: Consistent) -> None:
    line = "DATA = [" + ", ".join(f'"item{i}"' for i in range(50_000)) + "]"  # ~550 KB, one line
    indexed = make({"data.py": line})
    summary = indexed.index()
    assert (summary.indexed, summary.notes) == (1, {})
    consistent(indexed.store)
    [match] = indexed.search("item49999").matches
    assert (match.line, match.column) == (1, line.index("item49999") + 1)
    assert [h.name for h in indexed.lookup.symbols(SymbolQuery("DATA")).hits] == ["DATA"]


def python_plugin_with_budget(tmp_path: Path, seconds: float) -> Path:
    plugins = tmp_path / "plugins"
    shutil.copytree(bundled_plugins_dir() / "python", plugins / "python")
    manifest = plugins / "python" / "plugin.yaml"
    manifest.write_text(manifest.read_text().replace("parse_seconds: 5", f"parse_seconds: {seconds}"))
    assert f"parse_seconds: {seconds}" in manifest.read_text()
    return plugins


def test_over_the_parse_budget_the_text_stays_searchable(
    make: Make, tmp_path: Path, consistent: Consistent
) -> None:
    plugins = python_plugin_with_budget(tmp_path, 0.001)
    source = "".join(
        f"def handler_{i}(event):\n    return event.get({i})\n\n" for i in range(10_000)
    )  # ~540 KB
    indexed = make(
        {"big.py": source, "notes.txt": "x = 1\n"}, IndexOptions(workers=1), plugins
    )
    summary = indexed.index()
    assert (summary.indexed, summary.notes) == (2, {"parse_budget": 1})
    consistent(indexed.store)
    assert indexed.lines("def handler_9999") == [("big.py", 29998)]
    assert indexed.lookup.symbols(SymbolQuery("handler_9999")).hits == []  # no symbols, no half of them
    with indexed.store.read() as txn:
        meta = indexed.store.file_meta(txn, indexed.store.fid_of(txn, indexed.name, "big.py") or 0)
    assert meta is not None and (meta.language, meta.symbols) == ("python", 0)


EXTRACT_IN_A_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from appliance.index import extract as ex
    from appliance.plugins.runtime import load_registry
    registry, failed = load_registry([Path(sys.argv[1])])
    assert not failed, failed
    ex.set_registry(registry)
    print(ex.extract(sys.argv[2], "nested.py", 1, 1 << 20).note)
    """
)


def test_the_parse_budget_holds_for_input_that_makes_the_tags_query_slow(tmp_path: Path) -> None:
    """100,000 unclosed brackets parse in a tenth of a second, but the tags query over the error
    tree is quadratic (about 19 s here, 75 s for 200,000). With a budget of 1 s the file must come
    back within 15 s: a liveness bound, not a timing threshold."""
    plugins = python_plugin_with_budget(tmp_path, 1)
    (tmp_path / "nested.py").write_text("x = " + "[" * 100_000 + "\n")
    argv = [sys.executable, "-c", EXTRACT_IN_A_CHILD, str(plugins), str(tmp_path)]
    try:
        child = subprocess.run(argv, capture_output=True, text=True, timeout=15, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("extract ignored the parse budget of 1 s for over 15 s (the tags query has no deadline)")
    assert child.stdout.strip() == "parse_budget", child.stderr


def test_a_file_gone_between_walk_and_extract_is_skipped_as_vanished(tmp_path: Path) -> None:
    result = ex.extract(str(tmp_path), "gone.py", 1, MAX)
    assert (result.skip, result.content, result.definitions) == ("vanished", b"", b"")


def test_a_folder_where_a_file_was_is_skipped_as_special(tmp_path: Path) -> None:
    (tmp_path / "was_a_file.py").mkdir()
    assert ex.extract(str(tmp_path), "was_a_file.py", 1, MAX).skip == "special"


def test_a_fifo_where_a_file_was_does_not_block_extract(tmp_path: Path) -> None:
    """A file replaced by a named pipe between walk and extract: opening it for reading blocks
    until a writer comes. extract must not wait (O_NONBLOCK, then fstat says it is no file)."""
    fifo = tmp_path / "was_a_file.py"
    os.mkfifo(fifo)
    results: list[ex.Extracted] = []
    worker = threading.Thread(
        target=lambda: results.append(ex.extract(str(tmp_path), fifo.name, 1, MAX)), daemon=True
    )
    worker.start()
    worker.join(timeout=10)
    blocked = worker.is_alive()
    if blocked:  # let the stuck open return: a writer appears and leaves at once
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join()
    assert not blocked, "extract blocked on a named pipe"
    assert results[0].skip == "special"


def test_a_symlink_where_a_file_was_is_not_followed(tmp_path: Path) -> None:
    """A file replaced by a symbolic link between walk and extract: its target (here outside the
    repository) must not be read into the index."""
    (tmp_path / "secret.txt").write_text("password=hunter2\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "config.py").symlink_to(tmp_path / "secret.txt")
    result = ex.extract(str(repo), "config.py", 1, MAX)
    assert result.content == b"" and result.skip != "", "extract read the target of a symbolic link"


def test_an_unreadable_file_is_skipped_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "locked.py").write_text("x = 1\n")
    (tmp_path / "locked.py").chmod(0)
    code = (
        "import sys; from appliance.index import extract as ex\n"
        "print(ex.extract(sys.argv[1], 'locked.py', 1, 1 << 20).skip)"
    )
    assert run_python(code, str(tmp_path)) == "unreadable"


def test_a_symlink_loop_in_the_repository(make: Make, consistent: Consistent) -> None:
    indexed = make({"pkg/a.py": "def a():\n    pass\n"})
    (indexed.root / "pkg" / "loop").symlink_to(indexed.root / "pkg", target_is_directory=True)
    (indexed.root / "self.py").symlink_to(indexed.root / "self.py")
    summary = indexed.index()
    assert (summary.indexed, summary.skipped) == (1, {"symlink": 2})
    consistent(indexed.store)


def test_empty_files_are_indexed(make: Make, consistent: Consistent) -> None:
    indexed = make({"empty.py": "", "one.txt": "ab"})
    assert indexed.index().indexed == 2
    consistent(indexed.store)
    assert indexed.lines("ab") == [("one.txt", 1)]


def test_a_syntax_error_still_gives_the_symbols_around_it(make: Make, consistent: Consistent) -> None:
    indexed = make({"broken.py": "def good():\n    pass\n\ndef broken(:\n\nclass Fine:\n    pass\n"})
    summary = indexed.index()
    assert (summary.indexed, summary.notes) == (1, {})
    consistent(indexed.store)
    assert [h.name for h in indexed.lookup.symbols(SymbolQuery("good")).hits] == ["good"]
