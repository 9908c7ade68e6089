"""How often a unit may be (re)started: StartLimitBurst= starts per StartLimitIntervalSec=, and an
exponential backoff on RestartSec= so a crash loop does not spin at full speed."""

from __future__ import annotations

from collections import deque

BACKOFF_CAP = 4  # the delay grows to at most this many times RestartSec=
HEALTHY_RUN = 10.0  # a run this long (or longer than the start-limit interval) resets the backoff


class StartLimit:
    def __init__(self, interval: float, burst: int) -> None:
        self.interval = interval
        self.burst = burst
        self._starts: deque[float] = deque()

    def allow(self, now: float) -> bool:
        """Record a start at `now` if the limit allows it. An interval or burst of 0 means no limit."""
        if self.interval == 0 or self.burst == 0:
            return True
        while self._starts and self._starts[0] <= now - self.interval:
            self._starts.popleft()
        if len(self._starts) >= self.burst:
            return False
        self._starts.append(now)
        return True

    def reset(self) -> None:
        self._starts.clear()


class Backoff:
    def __init__(self, restart_sec: float, start_limit_interval: float) -> None:
        self.base = restart_sec
        self.healthy = max(HEALTHY_RUN, start_limit_interval)
        self._failures = 0

    def next_delay(self, ran_for: float) -> float:
        """The wait before the next start, given how long the last run lasted."""
        if ran_for >= self.healthy:
            self._failures = 0
        delay = min(self.base * 2.0**self._failures, self.base * BACKOFF_CAP)
        self._failures += 1
        return delay

    def reset(self) -> None:
        self._failures = 0
