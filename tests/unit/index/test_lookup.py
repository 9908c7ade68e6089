"""Symbols, references, outlines and file text, read from the index only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.errors import NotFoundError, UsageError
from appliance.index import lookup
from appliance.index.lookup import (
    EXACT,
    EXACT_IGNORING_CASE,
    FUZZY,
    MAX_READ_LINES,
    PREFIX,
    SAME_WORDS,
    SymbolQuery,
    safe_path,
    split_repo_path,
)

if TYPE_CHECKING:
    from conftest import Indexed, Make

NAMES = {
    "a.py": "def getUser():\n    pass\n",
    "b.py": "class GetUser:\n    pass\n",
    "c.py": "def get_user():\n    return getUser()\n",
    "d.py": "def get_user_name():\n    return get_user()\n",
    "e.py": "def get_usr():\n    pass\n",
    "f.py": "def unrelated():\n    pass\n",
}


@pytest.fixture
def names(make: Make) -> Indexed:
    indexed = make(NAMES)
    indexed.index()
    return indexed


def ranked(indexed: Indexed, query: SymbolQuery, references: bool = False) -> list[tuple[str, str, int]]:
    return [(h.name, h.path, h.rank) for h in indexed.lookup.symbols(query, references).hits]


def test_exact_then_case_then_words(names: Indexed) -> None:
    assert ranked(names, SymbolQuery("getUser")) == [
        ("getUser", "a.py", EXACT),
        ("GetUser", "b.py", EXACT_IGNORING_CASE),
        ("get_user", "c.py", SAME_WORDS),
    ]
    assert [name for name, _, _ in ranked(names, SymbolQuery("get_user"))] == [
        "get_user",
        "getUser",
        "GetUser",
    ]


def test_prefix_comes_after_the_same_name(names: Indexed) -> None:
    assert ranked(names, SymbolQuery("getUser", prefix=True))[3:] == [("get_user_name", "d.py", PREFIX)]
    assert [name for name, _, _ in ranked(names, SymbolQuery("get", prefix=True))] == [
        "getUser", "GetUser", "get_user", "get_user_name", "get_usr"
    ]  # fmt: skip


def test_fuzzy_finds_typos_last(names: Indexed) -> None:
    found = ranked(names, SymbolQuery("gte_user", fuzzy=True))
    assert {(name, rank) for name, _, rank in found} == {
        ("getUser", FUZZY),
        ("GetUser", FUZZY),
        ("get_user", FUZZY),
    }  # fmt: skip (get_usr is three edits away: too far for seven letters)
    assert ranked(names, SymbolQuery("get_usr", fuzzy=True))[0] == ("get_usr", "e.py", EXACT)
    assert ranked(names, SymbolQuery("gte_user")) == []  # typos only when asked


def test_kinds_filter(names: Indexed) -> None:
    assert ranked(names, SymbolQuery("getuser", kinds=("class",))) == [
        ("GetUser", "b.py", EXACT_IGNORING_CASE)
    ]
    assert ranked(names, SymbolQuery("getuser", kinds=("struct",))) == []


def test_references(names: Indexed) -> None:
    refs = names.lookup.symbols(SymbolQuery("get_user"), references=True).hits
    assert sorted((h.path, h.line, h.name, h.kind) for h in refs) == [
        ("c.py", 2, "getUser", "call"), ("d.py", 2, "get_user", "call")
    ]  # fmt: skip
    assert all(h.signature == "" for h in refs)


def test_paging_and_total(names: Indexed) -> None:
    query = SymbolQuery("get", prefix=True, limit=2)
    first = names.lookup.symbols(query)
    second = names.lookup.symbols(SymbolQuery("get", prefix=True, limit=2, offset=2))
    everything = names.lookup.symbols(SymbolQuery("get", prefix=True))
    assert first.total == second.total == everything.total == 5
    assert first.hits + second.hits == everything.hits[:4]


def test_scope_filters(names: Indexed, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.py").write_text("def getUser():\n    pass\n")
    names.indexer.index("other", str(other))
    assert len(names.lookup.symbols(SymbolQuery("getUser", kinds=("function",))).hits) == 3
    assert [h.repo for h in names.lookup.symbols(SymbolQuery("getUser", repos=("other",))).hits] == ["other"]
    assert names.lookup.symbols(SymbolQuery("getUser", languages=("rust",))).hits == []


def test_a_hit_carries_its_definition(small: Indexed) -> None:
    [hit] = small.lookup.symbols(SymbolQuery("save_user")).hits
    assert (hit.path, hit.line, hit.column, hit.end_line) == ("src/users.py", 10, 9, 11)
    assert (hit.kind, hit.container, hit.language) == ("method", "UserStore", "python")
    assert hit.signature == "def save_user(self, user):"


@pytest.mark.parametrize("name", ["", "   ", "a\0b", "x" * 401])
def test_bad_names_are_refused(small: Indexed, name: str) -> None:
    with pytest.raises(UsageError):
        small.lookup.symbols(SymbolQuery(name))


def test_outline_is_a_tree(small: Indexed) -> None:
    meta, roots = small.lookup.outline("repo", "src/users.py")
    assert meta.language == "python"
    shape = [(n.kind, n.name, n.line, n.end_line, [(c.kind, c.name) for c in n.children]) for n in roots]
    assert shape == [
        ("class", "UserStore", 4, 11, [("method", "get_user"), ("method", "save_user")]),
        ("function", "getUser", 14, 15, []),
        ("function", "fetch_row", 18, 19, []),
    ]
    assert roots[0].to_json()["children"][0]["signature"] == "def get_user(self, user_id):"  # type: ignore[index]


def test_outline_of_nested_definitions(make: Make) -> None:
    indexed = make(
        {"n.py": "def outer():\n    def inner():\n        class Local:\n            pass\n    return inner\n"}
    )
    indexed.index()
    [outer] = indexed.lookup.outline("repo", "n.py")[1]
    assert (outer.name, outer.children[0].name, outer.children[0].children[0].name) == (
        "outer",
        "inner",
        "Local",
    )


def test_outline_of_a_file_without_symbols(small: Indexed) -> None:
    assert small.lookup.outline("repo", "docs/README.txt")[1] == []


def test_read_whole_file_and_ranges(small: Indexed) -> None:
    whole = small.lookup.read("repo", "docs/README.txt")
    assert (whole.start, whole.end, whole.total_lines) == (1, 4, 4)
    assert whole.text == (small.root / "docs" / "README.txt").read_text().rstrip("\n")
    part = small.lookup.read("repo", "docs/README.txt", 2, 3)
    assert (part.text, part.start, part.end) == ("hello again, world\nHELLO LOUD WORLD", 2, 3)
    assert small.lookup.read("repo", "docs/README.txt", 4, 99).text == "nothing to see"


@pytest.mark.parametrize(("start", "end"), [(0, None), (3, 2), (5, None), (-1, 2)])
def test_bad_ranges_are_refused(small: Indexed, start: int, end: int | None) -> None:
    with pytest.raises(UsageError):
        small.lookup.read("repo", "docs/README.txt", start, end)


def test_read_is_capped(make: Make) -> None:
    indexed = make({"long.txt": "".join(f"{i}\n" for i in range(MAX_READ_LINES + 10))})
    indexed.index()
    text = indexed.lookup.read("repo", "long.txt")
    assert (text.end, text.total_lines) == (MAX_READ_LINES, MAX_READ_LINES + 10)


def test_read_of_an_empty_file(make: Make) -> None:
    indexed = make({"empty.txt": ""})
    indexed.index()
    assert indexed.lookup.read("repo", "empty.txt").text == ""


def test_read_normalises_harmless_paths(small: Indexed) -> None:
    for path in ("./docs/README.txt", "docs//README.txt", "docs/./README.txt"):
        assert small.lookup.read("repo", path).path == "docs/README.txt"


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../repo/docs/README.txt", "'..' is refused"),
        ("docs/../../etc/passwd", "'..' is refused"),
        ("/etc/passwd", "absolute paths are refused"),
        ("C:/Windows/win.ini", "absolute paths are refused"),
        ("docs/README.txt\0.py", "NUL"),
        ("", "empty"),
    ],
)
def test_paths_leaving_the_repository_are_refused(small: Indexed, path: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        small.lookup.read("repo", path)
    with pytest.raises(UsageError, match=why):
        small.lookup.outline("repo", path)


def test_a_symlink_leaving_the_repository_is_absent(make: Make, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    indexed = make({"a.txt": "a\n"})
    (indexed.root / "leak.txt").symlink_to(secret)
    (indexed.root / "outside").symlink_to(tmp_path, target_is_directory=True)
    indexed.index()
    for path in ("leak.txt", "outside/secret.txt"):
        with pytest.raises(NotFoundError, match="not in the index"):
            indexed.lookup.read("repo", path)
    assert indexed.search("hunter2").total == 0


def test_unknown_repository_and_file(small: Indexed) -> None:
    with pytest.raises(NotFoundError, match="no repository named 'nope'"):
        small.lookup.read("nope", "docs/README.txt")
    with pytest.raises(NotFoundError, match="not in the index"):
        small.lookup.read("repo", "docs/missing.txt")
    with pytest.raises(NotFoundError, match="not in the index"):
        small.lookup.read("repo", ".")


def test_safe_path_and_split_repo_path() -> None:
    assert safe_path("a/./b") == "a/b"
    assert split_repo_path("repo/src/a.py") == ("repo", "src/a.py")
    for bad in ("repo", "repo/", "/src/a.py"):
        with pytest.raises(UsageError, match="expected REPO/PATH"):
            split_repo_path(bad)


def test_a_lookup_collects_at_most_max_hits_and_says_so(make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    indexed = make({"a.py": "".join(f"def handler_{i}():\n    pass\n" for i in range(30))})
    indexed.index()
    monkeypatch.setattr(lookup, "MAX_HITS", 10)
    result = indexed.lookup.symbols(SymbolQuery("handler", prefix=True, limit=100))
    assert (len(result.hits), result.total, result.complete) == (10, 10, False)
    monkeypatch.setattr(lookup, "MAX_HITS", 1000)
    result = indexed.lookup.symbols(SymbolQuery("handler", prefix=True, limit=100))
    assert (len(result.hits), result.total, result.complete) == (30, 30, True)
