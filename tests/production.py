"""Helpers for tests on the production backends: per-test isolation on a shared stack."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from spoke.config import Settings
from spoke.devstack.stack import Stack


def _with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


async def create_database(stack: Stack, name: str) -> None:
    """A new, empty database on the primary, present on every replica before returning."""
    assert stack.postgres is not None
    admin = await asyncpg.connect(_with_database(stack.postgres.url(), "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    for replica in stack.postgres_replicas:
        deadline = time.monotonic() + 10
        while True:
            try:
                conn = await asyncpg.connect(_with_database(replica.url(), name))
            except asyncpg.InvalidCatalogNameError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.02)
                continue
            await conn.close()
            break


async def isolated_settings(stack: Stack, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on the shared stack with a database, S3 prefix and cache prefix of their own."""
    tag = "t" + uuid.uuid4().hex[:12]
    await create_database(stack, tag)
    env = stack.env()
    return Settings(
        data_dir=tmp_path,
        postgres_url=_with_database(env["SPOKE_POSTGRES_URL"], tag),
        postgres_replica_urls=",".join(
            _with_database(url, tag) for url in env["SPOKE_POSTGRES_REPLICA_URLS"].split(",")
        ),
        postgres_max_conns=5,
        s3_endpoint=env["SPOKE_S3_ENDPOINT"],
        s3_bucket=env["SPOKE_S3_BUCKET"],
        s3_region=env["SPOKE_S3_REGION"],
        s3_access_key=env["SPOKE_S3_ACCESS_KEY"],
        s3_secret_key=env["SPOKE_S3_SECRET_KEY"],
        s3_prefix=tag,
        redis_url=env["SPOKE_REDIS_URL"],
        cache_prefix=tag,
        # Generous Redis timeouts: a loaded CI machine must not turn slow answers into
        # fail-open fallbacks where a test expects the shared path. Fault tests override.
        **({"sprocket_languages": "none", "redis_timeout": 1.0} | overrides),
    )


def as_environment(settings: Settings) -> dict[str, str]:
    """The ``SPOKE_*`` variables that give a ``spoke serve`` process these settings."""
    values = settings.model_dump(exclude_none=True, exclude={"host", "port", "health_port"})
    return {f"SPOKE_{name.upper()}": str(value) for name, value in values.items()}
