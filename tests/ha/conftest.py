"""Fault tests get a stack of their own: they stop, kill and restart its servers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.devstack.stack import Stack, running_stack
from tests.production import isolated_settings

pytestmark = pytest.mark.ha


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults")) as stack:
        yield stack


@dataclass
class Instance:
    """One registry instance: its own app, pools and in-process caches."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def registry(self) -> CollectorRegistry:
        registry: CollectorRegistry = self.app.state.registry
        return registry

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


StartInstance = Callable[[], Awaitable[Instance]]


@pytest.fixture
async def settings(fault_stack: Stack, tmp_path: Path) -> Settings:
    # Production's short Redis timeout: the fault tests measure what a dead Redis costs.
    return await isolated_settings(fault_stack, tmp_path, redis_timeout=0.25)


@pytest.fixture
async def start_instance(settings: Settings) -> AsyncIterator[StartInstance]:
    """Start instances sharing one database, bucket prefix and cache prefix."""
    async with AsyncExitStack() as exits:

        async def start() -> Instance:
            app = create_app(settings)
            await exits.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://spoke.test", timeout=30
            )
            await exits.enter_async_context(client)
            return Instance(app, client)

        yield start


async def poll(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    """Await ``check`` until it is true, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
