"""Prometheus metrics: one registry per process, handed to the apps that record into it."""

from __future__ import annotations

import platform

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

from spoke import __version__

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
            "spoke_http_requests_in_flight", "HTTP requests being served.", registry=registry
        )
