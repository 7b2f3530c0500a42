"""Spoke's own processes in a devstack cluster: ``spoke serve`` instances and Sprocket workers.

Each runs as ``python -m spoke ...`` with a whole environment of its own (the cluster's
settings plus its ports and data dir). ``-X devstack=DIR`` puts the server's directory in
its command line, which is how a recorded PID is recognised later (Python keeps unknown
``-X`` options in ``sys._xoptions`` and otherwise ignores them).
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from spoke.devstack.ports import free_port
from spoke.devstack.process import SpawnedServer

HOST = "127.0.0.1"


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """The status of a GET, or None when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http only
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class SpokeProcess(SpawnedServer):
    """A ``spoke`` subcommand with an ops listener; ready when ``ready_path`` answers 200."""

    command: str
    ready_path: str = "/health/ready"
    start_timeout = 60.0
    # SIGTERM drains: in-flight requests (or the current compile job) finish first.
    stop_timeout = 40.0

    def __init__(self, name: str, directory: Path, settings: Mapping[str, str]) -> None:
        self.health_port = free_port()
        super().__init__(name, directory, self.health_port, HOST)
        self.settings = dict(settings)

    @property
    def ops_url(self) -> str:
        return f"http://{self.host}:{self.health_port}"

    def own_settings(self) -> dict[str, str]:
        return {
            "SPOKE_HOST": self.host,
            "SPOKE_HEALTH_PORT": str(self.health_port),
            "SPOKE_DATA_DIR": str(self.directory / "data"),
        }

    def _prepare(self) -> None:
        import os

        self.env = {**os.environ, **self.settings, **self.own_settings()}

    def argv(self) -> list[str]:
        return [sys.executable, "-X", f"devstack={self.directory}", "-m", "spoke", self.command]

    def listen_ports(self) -> list[int]:
        return [self.health_port]

    def _ready(self) -> bool:
        return http_status(self.ops_url + self.ready_path) == 200

    def ready(self) -> bool:
        """True while the process runs and its readiness probe answers 200."""
        return self.is_running and self._ready()


class SpokeInstance(SpokeProcess):
    """One ``spoke serve``: the API on ``api_port``, health and metrics on ``health_port``."""

    command = "serve"

    def __init__(self, name: str, directory: Path, settings: Mapping[str, str]) -> None:
        super().__init__(name, directory, settings)
        self.api_port = free_port()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    def own_settings(self) -> dict[str, str]:
        return {**super().own_settings(), "SPOKE_PORT": str(self.api_port)}

    def listen_ports(self) -> list[int]:
        return [self.api_port, self.health_port]


class SprocketWorker(SpokeProcess):
    """One ``spoke sprocket`` compile worker (its ops listener answers liveness and metrics)."""

    command = "sprocket"
