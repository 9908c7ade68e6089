from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.index.trigrams import file_trigrams, fold, key, string_trigrams


def decode(codes: object) -> set[bytes]:
    return {key(int(c)) for c in codes}  # type: ignore[attr-defined]


def test_fold_lowercases_ascii_only() -> None:
    assert fold(b"Hello WORLD_09") == b"hello world_09"
    # Non-ASCII bytes (UTF-8 of "É", a Latin-1 "É") are left alone: the index folds ASCII only.
    assert fold("ÉcoLE".encode()) == "École".encode()
    assert fold(b"\xc9COLE") == b"\xc9cole"


def test_file_trigrams_are_folded_sorted_and_unique() -> None:
    codes = file_trigrams(b"AbcABC")
    assert decode(codes) == {b"abc", b"bca", b"cab"}
    assert list(codes) == sorted(set(codes.tolist()))


def test_trigrams_holding_a_newline_are_left_out() -> None:
    assert decode(file_trigrams(b"ab\ncd")) == set()
    assert decode(file_trigrams(b"abc\ndef\n")) == {b"abc", b"def"}
    assert decode(file_trigrams(b"a\r\nbcd")) == {b"bcd"}  # \r is an ordinary byte


def test_short_inputs_have_no_trigrams() -> None:
    for data in (b"", b"a", b"ab"):
        assert len(file_trigrams(data)) == 0
    assert string_trigrams(b"ab") == set()


def test_bytes_above_ascii_are_kept() -> None:
    assert decode(file_trigrams(b"caf\xe9")) == {b"caf", b"af\xe9"}


@settings(deadline=None)  # no timing in tests: a loaded machine is no failure
@given(st.binary(max_size=200))
def test_file_trigrams_match_a_naive_reference(data: bytes) -> None:
    folded = fold(data)
    expected = {folded[i : i + 3] for i in range(len(folded) - 2) if b"\n" not in folded[i : i + 3]}
    assert decode(file_trigrams(data)) == expected


@settings(deadline=None)  # no timing in tests: a loaded machine is no failure
@given(st.binary(max_size=50), st.binary(max_size=50), st.binary(min_size=3, max_size=20))
def test_a_literal_inside_a_line_has_its_trigrams_in_the_file(
    before: bytes, after: bytes, literal: bytes
) -> None:
    literal = literal.replace(b"\n", b"_")
    assert string_trigrams(fold(literal)) <= decode(file_trigrams(before + literal + after))
