"""The ops listener (health probes and ``/metrics`` on ``SPOKE_HEALTH_PORT``) as a uvicorn
server, for ``spoke serve`` and ``spoke sprocket`` alike."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn
from prometheus_client import CollectorRegistry

from spoke.config import Settings
from spoke.ops.app import create_ops_app
from spoke.ops.health import Health


class Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its caller: two servers may share
    one process, and a SIGTERM must stop both, in order, and exit 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def ops_server(settings: Settings, health: Health, registry: CollectorRegistry) -> uvicorn.Server:
    """The health and metrics listener on ``SPOKE_HOST:SPOKE_HEALTH_PORT``."""
    return Server(
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
