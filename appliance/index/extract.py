"""Turn one file into what the index stores. Runs in the parser pool's worker processes.

Everything CPU-heavy happens here, in parallel: reading, binary detection, trigrams, parsing,
compression. The single writer only merges the results into LMDB.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field

from appliance.index import content, records
from appliance.index.languages import LanguageRegistry, LanguageSpec
from appliance.index.symbols import ParseBudgetExceeded, Symbol
from appliance.index.trigrams import file_trigrams


@dataclass
class Extracted:
    path: str
    fid: int
    size: int = 0
    mtime_ns: int = 0
    skip: str = ""  # reason the file is not indexed ("binary", "too_large", "unreadable", "vanished")
    language: str = ""
    fingerprint: str = ""
    content: bytes = b""  # a zstd frame
    trigrams: bytes = b""  # sorted unique uint32 trigram codes
    symbols: int = 0
    definitions: bytes = b""  # the stored blobs (records.encode)
    references: bytes = b""
    definition_names: list[bytes] = field(default_factory=list)  # distinct name keys, sorted
    reference_names: list[bytes] = field(default_factory=list)
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

    result.content = content.compress(data)
    result.trigrams = file_trigrams(data).tobytes()
    symbols: list[Symbol] = []
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
    definitions = [s for s in symbols if s.is_definition]
    references = [s for s in symbols if not s.is_definition]
    result.symbols = len(symbols)
    result.definitions, result.references = records.encode(definitions), records.encode(references)
    result.definition_names = sorted({records.name_key(s.name) for s in definitions})
    result.reference_names = sorted({records.name_key(s.name) for s in references})
    return result


def extract_many(root: str, work: list[tuple[str, int]], max_size: int) -> list[Extracted]:
    return [extract(root, path, fid, max_size) for path, fid in work]
