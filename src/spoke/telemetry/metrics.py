"""Every Prometheus instrument Spoke records into, and the process's registry.

They live here, below every layer that uses them (storage, compile, rate limits, the HTTP
middleware, the ops listener), so that a metric has one home whoever records it. Each set
takes the process's registry: nothing is registered globally.
"""

from __future__ import annotations

import platform
import time
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from sqlalchemy import event

from spoke import __version__


class DatabaseMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.replica_fallbacks = Counter(
            "spoke_db_replica_fallbacks",
            "Reads served by the primary because no replica was healthy.",
            registry=registry,
        )
        self.replica_healthy = Gauge(
            "spoke_db_replica_healthy",
            "1 while a read replica answers, 0 while reads avoid it.",
            ["replica"],
            registry=registry,
        )
        self.query_duration = Histogram(
            "spoke_db_query_duration_seconds",
            "SQL statement latency, by server role.",
            ["role"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30),
            registry=registry,
        )
        self.pool = Gauge(
            "spoke_db_pool_connections",
            "Connections of the pool by state (in_use, idle, overflow), by server role.",
            ["role", "state"],
            registry=registry,
        )

    def watch(self, engine: Any, role: str) -> None:
        """Time every statement of ``engine`` and report its pool (an AsyncEngine)."""
        sync = engine.sync_engine
        latency = self.query_duration.labels(role)

        def started(conn: Any, *_: Any) -> None:
            conn.info.setdefault("spoke_started", []).append(time.perf_counter())

        def finished(conn: Any, *_: Any) -> None:
            stack = conn.info.get("spoke_started")
            if stack:
                latency.observe(time.perf_counter() - stack.pop())

        event.listen(sync, "before_cursor_execute", started)
        event.listen(sync, "after_cursor_execute", finished)
        pool = sync.pool
        if all(hasattr(pool, attr) for attr in ("checkedout", "checkedin", "overflow")):
            self.pool.labels(role, "in_use").set_function(pool.checkedout)
            self.pool.labels(role, "idle").set_function(pool.checkedin)
            self.pool.labels(role, "overflow").set_function(lambda: max(pool.overflow(), 0))


class CacheMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "spoke_cache_requests",
            "Cache lookups by tier and result (hit, miss, error, skipped).",
            ["tier", "result"],
            registry=registry,
        )
        self.circuit_open = Gauge(
            "spoke_cache_circuit_open",
            "1 while the shared cache is bypassed after repeated failures.",
            registry=registry,
        )


class BlobMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.operations = Counter(
            "spoke_blob_operations",
            "Object storage operations by kind and result.",
            ["operation", "result"],
            registry=registry,
        )
        self.bytes = Counter(
            "spoke_blob_bytes",
            "Bytes moved to and from object storage.",
            ["direction"],
            registry=registry,
        )
        self.latency = Histogram(
            "spoke_blob_operation_duration_seconds",
            "Object storage operation latency.",
            ["operation"],
            registry=registry,
        )


class StorageMetrics:
    """Every storage instrument of one process, registered once in its registry."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.database = DatabaseMetrics(registry)
        self.cache = CacheMetrics(registry)
        self.blobs = BlobMetrics(registry)


class CompileMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.jobs = Counter(
            "spoke_compile_jobs",
            "Compile jobs finished, by language and result (succeeded, cached, failed, retry).",
            ["language", "result"],
            registry=registry,
        )
        self.duration = Histogram(
            "spoke_compile_duration_seconds",
            "Time to compile and store one artifact.",
            ["language"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=registry,
        )
        self.protoc_runs = Counter(
            "spoke_protoc_runs",
            "protoc invocations for code generation (cache hits run none).",
            ["language"],
            registry=registry,
        )
        self.queue_depth = Gauge(
            "spoke_compile_queue_depth",
            "Compile jobs pending or running, as the worker last saw them.",
            registry=registry,
        )


class RateLimitMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.limited = Counter(
            "spoke_rate_limited",
            "Requests refused with 429, by route class (read, write, compile).",
            ["class"],
            registry=registry,
        )
        self.fallback = Gauge(
            "spoke_rate_limit_fallback",
            "1 while rate limits are counted per instance because Redis does not answer.",
            registry=registry,
        )


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def new_registry() -> CollectorRegistry:
    """A registry with process, platform and GC metrics (``build_info`` adds Spoke's own)."""
    registry = CollectorRegistry(auto_describe=True)
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry


class BuildInfo:
    """``spoke_build_info{version, python, protoc} 1``, set once the toolchain is known."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._gauge = Gauge(
            "spoke_build_info",
            "Build information.",
            ["version", "python", "protoc"],
            registry=registry,
        )

    def set(self, *, protoc: str) -> None:
        self._gauge.labels(
            version=__version__, python=platform.python_version(), protoc=protoc
        ).set(1)


class HttpMetrics:
    """Request counts and latency by method, route template and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["method", "route", "status"]
        self.requests = Counter(
            "spoke_http_requests", "HTTP requests answered.", labels, registry=registry
        )
        self.latency = Histogram(
            "spoke_http_request_duration_seconds",
            "HTTP request latency, from the first byte in to the last byte out.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "spoke_http_requests_in_flight",
            "HTTP requests being served.",
            registry=registry,
            multiprocess_mode="livesum",  # with several workers: their sum
        )
        # Label lookups cost more than the increments: keep each series' children.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request of ``route`` (the template, not the path)."""
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            labels = (method, route, str(status))
            series = (self.requests.labels(*labels), self.latency.labels(*labels))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)


class HealthMetrics:
    """What the ops listener reports of readiness: ``spoke_ready`` and, per shared
    backend, ``spoke_backend_up``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.ready = Gauge(
            "spoke_ready",
            "1 while this instance should get traffic (what /health/ready reports), else 0.",
            registry=registry,
        )
        self.backend_up = Gauge(
            "spoke_backend_up",
            "1 while the backend answers this instance's health check, else 0.",
            ["backend"],
            registry=registry,
        )
