"""``spoke sprocket``: the compile worker as its own process, with its own health and
metrics listener (``SPOKE_HEALTH_PORT``: give it a port of its own beside ``spoke serve``)."""

from __future__ import annotations

import asyncio
import signal

from spoke.api.composition import build_runtime
from spoke.cli.serve import ops_server
from spoke.config import Settings
from spoke.ops.health import Health
from spoke.ops.metrics import new_registry
from spoke.storage.factory import open_backends
from spoke.telemetry.metrics import StorageMetrics


async def run_sprocket(settings: Settings) -> None:
    registry = new_registry()
    health = Health()
    ops = ops_server(settings, health, registry)
    ops_task = asyncio.create_task(ops.serve())
    storage_metrics = StorageMetrics(registry)
    backends = await open_backends(settings, metrics=storage_metrics)
    try:
        runtime = await build_runtime(
            settings, backends, storage_metrics=storage_metrics, registry=registry
        )
        health.add_check("metadata", backends.metadata.ping)
        health.add_check("blobs", backends.blobs.ping)
        health.started = True
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runtime.sprocket.run(stop, drain=30.0)
    finally:
        health.stopping = True
        await backends.close()
        ops.should_exit = True
        await ops_task
