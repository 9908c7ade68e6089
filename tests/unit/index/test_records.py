from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.index.records import (
    MAX_FIELD,
    MAX_KEY,
    MAX_SIGNATURE,
    name_key,
    pack,
    pack_file_symbols,
    record_key,
    unpack,
    unpack_file_symbols,
)
from appliance.index.symbols import Symbol

NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1, max_size=150
)


def symbol(
    name: str = "get_user", kind: str = "function", container: str = "", is_def: bool = True
) -> Symbol:
    return Symbol(name, kind, is_def, line=3, column=5, end_line=9, end_column=2, container=container)


def test_name_key_folds_case_and_underscores() -> None:
    assert name_key("getUser") == name_key("get_user") == name_key("GET_USER") == b"getuser"
    assert name_key("_") == b"_"  # a name of underscores only keeps them
    assert name_key("__init__") == b"init"
    assert len(name_key("x" * 1000)) == MAX_KEY


def test_a_definition_round_trips() -> None:
    key, record = pack(7, symbol(container="UserStore"), b"    def get_user(self):  \n")
    assert key == b"getuser"
    unpacked = unpack(record)
    assert (unpacked.fid, unpacked.line, unpacked.column, unpacked.end_line, unpacked.end_column) == (
        7,
        3,
        5,
        9,
        2,
    )
    assert (unpacked.kind, unpacked.name, unpacked.container) == ("function", "get_user", "UserStore")
    assert unpacked.signature == "def get_user(self):"
    assert record_key(record) == key


def test_a_reference_has_no_signature() -> None:
    _, record = pack(1, symbol(kind="call", is_def=False), b"x = get_user()")
    assert unpack(record, is_definition=False).signature == ""


def test_records_sort_by_file_id_then_line() -> None:
    records = [pack(fid, Symbol("f", "function", True, line, 1, line, 1, ""), b"")[1] for fid, line in
               [(2, 1), (1, 300), (1, 2), (256, 1)]]  # fmt: skip
    assert [(unpack(r).fid, unpack(r).line) for r in sorted(records)] == [(1, 2), (1, 300), (2, 1), (256, 1)]


def test_long_fields_are_clipped_at_a_character_boundary() -> None:
    name = "é" * 80  # 160 bytes
    key, record = pack(1, symbol(name=name), b"x" * 500)
    unpacked = unpack(record)
    assert unpacked.name == "é" * (MAX_FIELD // 2)
    assert len(unpacked.signature) == MAX_SIGNATURE
    assert key == name_key(unpacked.name) == record_key(record)  # deletion finds the stored key


def test_nul_bytes_leave_the_signature() -> None:
    _, record = pack(1, symbol(), b"def\0 f():")
    assert unpack(record).signature == "def f():"


def test_file_symbols_blob_round_trips() -> None:
    entries = [
        (True, pack(1, symbol(), b"def get_user():")[1]),
        (False, pack(1, symbol(is_def=False), b"")[1]),
    ]
    assert unpack_file_symbols(pack_file_symbols(entries)) == entries
    assert unpack_file_symbols(pack_file_symbols([])) == []


@settings(deadline=None)  # no timing in tests: a loaded machine is no failure
@given(NAMES, NAMES, st.integers(1, 2**32 - 1), st.integers(1, 2**32 - 1), st.binary(max_size=300))
def test_any_symbol_round_trips(name: str, container: str, fid: int, line: int, text: bytes) -> None:
    key, record = pack(fid, Symbol(name, "method", True, line, 1, line, 1, container), text)
    unpacked = unpack(record)
    assert unpacked.fid == fid and unpacked.line == line
    assert name.encode().startswith(unpacked.name.encode())
    assert container.encode().startswith(unpacked.container.encode())
    assert key == record_key(record)
    assert len(key) <= MAX_KEY and len(record) < 511  # LMDB's bound on keys and dupsort values
