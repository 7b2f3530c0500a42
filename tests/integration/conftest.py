"""Fixtures shared by the integration tests: every port implementation, one contract.

Each port has a registry of backend factories; the store fixtures are parametrised over
its keys, so a new backend (PostgreSQL, S3, Redis, ...) joins every contract test by
adding one entry. A factory builds a ready-to-use store; it may call ``pytest.skip`` when
the service it needs is not configured. The fixtures always close the store afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from spoke.config import Settings
from spoke.storage.blobs import BlobStore
from spoke.storage.blobs.objects import ObjectBlobStore
from spoke.storage.cache import Cache
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.cache.redis import RedisCache, connect
from spoke.storage.factory import open_blobs, open_cache, open_metadata
from spoke.storage.metadata import MetadataStore
from spoke.storage.metadata.sql import SqlMetadataStore
from spoke.storage.sql import Database
from tests.production import isolated_settings

BlobStoreFactory = Callable[[pytest.FixtureRequest, Path], Awaitable[BlobStore]]
MetadataStoreFactory = Callable[[pytest.FixtureRequest, Path], Awaitable[MetadataStore]]
CacheFactory = Callable[[pytest.FixtureRequest, Path], Awaitable[Cache]]


async def _production(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Isolated settings on the session's stack (started on first use)."""
    return await isolated_settings(request.getfixturevalue("stack"), tmp_path)


async def _local_blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return ObjectBlobStore.local(tmp_path / "blobs")


async def _memory_blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return ObjectBlobStore.memory()


async def _s3_blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return open_blobs(await _production(request, tmp_path))


async def _migrated(store: SqlMetadataStore) -> MetadataStore:
    try:
        await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


async def _sqlite_metadata_store(request: pytest.FixtureRequest, tmp_path: Path) -> MetadataStore:
    return await _migrated(SqlMetadataStore(Database.sqlite(tmp_path / "spoke.db")))


async def _postgres_metadata_store(request: pytest.FixtureRequest, tmp_path: Path) -> MetadataStore:
    return await _migrated(open_metadata(await _production(request, tmp_path)))


async def _memory_cache(request: pytest.FixtureRequest, tmp_path: Path) -> Cache:
    return MemoryCache()


async def _redis_cache(request: pytest.FixtureRequest, tmp_path: Path) -> Cache:
    # The contract is about behaviour, not latency: a loaded CI machine must not turn
    # slow answers into (correctly) dropped writes.
    settings = (await _production(request, tmp_path)).model_copy(update={"redis_timeout": 2.0})
    assert settings.redis_url
    # The contract tests use plain keys: start each from an empty Redis.
    client, helpers = connect(settings.redis_url, timeout=2)
    try:
        await client.flushdb()
    finally:
        for closable in (client, *helpers):
            await closable.aclose()
    cache = open_cache(settings)
    assert isinstance(cache, RedisCache)
    return cache


BLOB_BACKENDS: dict[str, BlobStoreFactory] = {
    "local": _local_blob_store,
    "memory": _memory_blob_store,
    "s3": _s3_blob_store,
}

METADATA_BACKENDS: dict[str, MetadataStoreFactory] = {
    "sqlite": _sqlite_metadata_store,
    "postgres": _postgres_metadata_store,
}

CACHE_BACKENDS: dict[str, CacheFactory] = {
    "memory": _memory_cache,
    "redis": _redis_cache,
}


@pytest.fixture(params=list(BLOB_BACKENDS))
async def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    store = await BLOB_BACKENDS[request.param](request, tmp_path)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=list(METADATA_BACKENDS))
async def metadata_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MetadataStore]:
    """A migrated, empty metadata store."""
    store = await METADATA_BACKENDS[request.param](request, tmp_path)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=list(CACHE_BACKENDS))
async def cache(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Cache]:
    store = await CACHE_BACKENDS[request.param](request, tmp_path)
    try:
        yield store
    finally:
        await store.close()
