"""Builds the storage adapters that ``Settings`` ask for: the one place that picks them.

Each production setting replaces one embedded default: ``SPOKE_POSTGRES_URL`` (else
SQLite), ``SPOKE_S3_ENDPOINT`` (else a local folder), ``SPOKE_REDIS_URL`` (else an
in-process cache). Every SQL adapter shares one ``Database``; its engines stay in here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from spoke.config import Settings
from spoke.storage.audit import AuditLog
from spoke.storage.audit.sql import SqlAuditLog
from spoke.storage.blobs import BlobStore
from spoke.storage.blobs.objects import ObjectBlobStore
from spoke.storage.cache import Cache
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.cache.redis import RedisCache
from spoke.storage.keys import KeyStore
from spoke.storage.keys.sql import SqlKeyStore
from spoke.storage.metadata import DatabaseDump, MetadataStore
from spoke.storage.metadata.dumps import PostgresDumps, SqliteDumps
from spoke.storage.metadata.sql import SqlMetadataStore
from spoke.storage.policies import PolicyStore
from spoke.storage.policies.sql import SqlPolicyStore
from spoke.storage.queue import CompileQueue
from spoke.storage.queue.sql import SqlCompileQueue
from spoke.storage.search import SearchIndex
from spoke.storage.search.sql import SqlSearchIndex
from spoke.storage.sql import Database
from spoke.telemetry.metrics import StorageMetrics
from spoke.telemetry.tracing import instrument_engine


@dataclass
class Backends:
    metadata: MetadataStore
    blobs: BlobStore
    cache: Cache
    queue: CompileQueue
    keys: KeyStore
    audit: AuditLog
    policies: PolicyStore
    search: SearchIndex

    async def close(self) -> None:
        await self.queue.close()
        await self.cache.close()
        await self.blobs.close()
        await self.metadata.close()


def open_database(settings: Settings, metrics: StorageMetrics | None = None) -> Database:
    """The configured database (PostgreSQL and its replicas, else SQLite), every engine
    traced and, with ``metrics``, timed and its pool reported. The caller closes it."""
    if settings.postgres_url:
        database = Database.postgres(
            settings.postgres_url,
            replica_urls=settings.replica_urls,
            pool_size=settings.postgres_max_conns,
            connect_timeout=settings.postgres_connect_timeout,
            query_timeout=settings.postgres_query_timeout,
            replica_timeout=settings.postgres_replica_timeout,
            metrics=metrics.database if metrics else None,
        )
    else:
        database = Database.sqlite(settings.sqlite_path)
    for role, engine in database.engines():
        instrument_engine(engine.sync_engine)
        if metrics is not None:
            metrics.database.watch(engine, role)
    return database


def open_metadata(settings: Settings, metrics: StorageMetrics | None = None) -> SqlMetadataStore:
    """The metadata store on its own ``Database`` (closed with the store)."""
    return SqlMetadataStore(open_database(settings, metrics))


@asynccontextmanager
async def open_keys(settings: Settings, *, migrate: bool = True) -> AsyncIterator[KeyStore]:
    """The API keys in the configured database (its tables migrated first, unless not
    ``migrate``), for commands that manage keys without a server; closed on exit."""
    database = open_database(settings)
    try:
        if migrate:
            await database.migrate()
        yield SqlKeyStore(database)
    finally:
        await database.close()


@asynccontextmanager
async def open_dumps(settings: Settings) -> AsyncIterator[DatabaseDump]:
    """Dumps of the configured database (for backups and restores): ``pg_dump``/``psql``
    on PostgreSQL (the primary), the sqlite3 module on SQLite; closed on exit."""
    if settings.postgres_url:
        primary = Database.postgres(
            settings.postgres_url,
            pool_size=2,  # a snapshot's transaction, and a count
            connect_timeout=settings.postgres_connect_timeout,
            query_timeout=settings.postgres_query_timeout,
        )
        dumps: DatabaseDump = PostgresDumps(primary, settings.postgres_url)
    else:
        primary = Database.sqlite(settings.sqlite_path)
        dumps = SqliteDumps(primary, settings.sqlite_path)
    try:
        yield dumps
    finally:
        await primary.close()


def _s3(
    settings: Settings, bucket: str, prefix: str, metrics: StorageMetrics | None
) -> ObjectBlobStore:
    assert settings.s3_endpoint is not None
    return ObjectBlobStore.s3(
        endpoint=settings.s3_endpoint,
        bucket=bucket,
        region=settings.s3_region,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        prefix=prefix,
        timeout=settings.s3_timeout,
        connect_timeout=settings.s3_connect_timeout,
        sse=settings.s3_sse,
        sse_kms_key_id=settings.s3_sse_kms_key_id,
        metrics=metrics.blobs if metrics else None,
    )


def open_blobs(settings: Settings, metrics: StorageMetrics | None = None) -> ObjectBlobStore:
    if settings.s3_endpoint:
        return _s3(settings, settings.s3_bucket, settings.s3_prefix, metrics)
    return ObjectBlobStore.local(settings.blob_root, metrics=metrics.blobs if metrics else None)


def open_backup_blobs(settings: Settings) -> ObjectBlobStore:
    """Where backups go: ``SPOKE_BACKUP_BUCKET`` (default: the data bucket) under
    ``SPOKE_BACKUP_PREFIX`` (default: ``backups`` beside the data); without S3, the
    ``backups`` folder beside the files (or ``SPOKE_BACKUP_PREFIX`` under it)."""
    if settings.s3_endpoint:
        return _s3(
            settings, settings.backup_bucket or settings.s3_bucket, settings.backup_path, None
        )
    return ObjectBlobStore.local(settings.blob_root / (settings.backup_prefix or "backups"))


def open_cache(settings: Settings, metrics: StorageMetrics | None = None) -> Cache:
    cache_metrics = metrics.cache if metrics else None
    if settings.redis_url:
        return RedisCache.from_url(
            settings.redis_url,
            timeout=settings.redis_timeout,
            metrics=cache_metrics,
            channel=f"{settings.cache_prefix}:invalidate",
            ca_file=str(settings.redis_ca_file) if settings.redis_ca_file else None,
        )
    return MemoryCache(max_entries=settings.cache_max_entries, metrics=cache_metrics, tier="memory")


async def open_backends(
    settings: Settings, *, metrics: StorageMetrics | None = None, migrate: bool | None = None
) -> Backends:
    """Every backend of a registry process. The schema is migrated first when ``migrate``
    (default: ``settings.migrate_on_start``); otherwise a schema older than this code is
    refused (``SchemaOutdated``: run ``spoke migrate``)."""
    database = open_database(settings, metrics)
    metadata = SqlMetadataStore(database)  # closes the database when closed
    try:
        if settings.migrate_on_start if migrate is None else migrate:
            await metadata.migrate()
        else:
            await database.check_schema()
        return Backends(
            metadata=metadata,
            blobs=open_blobs(settings, metrics),
            cache=open_cache(settings, metrics),
            queue=SqlCompileQueue(database),
            keys=SqlKeyStore(database),
            audit=SqlAuditLog(database),
            policies=SqlPolicyStore(database),
            search=SqlSearchIndex(database),
        )
    except BaseException:
        await metadata.close()
        raise
