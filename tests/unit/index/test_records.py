from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.index import content
from appliance.index.records import MAX_KEY, decode, decode_rows, encode, name_key, name_keys
from appliance.index.symbols import Symbol

NAMES = st.text(st.characters(blacklist_characters="\0"), min_size=1, max_size=150)


def symbol(
    name: str = "get_user", kind: str = "function", container: str = "", is_def: bool = True
) -> Symbol:
    return Symbol(name, kind, is_def, line=3, column=5, end_line=9, end_column=2, container=container)


def test_name_key_folds_case_and_underscores() -> None:
    assert name_key("getUser") == name_key("get_user") == name_key("GET_USER") == b"getuser"
    assert name_key("_") == b"_"  # a name of underscores only keeps them
    assert name_key("__init__") == b"init"
    assert len(name_key("x" * 1000)) == MAX_KEY


def test_a_file_of_symbols_round_trips() -> None:
    symbols = [symbol(container="UserStore"), symbol("Fetch", "method", "UserStore")]
    assert decode(encode(symbols), True) == symbols
    assert name_keys(encode(symbols)) == {b"getuser", b"fetch"}


def test_no_symbols_store_nothing() -> None:
    assert encode([]) == b""


def test_fields_unknown_to_this_version_are_ignored() -> None:
    """A blob written with a field this version does not know (a later Symbol) still decodes."""
    fields, rows = decode_rows(encode([symbol()]))
    document = {
        "fields": [*fields, "resolution"],
        "columns": [*([v] for v in rows[0]), ["exact"]],
        "relative": [],
    }
    blob = content.compress(json.dumps(document).encode())
    assert decode(blob, True) == [symbol()]


@settings(deadline=None)  # no timing in tests: a loaded machine is no failure
@given(NAMES, NAMES, st.integers(1, 2**32 - 1))
def test_any_symbol_round_trips(name: str, container: str, line: int) -> None:
    one = Symbol(name, "method", False, line, 1, line, 1, container)
    assert decode(encode([one]), False) == [one]
    assert name_keys(encode([one])) == {name_key(name)}
