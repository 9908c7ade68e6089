"""`/metrics`: the process's registry, or with several Hypercorn workers, every worker's metrics merged.

One worker (the default): the registry of `appliance.metrics`, with live gauges and the process
collector, as every appliance process serves it.

Several workers share one port, so a scrape reaches any one of them: each serving only its own
counters would make every rate wrong. They run in prometheus_client's multiprocess mode instead
(`PROMETHEUS_MULTIPROC_DIR`, set by `appliance serve` before the workers start): each worker's
values live in memory-mapped files there, and whichever worker is scraped merges all of them.
That mode knows nothing of Info metrics nor of the process collector, so build info is added
from this worker and process figures are summed over the workers' /proc entries.
docs/metrics-server.md describes the choice and its caveats.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, ProcessCollector, make_asgi_app
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from starlette.types import ASGIApp, Receive, Scope, Send

from appliance.metrics import Metrics

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PID_IN_NAME = re.compile(r"_(\d+)\.db$")
# Process figures that do not add up over workers: the earliest start, the smallest limit.
TAKE_MIN = {"appliance_process_start_time_seconds", "appliance_process_max_fds"}


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty folder for the workers' metric files (values of an earlier run must not count)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)


def worker_exiting() -> None:
    """Drop this worker's live gauges (sessions open) from the merged view."""
    path = multiprocess_dir()
    if path is not None:
        mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


class MetricsApp:
    """The exposition as an ASGI app (a class, so that Starlette routes to it as an app, not a view)."""

    def __init__(self, metrics: Metrics) -> None:
        path = multiprocess_dir()
        if path is None:
            registry = metrics.registry
        else:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
            registry.register(_BuildInfo(metrics))
            registry.register(_WorkersProcess(Path(path)))
        self.app: ASGIApp = make_asgi_app(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class _BuildInfo(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self.metrics.build_info.collect()


class _WorkersProcess(Collector):
    """appliance_process_* summed over the live processes that write metric files here."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def collect(self) -> Iterator[Metric]:
        pids = sorted({int(m.group(1)) for f in os.listdir(self.path) if (m := PID_IN_NAME.search(f))})
        merged: dict[str, Metric] = {}
        totals: dict[str, float] = {}
        for pid in pids:
            if not os.path.exists(f"/proc/{pid}"):
                continue
            collector = ProcessCollector(namespace="appliance", pid=_constant(pid), registry=None)
            for family in collector.collect():
                merged.setdefault(family.name, family)
                for sample in family.samples:
                    old = totals.get(sample.name)
                    if old is None:
                        totals[sample.name] = sample.value
                    elif sample.name in TAKE_MIN:
                        totals[sample.name] = min(old, sample.value)
                    else:
                        totals[sample.name] = old + sample.value
        for family in merged.values():
            family.samples = [Sample(s.name, s.labels, totals[s.name], None, None) for s in family.samples]
            yield family


def _constant(pid: int) -> Callable[[], int]:
    return lambda: pid
