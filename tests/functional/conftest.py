"""The real app over HTTP (ASGI transport), on the embedded default backends in a temp dir."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.devstack.stack import Stack
from tests.production import isolated_settings

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(params=["embedded", "production"])
def backend(request: pytest.FixtureRequest) -> Stack | None:
    """Every API test runs on the embedded default and on PostgreSQL + S3 + Redis."""
    if request.param == "production":
        stack: Stack = request.getfixturevalue("stack")
        return stack
    return None


@pytest.fixture
async def make_client(tmp_path: Path, backend: Stack | None) -> AsyncIterator[MakeClient]:
    """Start an app with settings overrides and return a client talking to it."""
    counter = itertools.count()
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> httpx.AsyncClient:
            data_dir = tmp_path / f"data{next(counter)}"
            # The worker compiles nothing unless a test asks: API tests stay fast.
            overrides.setdefault("sprocket_languages", "none")
            if backend is None:
                settings = Settings(data_dir=data_dir, **overrides)
            else:
                settings = await isolated_settings(backend, data_dir, **overrides)
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://spoke.test"
            )
            await stack.enter_async_context(client)
            client.app = app  # type: ignore[attr-defined]
            return client

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client()
