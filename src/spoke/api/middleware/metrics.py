"""HTTP metrics: every request of the wrapped app, by method, route template and status,
recorded into ``spoke.telemetry.metrics.HttpMetrics``."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.telemetry.metrics import HttpMetrics


def route_template(scope: Scope) -> str:
    """The matched route's template: one series per endpoint, not per file."""
    return getattr(scope.get("route"), "path", "unmatched")


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
            self.metrics.observe(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )
