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

from spoke.storage.blobs import BlobStore
from spoke.storage.blobs.objects import ObjectBlobStore
from spoke.storage.metadata import MetadataStore
from spoke.storage.metadata.sql import SqlMetadataStore

BlobStoreFactory = Callable[[Path], Awaitable[BlobStore]]
MetadataStoreFactory = Callable[[Path], Awaitable[MetadataStore]]


async def _local_blob_store(tmp_path: Path) -> BlobStore:
    return ObjectBlobStore.local(tmp_path / "blobs")


async def _memory_blob_store(tmp_path: Path) -> BlobStore:
    return ObjectBlobStore.memory()


async def _sqlite_metadata_store(tmp_path: Path) -> MetadataStore:
    store = SqlMetadataStore.sqlite(tmp_path / "spoke.db")
    try:
        await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


BLOB_BACKENDS: dict[str, BlobStoreFactory] = {
    "local": _local_blob_store,
    "memory": _memory_blob_store,
}

METADATA_BACKENDS: dict[str, MetadataStoreFactory] = {
    "sqlite": _sqlite_metadata_store,
}


@pytest.fixture(params=list(BLOB_BACKENDS))
async def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    store = await BLOB_BACKENDS[request.param](tmp_path)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=list(METADATA_BACKENDS))
async def metadata_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MetadataStore]:
    """A migrated, empty metadata store."""
    store = await METADATA_BACKENDS[request.param](tmp_path)
    try:
        yield store
    finally:
        await store.close()
