"""Trigrams of file contents, vectorised with numpy.

The index is case-folded: trigrams are taken over ASCII-lowercased bytes, so one posting list
serves case-sensitive and case-insensitive queries (verification decides exact case). Trigrams
holding a newline are left out: ripgrep matches within lines, so no query ever needs one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Trigrams = npt.NDArray[np.uint32]

_FOLD = np.arange(256, dtype=np.uint8)
_FOLD[ord("A") : ord("Z") + 1] += 32
NEWLINE = ord("\n")


def fold(data: bytes) -> bytes:
    """ASCII lowercase, the folding the index uses."""
    return data.lower() if data.isascii() else bytes(_FOLD[np.frombuffer(data, dtype=np.uint8)])


def file_trigrams(data: bytes) -> Trigrams:
    """Sorted unique trigrams of `data` as integers (b0 << 16 | b1 << 8 | b2)."""
    if len(data) < 3:
        return np.empty(0, dtype=np.uint32)
    raw = _FOLD[np.frombuffer(data, dtype=np.uint8)]
    a, b, c = raw[:-2], raw[1:-1], raw[2:]
    keep = (a != NEWLINE) & (b != NEWLINE) & (c != NEWLINE)
    codes = (a[keep].astype(np.uint32) << 16) | (b[keep].astype(np.uint32) << 8) | c[keep]
    return np.unique(codes)


def key(code: int) -> bytes:
    return int(code).to_bytes(3, "big")


def string_trigrams(folded: bytes) -> set[bytes]:
    """The trigram keys a (folded) literal needs; empty when it is shorter than three bytes."""
    return {folded[i : i + 3] for i in range(len(folded) - 2)}
