"""The ops app: ``/health/live``, ``/health/ready``, ``/health/startup`` and ``/metrics``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from spoke.ops.health import Health


def create_ops_app(health: Health, registry: CollectorRegistry) -> FastAPI:
    app = FastAPI(title="Spoke ops", docs_url=None, redoc_url=None, openapi_url=None)
    ready_gauge = Gauge(
        "spoke_ready",
        "1 while every backend answers (what /health/ready reports), else 0.",
        registry=registry,
    )

    @app.get("/health/live")
    async def live() -> Response:
        """The process is up and its event loop answers."""
        return JSONResponse({"status": "ok"})

    @app.get("/health/startup")
    async def startup() -> Response:
        """Migrations ran and the backends are open."""
        ok = health.started
        return JSONResponse({"status": "ok" if ok else "starting"}, status_code=200 if ok else 503)

    @app.get("/health/ready")
    async def ready() -> Response:
        """Every configured backend answers: send traffic here."""
        ok, checks = await health.readiness()
        ready_gauge.set(1 if ok else 0)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics")
    async def metrics() -> Response:
        # Readiness as of this scrape, for alerts (Prometheus scrapes every few seconds).
        ok, _ = await health.readiness()
        ready_gauge.set(1 if ok else 0)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
