"""How a symbol is stored: one small record per definition or reference.

A record is a dupsort value under its name key in `defs` or `refs` (LMDB sorts duplicates by
bytes, so a name's records come ordered by file id and line). The same records, prefixed by
role, form each file's `filesyms` blob: the file's outline, and the list to delete on change.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from appliance.index.symbols import Symbol

HEAD = struct.Struct(">IIIII")  # file id, line, column, end line, end column
ENTRY = struct.Struct(">cH")  # role (b"d" or b"r"), record length
MAX_KEY = 400  # LMDB keys must stay under 511 bytes
MAX_FIELD = 100  # name and container, in bytes (dupsort values are bounded like keys)
MAX_SIGNATURE = 200


def name_key(name: str) -> bytes:
    """The key a name is found under: lowercase, underscores dropped (getUser ~ get_user)."""
    lowered = name.lower()
    folded = lowered.replace("_", "") or lowered
    return folded.encode("utf-8", "surrogateescape")[:MAX_KEY]


@dataclass(frozen=True, slots=True)
class Record:
    fid: int
    line: int
    column: int
    end_line: int
    end_column: int
    kind: str
    name: str
    container: str
    signature: str = ""  # the definition's line, stripped (definitions only)
    is_definition: bool = True


def pack(fid: int, symbol: Symbol, line_text: bytes) -> tuple[bytes, bytes]:
    """(key, record) of a symbol. The key is derived from the stored, clipped name, so that
    deleting the record later (from `record_key`) finds the same key."""
    head = HEAD.pack(fid, symbol.line, symbol.column, symbol.end_line, symbol.end_column)
    kind, name, container = (
        _clip(s.encode("utf-8", "surrogateescape"), MAX_FIELD)
        for s in (symbol.kind, symbol.name, symbol.container)
    )
    signature = _clip(line_text.strip().replace(b"\0", b""), MAX_SIGNATURE) if symbol.is_definition else b""
    return name_key(name.decode("utf-8", "replace")), b"\0".join([head + kind, name, container, signature])


def record_key(record: bytes) -> bytes:
    """The key a stored record lives under."""
    return name_key(unpack(record).name)


def _clip(data: bytes, limit: int) -> bytes:
    """At most `limit` bytes, cut at a UTF-8 character boundary."""
    return data[:limit].decode("utf-8", "ignore").encode() if len(data) > limit else data


def unpack(data: bytes, is_definition: bool = True) -> Record:
    fid, line, column, end_line, end_column = HEAD.unpack_from(data)
    kind, name, container, signature = bytes(data[HEAD.size :]).decode("utf-8", "replace").split("\0", 3)
    return Record(fid, line, column, end_line, end_column, kind, name, container, signature, is_definition)


def pack_file_symbols(entries: list[tuple[bool, bytes]]) -> bytes:
    """(is_definition, full record) pairs of one file, compressed."""
    out = bytearray()
    for is_def, record in entries:
        out += ENTRY.pack(b"d" if is_def else b"r", len(record)) + record
    return zlib.compress(bytes(out), 1)


def unpack_file_symbols(blob: bytes) -> list[tuple[bool, bytes]]:
    data = zlib.decompress(blob)
    entries: list[tuple[bool, bytes]] = []
    pos = 0
    while pos < len(data):
        role, length = ENTRY.unpack_from(data, pos)
        pos += ENTRY.size
        entries.append((role == b"d", data[pos : pos + length]))
        pos += length
    return entries
