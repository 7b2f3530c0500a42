"""``spoke sprocket``: the compile worker as its own process."""

from __future__ import annotations

import asyncio
import signal

from spoke.api.composition import build_runtime
from spoke.config import Settings
from spoke.storage.factory import open_backends
from spoke.telemetry.metrics import StorageMetrics


async def run_sprocket(settings: Settings) -> None:
    backends = await open_backends(settings)
    try:
        runtime = await build_runtime(
            settings, backends, storage_metrics=StorageMetrics(None), registry=None
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runtime.sprocket.run(stop, drain=30.0)
    finally:
        await backends.close()
