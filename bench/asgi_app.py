"""The API app alone, from the environment's settings: for running it under another ASGI
server (bench/suite.py measures granian with it: `granian --factory asgi_app:make`)."""

from __future__ import annotations

from spoke.api.app import SpokeApp, create_app
from spoke.config import Settings
from spoke.telemetry.logging import configure_logging


def make() -> SpokeApp:
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
