"""The ops app: ``/health/live``, ``/health/ready``, ``/health/startup`` and ``/metrics``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from spoke.ops.health import Health, Readiness
from spoke.telemetry.metrics import HealthMetrics


def create_ops_app(health: Health, registry: CollectorRegistry) -> FastAPI:
    app = FastAPI(title="Spoke ops", docs_url=None, redoc_url=None, openapi_url=None)
    gauges = HealthMetrics(registry)

    async def evaluate() -> Readiness:
        readiness = await health.readiness()
        gauges.ready.set(1 if readiness.ready else 0)
        for name, state in readiness.checks.items():
            if name in health.backends:
                gauges.backend_up.labels(name).set(1 if state == "ok" else 0)
        return readiness

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
        """Send traffic here (200): started, not stopping, and every critical backend
        answers. ``status`` is ``degraded`` when a backend the instance can do without
        (the cache, the bucket, the primary while replicas serve reads) does not."""
        readiness = await evaluate()
        return JSONResponse(
            {"status": readiness.status, "checks": readiness.checks},
            status_code=200 if readiness.ready else 503,
        )

    @app.get("/metrics")
    async def metrics() -> Response:
        # Readiness as of this scrape, for alerts (Prometheus scrapes every few seconds).
        await evaluate()
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
