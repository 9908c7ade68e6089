"""Turn one file into what the index stores. Runs in the parser pool's worker processes.

Everything CPU-heavy happens here, in parallel: reading, binary detection, trigrams, parsing,
compression. The single writer only merges the results into LMDB.
"""

from __future__ import annotations

import errno
import os
import stat
import zlib
from dataclasses import dataclass, field

from appliance.index.languages import LanguageRegistry, LanguageSpec
from appliance.index.records import pack, pack_file_symbols
from appliance.index.symbols import ParseBudgetExceeded
from appliance.index.trigrams import file_trigrams

COMPRESSION_LEVEL = 1  # fast to write; decompression speed barely depends on the level


@dataclass
class Extracted:
    path: str
    fid: int
    size: int = 0
    mtime_ns: int = 0
    skip: str = ""  # reason the file is not indexed ("binary", "too_large", "unreadable", "vanished")
    language: str = ""
    fingerprint: str = ""
    content: bytes = b""  # zlib-compressed
    trigrams: bytes = b""  # sorted unique uint32 trigram codes
    definitions: list[tuple[bytes, bytes]] = field(default_factory=list)  # (key, record), sorted
    references: list[tuple[bytes, bytes]] = field(default_factory=list)
    outline: bytes = b""  # the file's records for `filesyms` (see records.pack_file_symbols)
    note: str = ""  # indexed, but with a caveat ("parse_budget", "parse_error")


_registry: LanguageRegistry | None = None


def init_worker(specs: list[LanguageSpec]) -> None:
    """Pool initializer: build the parent's language plugins once per worker process."""
    global _registry
    _registry = LanguageRegistry.from_specs(specs)


def set_registry(registry: LanguageRegistry) -> None:
    """Use `registry` in this process (single-file updates run without the pool)."""
    global _registry
    _registry = registry


def extract(root: str, path: str, fid: int, max_size: int) -> Extracted:
    result = Extracted(path, fid)
    full = os.path.join(root, path)
    if not os.path.realpath(full).startswith(os.path.realpath(root) + os.sep):
        result.skip = "symlink"  # a folder on the way was replaced by a link out of the repository
        return result
    try:
        # No following a link, no waiting on a FIFO: the path may have changed since the walk.
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        result.skip = "vanished"
        return result
    except OSError as e:
        result.skip = "symlink" if e.errno == errno.ELOOP else "unreadable"
        return result
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        result.skip = "special"
        return result
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(max_size + 1)
        except OSError:
            result.skip = "unreadable"
            return result
    result.size, result.mtime_ns = len(data), st.st_mtime_ns
    if len(data) > max_size:
        result.skip = "too_large"
    elif b"\0" in data:
        result.skip = "binary"
    if result.skip:
        return result

    result.content = zlib.compress(data, COMPRESSION_LEVEL)
    result.trigrams = file_trigrams(data).tobytes()
    plugin = _registry.for_path(path) if _registry is not None else None
    if plugin is not None:
        result.language = plugin.name
        result.fingerprint = plugin.fingerprint
        try:
            symbols = plugin.extractor.extract(data, plugin.manifest.parse_seconds)
        except ParseBudgetExceeded:
            result.note = "parse_budget"
        except Exception:  # a grammar or query bug must not lose the file's text
            result.note = "parse_error"
        else:
            symbols = plugin.adjust_symbols(path, symbols, data)  # plugins' hooks, contained: never raises
            lines = data.split(b"\n") if symbols else []
            packed = [(s.is_definition, pack(fid, s, lines[s.line - 1])) for s in symbols]
            result.definitions = sorted(kr for is_def, kr in packed if is_def)
            result.references = sorted(kr for is_def, kr in packed if not is_def)
    result.outline = pack_file_symbols(
        [(True, r) for _, r in result.definitions] + [(False, r) for _, r in result.references]
    )
    return result


def extract_many(root: str, work: list[tuple[str, int]], max_size: int) -> list[Extracted]:
    return [extract(root, path, fid, max_size) for path, fid in work]
