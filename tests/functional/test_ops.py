"""The ops listener: start-up, readiness (with a failing backend) and Prometheus metrics."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.domain.errors import Unavailable
from spoke.ops.app import create_ops_app
from spoke.ops.health import Health
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.factory import open_backends
from spoke.telemetry.metrics import new_registry
from tests.functional.support import push


class DownCache(MemoryCache):
    """A cache whose backend does not answer."""

    async def ping(self) -> None:
        raise Unavailable("connection refused")


@pytest.fixture
def health() -> Health:
    return Health()


@pytest.fixture
def registry():  # type: ignore[no-untyped-def]
    return new_registry()


@pytest.fixture
async def ops(health: Health, registry) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    app = create_ops_app(health, registry)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ops.test"
    ) as client:
        yield client


def api_app(tmp_path: Path, health: Health, registry, **kwargs) -> FastAPI:  # type: ignore[no-untyped-def]
    return create_app(Settings(data_dir=tmp_path), health=health, registry=registry, **kwargs)


async def test_probes_follow_the_lifecycle(
    tmp_path: Path,
    health: Health,
    registry,
    ops: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    assert (await ops.get("/health/live")).status_code == 200
    assert (await ops.get("/health/startup")).status_code == 503
    assert (await ops.get("/health/ready")).status_code == 503

    app = api_app(tmp_path, health, registry)
    async with app.router.lifespan_context(app):
        assert (await ops.get("/health/startup")).status_code == 200
        ready = await ops.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ok",
            "checks": {"metadata": "ok", "blobs": "ok", "cache": "ok"},
        }
    # Shut down: no longer ready, still alive.
    assert (await ops.get("/health/ready")).status_code == 503
    assert (await ops.get("/health/live")).status_code == 200


async def test_a_shared_backend_down_degrades_readiness(
    tmp_path: Path,
    health: Health,
    registry,
    ops: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    opened = await open_backends(Settings(data_dir=tmp_path))
    backends = dataclasses.replace(opened, cache=DownCache())
    app = api_app(tmp_path, health, registry, backends=backends)
    try:
        async with app.router.lifespan_context(app):
            # Requests are still served (fail open): the balancer keeps the instance.
            ready = await ops.get("/health/ready")
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["cache"] == "connection refused"
            assert ready.json()["checks"]["metadata"] == "ok"
            metrics = (await ops.get("/metrics")).text
            assert 'spoke_backend_up{backend="cache"} 0.0' in metrics
            assert 'spoke_backend_up{backend="metadata"} 1.0' in metrics
            assert "spoke_ready 1.0" in metrics
    finally:
        await opened.close()


async def test_metrics_count_requests_by_route_and_status(
    tmp_path: Path,
    health: Health,
    registry,
    ops: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    app = api_app(tmp_path, health, registry)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
        ) as client:
            assert (await push(client, "acme.m", "v1.0.0")).status_code == 201
            for _ in range(3):
                await client.get("/modules/missing")
        text = (await ops.get("/metrics")).text
    assert "text/plain" in (await ops.get("/metrics")).headers["content-type"]
    assert (
        'spoke_http_requests_total{method="GET",route="/modules/{name}",status="404"} 3.0' in text
    )
    assert (
        'spoke_http_requests_total{method="POST",route="/modules/{name}/versions",status="201"} 1.0'
        in text
    )
    assert (
        'spoke_http_request_duration_seconds_bucket{le="+Inf",method="GET",'
        'route="/modules/{name}",status="404"} 3.0' in text
    )
    assert "spoke_build_info{" in text
    assert "process_cpu_seconds_total" in text


async def test_database_and_build_metrics_move(
    tmp_path: Path,
    health: Health,
    registry,
    ops: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    app = api_app(tmp_path, health, registry)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
        ) as client:
            before = (
                registry.get_sample_value(
                    "spoke_db_query_duration_seconds_count", {"role": "primary"}
                )
                or 0
            )
            assert (await push(client, "acme.m", "v1.0.0")).status_code == 201
        text = (await ops.get("/metrics")).text
    after = registry.get_sample_value("spoke_db_query_duration_seconds_count", {"role": "primary"})
    assert after is not None and after > before
    assert 'spoke_db_pool_connections{role="primary",state="in_use"}' in text
    assert 'protoc="36.' in text and "spoke_build_info{" in text


async def test_readiness_is_a_metric_too(
    tmp_path: Path,
    health: Health,
    registry,
    ops: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    assert "spoke_ready 0.0" in (await ops.get("/metrics")).text  # not started yet
    app = api_app(tmp_path, health, registry)
    async with app.router.lifespan_context(app):
        assert "spoke_ready 1.0" in (await ops.get("/metrics")).text
    assert "spoke_ready 0.0" in (await ops.get("/metrics")).text  # shut down
