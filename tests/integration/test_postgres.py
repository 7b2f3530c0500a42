"""PostgreSQL specifics: migrations under a lock, server-side timeouts, multi-host URLs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from spoke.devstack.stack import Stack
from spoke.storage.metadata import MetadataUnavailable, migrations
from spoke.storage.metadata.sql import SqlMetadataStore
from spoke.storage.sql import Database
from tests.integration.builders import new_version
from tests.production import isolated_settings


def head_revision() -> str:
    head = ScriptDirectory.from_config(migrations.config()).get_current_head()
    assert head is not None
    return head


@pytest.fixture
async def database_url(stack: Stack, tmp_path: Path) -> str:
    settings = await isolated_settings(stack, tmp_path)
    assert settings.postgres_url
    return settings.postgres_url


async def test_instances_starting_together_migrate_once(database_url: str) -> None:
    stores = [SqlMetadataStore(Database.postgres(database_url, pool_size=2)) for _ in range(4)]
    try:
        await asyncio.gather(*(store.migrate() for store in stores))
        await stores[0].create_version(new_version("acme.m", "v1.0.0"))
        assert (await stores[3].get_version("acme.m", "v1.0.0")).version == "v1.0.0"
    finally:
        await asyncio.gather(*(store.close() for store in stores))
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT version_num FROM alembic_version")
        assert [row["version_num"] for row in rows] == [head_revision()]
    finally:
        await conn.close()


async def test_statement_timeout_is_enforced(database_url: str) -> None:
    database = Database.postgres(database_url, pool_size=1, query_timeout=0.3)
    try:
        await database.migrate()
        async with database.connect() as conn:  # the pool's own connections
            setting = (await conn.exec_driver_sql("SHOW statement_timeout")).scalar_one()
        assert setting == "300ms"
    finally:
        await database.close()


async def test_multi_host_url_finds_the_writable_server(stack: Stack, database_url: str) -> None:
    """The replica listed first, the primary second: writes still land on the primary."""
    assert stack.postgres is not None
    replica = stack.postgres_replicas[0]
    database = database_url.rsplit("/", 1)[1]
    url = (
        f"postgresql://postgres@127.0.0.1:{replica.port},127.0.0.1:{stack.postgres.port}"
        f"/{database}?target_session_attrs=read-write"
    )
    store = SqlMetadataStore(Database.postgres(url, pool_size=2))
    try:
        await store.migrate()
        await store.create_version(new_version("acme.multi", "v1.0.0"))
        assert (await store.latest_version("acme.multi")) == "v1.0.0"
    finally:
        await store.close()


async def test_unreachable_primary_is_metadata_unavailable() -> None:
    store = SqlMetadataStore(
        Database.postgres("postgresql://postgres@127.0.0.1:1/spoke", pool_size=1, connect_timeout=1)
    )
    try:
        with pytest.raises(MetadataUnavailable):
            await store.get_module("acme")
        with pytest.raises(MetadataUnavailable):
            await store.ping()
    finally:
        await store.close()
