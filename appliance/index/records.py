"""How symbols are stored: one copy of each, in its file's record; names point at files.

`symbols` holds two blobs per file, its definitions (key: file id + b"d") and its references
(file id + b"r"), each a zstd-compressed JSON document: the field names, then one column of
values per field. Naming the fields keeps the format open to fields a plugin adds to `Symbol`.
`defs` and `refs` are posting lists from a name key to the files holding such a symbol
(`postings.py`), so a lookup reads the few files that matter. A definition's signature is its
line, read from the content when asked for.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable
from typing import Any

from appliance.index import content
from appliance.index.symbols import Symbol

MAX_KEY = 400  # LMDB keys must stay under 511 bytes
DEFINITIONS, REFERENCES = b"d", b"r"
# Stored fields, in order: every field of Symbol but the role, which the blob's key says.
FIELDS = tuple(f.name for f in dataclasses.fields(Symbol) if f.name != "is_definition")
RELATIVE = ("line", "end_line")  # stored as differences (see `encode`)


def name_key(name: str) -> bytes:
    """The key a name is found under: lowercase, underscores dropped (getUser ~ get_user)."""
    lowered = name.lower()
    folded = lowered.replace("_", "") or lowered
    return folded.encode("utf-8", "surrogateescape")[:MAX_KEY]


def blob_key(fid_bytes: bytes, role: bytes) -> bytes:
    return fid_bytes + role


def encode(symbols: Iterable[Symbol]) -> bytes:
    """One file's definitions, or its references, as stored (b"" for none: nothing is stored).

    By column, each line as the step from the one before and each end line as the distance from
    its line: small numbers that repeat, which zstd packs a third tighter than rows."""
    listed = list(symbols)
    if not listed:
        return b""
    columns = {f: [getattr(s, f) for s in listed] for f in FIELDS}
    lines = columns["line"]
    columns["end_line"] = [end - line for end, line in zip(columns["end_line"], lines, strict=True)]
    columns["line"] = [line - before for line, before in zip(lines, [0, *lines[:-1]], strict=True)]
    document = {"fields": FIELDS, "columns": [columns[f] for f in FIELDS], "relative": RELATIVE}
    # ASCII JSON: any string, lone surrogates of undecodable names included, survives the trip.
    return content.compress(json.dumps(document, separators=(",", ":")).encode("ascii"))


def decode_rows(blob: bytes) -> tuple[list[str], list[list[Any]]]:
    """(field names, rows) of a stored blob, without building a Symbol per row."""
    document = json.loads(content.decompress(blob))
    fields: list[str] = document["fields"]
    columns = dict(zip(fields, document["columns"], strict=True))
    if "line" in document["relative"]:
        columns["line"] = list(itertools.accumulate(columns["line"]))
    if "end_line" in document["relative"]:
        columns["end_line"] = [d + line for d, line in zip(columns["end_line"], columns["line"], strict=True)]
    return fields, [list(row) for row in zip(*(columns[f] for f in fields), strict=True)]


def decode(blob: bytes, is_definition: bool) -> list[Symbol]:
    fields, rows = decode_rows(blob)
    known = [(i, f) for i, f in enumerate(fields) if f in FIELDS]
    return [Symbol(is_definition=is_definition, **{f: row[i] for i, f in known}) for row in rows]


def name_keys(blob: bytes) -> set[bytes]:
    """The distinct name keys of a stored blob (what its file adds to `defs` or `refs`)."""
    fields, rows = decode_rows(blob)
    at = fields.index("name")
    return {name_key(row[at]) for row in rows}
