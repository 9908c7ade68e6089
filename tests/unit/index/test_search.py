from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.errors import UsageError
from appliance.index.search import (
    MAX_LIMIT,
    MAX_PATTERN,
    LineMatcher,
    SearchQuery,
    compile_pattern,
    matching_lines,
)

if TYPE_CHECKING:
    from conftest import Indexed, Make


def test_literal_is_case_sensitive_and_reports_line_and_column(small: Indexed) -> None:
    result = small.search("world")
    assert [(m.path, m.line, m.column, m.text) for m in result.matches] == [
        ("docs/README.txt", 2, 14, "hello again, world")
    ]
    assert (result.total, result.files, result.complete) == (1, 1, True)


def test_literal_metacharacters_are_literal(small: Indexed) -> None:
    assert small.lines("UserStore().get_user(") == [("src/users.py", 15)]
    assert small.lines("User.tore") == []


def test_ignore_case(small: Indexed) -> None:
    assert small.lines("world", ignore_case=True) == [
        ("docs/README.txt", 1),
        ("docs/README.txt", 2),
        ("docs/README.txt", 3),
    ]


def test_regex(small: Indexed) -> None:
    assert small.lines(r"def (get|fetch)_\w+", regex=True) == [
        ("src/helpers.py", 5),
        ("src/helpers.py", 9),
        ("src/users.py", 7),
        ("src/users.py", 18),
    ]
    assert small.lines(r"^class \w+\(", regex=True) == [("src/helpers.py", 4)]
    assert small.lines(r"world$", regex=True) == [("docs/README.txt", 2)]
    assert small.lines(r"^hello", regex=True, ignore_case=True) == [
        ("docs/README.txt", 1),
        ("docs/README.txt", 2),
        ("docs/README.txt", 3),
    ]


def test_regex_column_is_the_first_match_on_the_line(small: Indexed) -> None:
    [match] = small.search(r"user_id\)", regex=True, globs=("*/helpers.py",)).matches
    assert (match.line, match.column) == (5, 24)


def test_a_match_never_crosses_a_line_break(make: Make) -> None:
    indexed = make({"f.txt": "a\nb\nxa  \nab\n"})
    indexed.index()
    # RE2 alone would match "a\nb" with [^x] or \s; ripgrep matches within lines.
    assert indexed.lines(r"a[^x]b", regex=True) == []
    assert indexed.lines(r"a\s*b", regex=True) == [("f.txt", 4)]
    assert indexed.lines(r"a\s*$", regex=True) == [("f.txt", 1), ("f.txt", 3)]
    assert indexed.lines(r"(?s)a.b", regex=True) == []


def test_anchors_and_empty_matches(make: Make) -> None:
    indexed = make({"f.txt": "one\n\nthree", "g.txt": "x\n"})
    indexed.index()
    assert indexed.lines("^$", regex=True) == [("f.txt", 2)]
    assert indexed.lines("^", regex=True) == [("f.txt", 1), ("f.txt", 2), ("f.txt", 3), ("g.txt", 1)]
    assert indexed.lines("e$", regex=True) == [("f.txt", 1), ("f.txt", 3)]


