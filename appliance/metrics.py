"""Every metric of the appliance, defined once. docs/metrics.md describes each family.

`Metrics(registry)` builds the whole set on one registry; `METRICS` is the process-wide set on the
default registry. Tests build their own `Metrics(CollectorRegistry())` and read sample values.
Names follow Prometheus conventions (`_total`, `_seconds`, `_bytes`); labels are of low
cardinality (tool, kind, outcome, reason, language, repo, plugin, unit), never paths or queries.
"""

from __future__ import annotations

import platform

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
)

from appliance import __version__

# Buckets for things meant to take milliseconds: tool calls, searches, HTTP requests.
FAST_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Buckets for indexing batches and plugin loads.
SLOW_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

# Well-known scrape ports of the appliance's processes (prometheus.yml scrapes these).
SERVER_PORT = 8080
SUPERVISOR_METRICS_PORT = 9110
INDEXER_METRICS_PORT = 9111


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        r = registry

        self.build_info = Info("appliance_build", "Version of the appliance and its Python.", registry=r)
        self.build_info.info({"version": __version__, "python": platform.python_version()})

        # HTTP
        self.http_requests = Counter(
            "appliance_http_requests_total",
            "HTTP requests served.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "appliance_http_request_duration_seconds",
            "Time to answer an HTTP request (to the end of the response headers for streams).",
            ["route"],
            buckets=FAST_BUCKETS,
            registry=r,
        )

        # MCP
        self.tool_calls = Counter(
            "appliance_tool_calls_total",
            "MCP tool calls, by tool and outcome (ok, error).",
            ["tool", "outcome"],
            registry=r,
        )
        self.tool_duration = Histogram(
            "appliance_tool_call_duration_seconds",
            "Time to answer an MCP tool call.",
            ["tool"],
            buckets=FAST_BUCKETS,
            registry=r,
        )
        # livesum: with several server workers (multiprocess mode) the live workers' counts add up.
        self.sessions_open = Gauge(
            "appliance_mcp_sessions_open", "MCP sessions open now.", multiprocess_mode="livesum", registry=r
        )

        # Plugins
        self.plugins = Gauge(
            "appliance_plugins",
            "Plugins by state (discovered, loaded, active, failed, disabled).",
            ["state"],
            registry=r,
        )
        self.plugin_load_duration = Histogram(
            "appliance_plugin_load_duration_seconds",
            "Time to load and validate one plugin.",
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.plugin_errors = Counter(
            "appliance_plugin_errors_total",
            "Plugin failures, by plugin and stage "
            "(discover, manifest, config, code, grammar, query, samples, hook, load, conflict).",
            ["plugin", "stage"],
            registry=r,
        )
        self.plugin_reloads = Counter(
            "appliance_plugin_reloads_total",
            "Plugin (re)loads, by result (ok, failed).",
            ["result"],
            registry=r,
        )

        # Indexing
        self.index_files = Counter(
            "appliance_index_files_total",
            "Files parsed and written to the index, by language.",
            ["language"],
            registry=r,
        )
        self.index_skipped = Counter(
            "appliance_index_files_skipped_total", "Files not indexed, by reason.", ["reason"], registry=r
        )
        self.index_symbols = Counter(
            "appliance_index_symbols_total", "Definitions and references extracted.", ["language"], registry=r
        )
        self.index_bytes = Counter("appliance_index_bytes_total", "Source bytes indexed.", registry=r)
        self.index_batch_duration = Histogram(
            "appliance_index_batch_duration_seconds",
            "Time to write one batch of files to the index.",
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.index_queue_depth = Gauge(
            "appliance_index_queue_depth", "Files waiting to be (re)indexed.", registry=r
        )
        self.index_lag = Gauge(
            "appliance_index_lag_seconds",
            "Age of the oldest change not yet searchable (0 when current).",
            registry=r,
        )
        self.index_last_success = Gauge(
            "appliance_index_last_success_timestamp_seconds",
            "When the index last committed a batch.",
            registry=r,
        )
        self.index_map_used = Gauge(
            "appliance_index_map_used_bytes", "Bytes of the LMDB map in use.", registry=r
        )
        self.index_map_size = Gauge(
            "appliance_index_map_size_bytes", "Size of the LMDB map (grows on demand).", registry=r
        )
        self.watcher_up = Gauge("appliance_watcher_up", "1 while the repository watcher runs.", registry=r)
        self.watcher_events = Counter(
            "appliance_watcher_events_total", "File system events seen by the watcher.", registry=r
        )
        self.watcher_rescans = Counter(
            "appliance_watcher_rescans_total", "Periodic rescans made by the watcher.", registry=r
        )

        # Search
        self.search_queries = Counter(
            "appliance_search_queries_total",
            "Index queries, by kind (literal, regex, symbol, refs, outline, read).",
            ["kind"],
            registry=r,
        )
        self.search_results = Counter(
            "appliance_search_results_total", "Results returned by index queries.", ["kind"], registry=r
        )
        self.search_duration = Histogram(
            "appliance_search_duration_seconds",
            "Time to answer an index query.",
            ["kind"],
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.search_truncated = Counter(
            "appliance_search_truncated_total",
            "Queries cut short, by kind and reason (limit, budget).",
            ["kind", "reason"],
            registry=r,
        )

        # Caches
        self.cache_hits = Counter("appliance_cache_hits_total", "Cache hits.", ["cache"], registry=r)
        self.cache_misses = Counter("appliance_cache_misses_total", "Cache misses.", ["cache"], registry=r)
        self.cache_evictions = Counter(
            "appliance_cache_evictions_total", "Cache evictions.", ["cache"], registry=r
        )

        # Supervisor
        self.unit_up = Gauge("appliance_unit_up", "1 while a unit is active.", ["unit"], registry=r)
        self.unit_restarts = Counter(
            "appliance_unit_restarts_total", "Restarts of a unit by the supervisor.", ["unit"], registry=r
        )

        # Process: memory, CPU, fds, start time (appliance_process_*)
        ProcessCollector(namespace="appliance", registry=r)


METRICS = Metrics(REGISTRY)
