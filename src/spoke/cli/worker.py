"""``spoke sprocket``: the compile worker as its own process, with its own health and
metrics listener (``SPOKE_HEALTH_PORT``: give it a port of its own beside ``spoke serve``).
It builds the compile service and the Sprocket only, and imports no HTTP code."""

from __future__ import annotations

import asyncio
import signal

from spoke.config import Settings
from spoke.ops.health import Health
from spoke.ops.server import ops_server
from spoke.runtime import build_sprocket
from spoke.storage.factory import open_backends
from spoke.telemetry.metrics import StorageMetrics, new_registry


async def run_sprocket(settings: Settings) -> None:
    registry = new_registry()
    health = Health()
    ops = ops_server(settings, health, registry)
    ops_task = asyncio.create_task(ops.serve())
    storage_metrics = StorageMetrics(registry)
    backends = await open_backends(settings, metrics=storage_metrics)
    try:
        sprocket = await build_sprocket(
            settings, backends, registry=registry, storage_metrics=storage_metrics
        )
        health.add_check("metadata", backends.metadata.ping)
        health.add_check("blobs", backends.blobs.ping)
        health.started = True
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await sprocket.run(stop, drain=30.0)
    finally:
        health.stopping = True
        await backends.close()
        ops.should_exit = True
        await ops_task
