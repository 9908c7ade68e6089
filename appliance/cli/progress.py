"""A progress bar for long work, drawn only on a terminal: files, MB/s, ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, min_interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr  # looked up now: tests swap it
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.min_interval = min_interval
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, files: int, total_files: int, done_bytes: int, total_bytes: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last_draw < self.min_interval and files < total_files):
            return
        self.last_draw = now
        elapsed = max(now - self.started, 1e-6)
        rate = done_bytes / elapsed
        fraction = done_bytes / total_bytes if total_bytes else 1.0
        eta = (total_bytes - done_bytes) / rate if rate > 0 else 0.0
        width = 28
        filled = int(width * fraction)
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(
            f"\r{self.label} {bar} {files}/{total_files} files  {rate / 1e6:6.1f} MB/s  ETA {_clock(eta)} "
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60:d}:{seconds % 60:02d}"