def test_repo_language_and_glob_filters(small: Indexed, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.py").write_text("# hello world from another repo\n")
    small.indexer.index("other", str(other))

    assert {m.repo for m in small.search("world", ignore_case=True).matches} == {"repo", "other"}
    assert small.lines("world", repos=("other",)) == [("notes.py", 1)]
    assert {m.path for m in small.search("world", ignore_case=True, languages=("python",)).matches} == {
        "notes.py"
    }
    assert {m.path for m in small.search("def", languages=("",)).matches} == set()
    assert {m.path for m in small.search("user", globs=("src/*.py",)).matches} == {
        "src/users.py",
        "src/helpers.py",
    }
    assert {m.path for m in small.search("user", globs=("*.py", "!helpers.py")).matches} == {"src/users.py"}
    assert small.search("user", globs=("*.txt",)).total == 0


def test_offset_and_limit_page_through_every_match(small: Indexed) -> None:
    everything = small.search("user", limit=MAX_LIMIT)
    assert everything.total == len(everything.matches) > 8
    pages = [small.search("user", offset=offset, limit=4) for offset in range(0, everything.total, 4)]
    assert [m for page in pages for m in page.matches] == everything.matches
    assert all(page.total == everything.total for page in pages)
    assert small.search("user", offset=everything.total, limit=4).matches == []


def test_the_cap_bounds_matches_while_total_counts_on(small: Indexed) -> None:
    result = small.search("user", limit=3)
    assert len(result.matches) == 3
    assert result.total == small.search("user", limit=MAX_LIMIT).total
    assert result.complete


def test_count_only(small: Indexed) -> None:
    result = small.search("hello", ignore_case=True, limit=0)
    assert (result.matches, result.total, result.files) == ([], 3, 1)


def test_counting_can_stop_at_the_cap(small: Indexed) -> None:
    result = small.search("user", limit=1, count_all=False)
    assert len(result.matches) == 1
    assert not result.complete


def test_context_lines(small: Indexed) -> None:
    [first] = small.search("Hello World", context=2).matches
    assert (first.before, first.after) == ((), ("hello again, world", "HELLO LOUD WORLD"))
    [last] = small.search("nothing to see", context=2).matches
    assert (last.before, last.after) == (("hello again, world", "HELLO LOUD WORLD"), ())
    [middle] = small.search("again", context=1).matches
    assert (middle.before, middle.after) == (("Hello World",), ("HELLO LOUD WORLD",))


def test_an_exhausted_budget_reports_incomplete(small: Indexed) -> None:
    result = small.search("user", budget_seconds=0)
    assert not result.complete
    assert result.candidates > 0
    assert result.total < small.search("user").total
    assert (
        small.metrics.registry.get_sample_value(
            "appliance_search_truncated_total", {"kind": "literal", "reason": "budget"}
        )
        == 1
    )


def test_plan_narrows_candidates(small: Indexed) -> None:
    assert small.search("UserStore").candidates == 2
    assert small.search("LOUD WORLD").candidates == 1
    assert small.search("zzzzz").candidates == 0


def test_searches_see_changes_after_reindex(small: Indexed) -> None:
    (small.root / "docs" / "README.txt").write_text("brand new words\n")
    small.index()
    assert small.lines("hello", ignore_case=True) == []
    assert small.lines("brand new") == [("docs/README.txt", 1)]


# Bad input: refused with a clear UsageError, never a crash.


@pytest.mark.parametrize("regex", [False, True])
def test_empty_pattern_is_refused(small: Indexed, regex: bool) -> None:
    with pytest.raises(UsageError, match="empty"):
        small.search("", regex=regex)


@pytest.mark.parametrize("pattern", ["(", "a{2,1}", "[z-a]", r"(a)\1", "(?<=a)b", "a**"])
def test_invalid_regex_is_refused_with_the_pattern_named(small: Indexed, pattern: str) -> None:
    with pytest.raises(UsageError, match="invalid regex") as info:
        small.search(pattern, regex=True)
    assert repr(pattern) in str(info.value)
    assert "(?m)" not in str(info.value)


def test_catastrophic_regex_completes(make: Make) -> None:
    indexed = make({"a.txt": "a" * 200_000 + "\n" + "a" * 30 + "b\n"})
    indexed.index()
    result = indexed.search("(a*)*b", regex=True)
    assert (result.total, result.complete) == (1, True)
    assert result.matches[0].line == 2


def test_huge_pattern_is_refused(small: Indexed) -> None:
    with pytest.raises(UsageError, match=f"longer than {MAX_PATTERN} bytes"):
        small.search("x" * (1 << 20))
    small.search("x" * MAX_PATTERN)  # at the limit: accepted


@pytest.mark.parametrize(
    ("pattern", "regex"), [("a\nb", False), ("a\nb", True), (r"a\nb", True), (r"[\n]", True)]
)
def test_line_breaks_are_refused_like_ripgrep(small: Indexed, pattern: str, regex: bool) -> None:
    with pytest.raises(UsageError, match="line break"):
        small.search(pattern, regex=regex)


def test_escaped_backslash_n_is_not_a_line_break(make: Make) -> None:
    indexed = make({"f.c": 'printf("done\\n");\n'})
    indexed.index()
    assert indexed.lines(r"done\\n", regex=True) == [("f.c", 1)]
    assert indexed.lines("done\\n") == [("f.c", 1)]


def test_nul_in_pattern_is_refused(small: Indexed) -> None:
    with pytest.raises(UsageError, match="NUL"):
        small.search("a\0b")


@pytest.mark.parametrize(
    "options", [{"limit": -1}, {"limit": MAX_LIMIT + 1}, {"offset": -1}, {"context": 101}, {"context": -1}]
)
def test_out_of_range_paging_is_refused(small: Indexed, options: dict[str, int]) -> None:
    with pytest.raises(UsageError):
        small.search("user", **options)


# Files that are not UTF-8: indexed, found by their ASCII parts and, literally, by their bytes.


def test_latin1_file_is_indexed_and_searchable(make: Make) -> None:
    indexed = make({"latin1.txt": "caf\xe9 cr\xe8me\nna\xefve\n".encode("latin-1")})
    summary = indexed.index()
    assert summary.indexed == 1
    assert indexed.lines("cr") == [("latin1.txt", 1)]
    [match] = indexed.search("ve", regex=True).matches
    assert (match.line, match.text) == (2, "na\ufffdve")


def test_a_literal_of_raw_bytes_finds_them(make: Make) -> None:
    """A pattern from a byte string (a CLI argument decodes with surrogateescape) matches bytes."""
    indexed = make({"latin1.txt": "caf\xe9\nCAF\xc9\n".encode("latin-1"), "u.txt": "café\n"})
    indexed.index()
    pattern = b"caf\xe9".decode("utf-8", "surrogateescape")
    assert indexed.lines(pattern) == [("latin1.txt", 1)]
    assert indexed.lines(pattern, ignore_case=True) == [("latin1.txt", 1)]  # ASCII folding, as ripgrep
    assert indexed.lines("café") == [("u.txt", 1)]


def test_a_regex_of_raw_bytes_is_refused_like_ripgrep(small: Indexed) -> None:
    with pytest.raises(UsageError, match="UTF-8"):
        small.search(b"caf\xe9".decode("utf-8", "surrogateescape"), regex=True)


# matching_lines on its own.


def test_matching_lines_reports_each_line_once() -> None:
    regex = compile_pattern(SearchQuery("o", regex=True))
    assert matching_lines(regex, b"foo\nbar\nboo", True) == [(0, 3, 1, 2), (8, 11, 3, 2)]


def test_matching_lines_on_crlf_and_no_final_newline() -> None:
    regex = compile_pattern(SearchQuery("b$", regex=True))
    assert matching_lines(regex, b"ab\r\nab", True) == [(4, 6, 2, 2)]  # \r is part of the line


def test_a_file_name_that_is_not_utf8(make: Make) -> None:
    indexed = make({"ok.txt": "hello\n"})
    with open(os.path.join(os.fsencode(indexed.root), b"caf\xe9.txt"), "wb") as f:
        f.write(b"hello from Latin-1\n")
    assert indexed.index().indexed == 2
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")
    assert indexed.lines("hello") == [(name, 1), ("ok.txt", 1)]
    assert indexed.lookup.read("repo", name).text == "hello from Latin-1"


@pytest.mark.parametrize(
    ("globs", "paths"),
    [
        (("*.py", "!helpers.py"), {"src/users.py"}),
        (("!helpers.py", "*.py"), {"src/users.py", "src/helpers.py"}),  # the later glob decides
        (("!*.txt",), {"src/users.py", "src/helpers.py"}),
        (("src/*.py",), {"src/users.py", "src/helpers.py"}),
        (("users.py",), {"src/users.py"}),
        (("*.txt", "*.py", "!src/users.py"), {"docs/README.txt", "src/helpers.py"}),
    ],
)
def test_globs_as_ripgrep_reads_them(small: Indexed, globs: tuple[str, ...], paths: set[str]) -> None:
    assert {m.path for m in small.search("e", globs=globs, limit=MAX_LIMIT).matches} == paths


def test_globs_on_a_file_name_that_is_not_utf8(make: Make) -> None:
    indexed = make({"ok.txt": "hello\n", "skip.log": "hello\n"})
    with open(os.path.join(os.fsencode(indexed.root), b"caf\xe9.txt"), "wb") as f:
        f.write(b"hello\n")
    indexed.index()
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")
    assert {p for p, _ in indexed.lines("hello", globs=("*.txt",))} == {name, "ok.txt"}
    assert {p for p, _ in indexed.lines("hello", globs=("!caf*",))} == {"ok.txt", "skip.log"}


def test_context_counts_empty_lines_at_the_end(make: Make) -> None:
    indexed = make({"f.txt": "a\n\n", "g.txt": "a\n\n\n", "h.txt": "a\n"})
    indexed.index()
    after = {m.path: m.after for m in indexed.search("a", context=2).matches}
    assert after == {"f.txt": ("",), "g.txt": ("", ""), "h.txt": ()}


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_line(make: Make) -> None:
    """As ripgrep: the mark is dropped before matching, so `^` anchors after it and columns skip it."""
    indexed = make({"bom.txt": b"\xef\xbb\xbfCopyright 2004\nCopyright 2005\n"})
    indexed.index()
    result = indexed.search("^Copyright", regex=True)
    assert [(m.line, m.column, m.text) for m in result.matches] == [
        (1, 1, "Copyright 2004"),
        (2, 1, "Copyright 2005"),
    ]


def test_the_first_page_does_not_wait_for_the_count(make: Make) -> None:
    indexed = make({f"f{i:02}.txt": "match here\n" * 50 for i in range(40)})
    indexed.index()
    page = indexed.search("match", limit=10, count_seconds=0)
    assert len(page.matches) == 10
    assert not page.complete and 10 <= page.total < 2000  # a lower bound, said to be one
    exact = indexed.search("match", limit=0)  # a page of 0: count everything
    assert (exact.total, exact.files, exact.complete) == (2000, 40, True)
    counted = indexed.search("match", limit=10, count_seconds=600)
    assert (counted.total, counted.complete, counted.matches) == (2000, True, page.matches)


@settings(deadline=None, max_examples=300)
@given(
    st.lists(st.text(st.sampled_from("abAB x\ré"), max_size=12), max_size=8),
    st.text("abAB", min_size=1, max_size=3),
)
def test_literals_found_without_re2_equal_re2s_lines(lines: list[str], needle: str) -> None:
    """The `bytes.find` path for literals gives the lines, columns and counts RE2 gives."""
    data = "\n".join(lines).encode()
    for ignore_case in (False, True):
        query = SearchQuery(needle, ignore_case=ignore_case)
        matcher = LineMatcher(query, compile_pattern(query))
        assert matcher.needle  # this test is about the literal path
        expected = matching_lines(compile_pattern(query), data, False)
        assert matcher.lines(data) == expected
        assert matcher.count(data) == len(expected)


@pytest.mark.parametrize(("pattern", "regex"), [(".", True), ("e", False), ("x*", True)])
def test_a_pattern_matching_almost_everything_pages_at_once_and_counts_when_asked(
    make: Make, pattern: str, regex: bool
) -> None:
    indexed = make({f"d/f{i}.txt": "line one\nthe next\n\nx\n" * 300 for i in range(20)})
    indexed.index()
    page = indexed.search(pattern, regex=regex, limit=50, count_seconds=0)
    assert len(page.matches) == 50 and page.total >= 50 and not page.complete
    per_file = {".": 900, "e": 600, "x*": 1200}[pattern]  # `x*` matches empty lines too, as rg's does
    exact = indexed.search(pattern, regex=regex, limit=0)
    assert (exact.total, exact.files, exact.complete) == (20 * per_file, 20, True)


def test_a_one_mebibyte_line_and_a_million_short_lines(make: Make) -> None:
    long_line = ("word " * 200_000)[: (1 << 20) - 10] + "needle\n"
    short_lines = "a\n" * 499_999 + "needle\n" + "b\n" * 10  # the walker's 1 MiB limit: 1,000,018 bytes
    indexed = make({"long.txt": long_line, "short.txt": short_lines[: 1 << 20]})
    summary = indexed.index()
    assert summary.indexed == 2, summary.skipped
    [long_match, short_match] = indexed.search("needle").matches
    assert (long_match.path, long_match.line, long_match.column) == ("long.txt", 1, len(long_line) - 6)
    assert (short_match.path, short_match.line) == ("short.txt", 500_000)
    assert indexed.search("a", limit=0).total == 499_999


def test_a_count_over_many_files_runs_on_every_core_and_adds_up(make: Make) -> None:
    files = {f"{d}/f{i:03}.txt": "one hit\nno\nhit hit\n" for d in ("a", "b") for i in range(200)}
    indexed = make(files)
    indexed.index()
    assert indexed.search("hit", limit=0).total == 800  # 400 files: counted in chunks, in threads
    assert indexed.search("hit", limit=0, globs=("a/**",)).total == 400
    assert indexed.search("hit", limit=0, budget_seconds=0).complete is False
