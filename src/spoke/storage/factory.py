"""Builds the storage adapters that ``Settings`` ask for: the one place that picks them."""

from __future__ import annotations

from dataclasses import dataclass

from spoke.config import Settings
from spoke.storage.blobs import BlobStore
from spoke.storage.blobs.objects import ObjectBlobStore
from spoke.storage.cache import Cache
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.metadata import MetadataStore
from spoke.storage.metadata.sql import SqlMetadataStore


@dataclass
class Backends:
    metadata: MetadataStore
    blobs: BlobStore
    cache: Cache

    async def close(self) -> None:
        await self.cache.close()
        await self.blobs.close()
        await self.metadata.close()


def open_metadata(settings: Settings) -> SqlMetadataStore:
    return SqlMetadataStore.sqlite(settings.sqlite_path)


async def open_backends(settings: Settings, *, migrate: bool = True) -> Backends:
    """The embedded default: SQLite and a folder under ``data_dir``, an in-process cache."""
    metadata = open_metadata(settings)
    if migrate:
        await metadata.migrate()
    return Backends(
        metadata=metadata,
        blobs=ObjectBlobStore.local(settings.blob_root),
        cache=MemoryCache(max_entries=settings.cache_max_entries),
    )
