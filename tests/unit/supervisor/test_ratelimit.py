"""Start limits and restart backoff, on a clock the test controls."""

from __future__ import annotations

from appliance.supervisor.ratelimit import BACKOFF_CAP, HEALTHY_RUN, Backoff, StartLimit


def test_burst_starts_per_interval() -> None:
    limit = StartLimit(interval=10, burst=3)
    assert [limit.allow(t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limit.allow(10.5)  # the start at 0 has left the window
    assert not limit.allow(10.6)


def test_zero_interval_or_burst_means_no_limit() -> None:
    assert all(StartLimit(interval=0, burst=1).allow(0) for _ in range(10))
    assert all(StartLimit(interval=10, burst=0).allow(0) for _ in range(10))


def test_backoff_doubles_up_to_the_cap_and_resets_after_a_healthy_run() -> None:
    backoff = Backoff(restart_sec=1, start_limit_interval=10)
    delays = [backoff.next_delay(ran_for=0.1) for _ in range(5)]
    assert delays == [1, 2, 4, BACKOFF_CAP, BACKOFF_CAP]
    assert backoff.next_delay(ran_for=HEALTHY_RUN) == 1


def test_no_restart_sec_means_no_delay() -> None:
    backoff = Backoff(restart_sec=0, start_limit_interval=10)
    assert [backoff.next_delay(0) for _ in range(3)] == [0, 0, 0]
