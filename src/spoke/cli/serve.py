"""``spoke serve``: the API listener and the ops listener, in one process and one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import structlog
import uvicorn
from prometheus_client import CollectorRegistry

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.ops.app import create_ops_app
from spoke.ops.health import Health
from spoke.ops.metrics import new_registry

log = structlog.get_logger(__name__)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``serve``: two servers share one
    process, and a SIGTERM must stop both and exit 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def ops_server(settings: Settings, health: Health, registry: CollectorRegistry) -> uvicorn.Server:
    """The health and metrics listener on ``SPOKE_HOST:SPOKE_HEALTH_PORT``."""
    return _Server(
        uvicorn.Config(
            create_ops_app(health, registry),
            host=settings.host,
            port=settings.health_port,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
        )
    )


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then drain the API, then stop the ops listener."""
    health = Health()
    registry = new_registry()
    api = _Server(
        uvicorn.Config(
            create_app(settings, health=health, registry=registry),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,  # RequestContext writes the access log
            server_header=False,
            timeout_graceful_shutdown=30,
        )
    )
    ops = ops_server(settings, health, registry)

    def stop() -> None:
        if api.should_exit:
            api.force_exit = True
        health.stopping = True
        api.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    ops_task = asyncio.create_task(ops.serve())
    log.info(
        "listening",
        api=f"http://{settings.host}:{settings.port}",
        ops=f"http://{settings.host}:{settings.health_port}",
    )
    try:
        await api.serve()
    finally:
        ops.should_exit = True
        await ops_task
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
