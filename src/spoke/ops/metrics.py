"""Prometheus metrics: one registry per process, handed to the apps that record into it."""

from __future__ import annotations

import platform
import time

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class MetricsMiddleware:
    """Records every HTTP request of the wrapped app into ``HttpMetrics``."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.in_flight.dec()
            # The route template, not the path: one series per endpoint, not per file.
            route = getattr(scope.get("route"), "path", "unmatched")
            labels = (scope["method"], route, str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - started)
