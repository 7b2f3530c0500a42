"""The composition root: ``create_app`` builds the backends (or takes the caller's), the
services on top of them, and the HTTP app that serves them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from spoke import __version__
from spoke.api import errors
from spoke.api.deps import Services
from spoke.api.guards import RequestGuard
from spoke.api.hot_reads import HotReads, ResponseCache
from spoke.api.request_context import RequestContext
from spoke.api.routers import files, modules, versions
from spoke.compile.protoc import Protoc, default_scratch_dir, locate_protoc
from spoke.config import Settings
from spoke.ops.health import Health
from spoke.ops.metrics import HttpMetrics, MetricsMiddleware, new_registry
from spoke.services.modules import ModuleService
from spoke.services.pull import PullService
from spoke.services.push import PushLimits, PushService
from spoke.services.versions import VersionReader
from spoke.storage.blobs import BlobStore
from spoke.storage.cache import Cache
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.factory import Backends, open_backends
from spoke.storage.metadata import MetadataStore
from spoke.telemetry.metrics import StorageMetrics

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    metadata: MetadataStore | None = None,
    blobs: BlobStore | None = None,
    cache: Cache | None = None,
    health: Health | None = None,
    registry: CollectorRegistry | None = None,
) -> FastAPI:
    """The API app. Backends passed in are the caller's to open and close (their schema
    must be migrated); missing ones are built from ``settings`` in the lifespan."""
    health = health or Health()
    registry = registry or new_registry()
    storage_metrics = StorageMetrics(registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned: Backends | None = None
        if metadata is None or blobs is None or cache is None:
            owned = await open_backends(settings, metrics=storage_metrics)
            backends = Backends(
                metadata=owned.metadata if metadata is None else metadata,
                blobs=owned.blobs if blobs is None else blobs,
                cache=owned.cache if cache is None else cache,
            )
        else:
            backends = Backends(metadata=metadata, blobs=blobs, cache=cache)
        protoc = Protoc(
            locate_protoc(settings.protoc),
            timeout=settings.protoc_timeout,
            scratch=settings.scratch_dir or default_scratch_dir(),
        )
        reader = VersionReader(
            backends.metadata,
            backends.cache,
            ttl=settings.cache_ttl,
            # Immutable versions also stay in this process, in front of a shared cache.
            l1=None
            if isinstance(backends.cache, MemoryCache)
            else MemoryCache(max_entries=settings.cache_max_entries, metrics=storage_metrics.cache),
            prefix=settings.cache_prefix,
        )
        app.state.services = Services(
            modules=ModuleService(backends.metadata),
            push=PushService(
                backends.metadata,
                backends.blobs,
                reader,
                protoc,
                PushLimits(max_file_size=settings.max_file_size, max_files=settings.max_files),
            ),
            pull=PullService(backends.metadata, backends.blobs, reader),
        )
        health.add_check("metadata", backends.metadata.ping)
        health.add_check("blobs", backends.blobs.ping)
        health.add_check("cache", backends.cache.ping)
        health.started = True
        log.info(
            "registry started",
            version=__version__,
            protoc=await protoc.version(),
            metadata=type(backends.metadata).__name__,
            data_dir=str(settings.data_dir.resolve()),
        )
        try:
            yield
        finally:
            health.stopping = True
            health.clear_checks()
            if owned is not None:
                await owned.close()

    app = FastAPI(
        title="Spoke",
        version=__version__,
        description="A self-hostable Protobuf schema registry.",
        lifespan=lifespan,
    )
    errors.install(app)
    response_cache = ResponseCache(settings.response_cache_bytes)
    app.state.response_cache = response_cache
    app.include_router(modules.router)
    app.include_router(versions.router)
    app.include_router(files.router)
    # At request time, outermost first: ids and logs, metrics, input guards, then the
    # precomputed answers to immutable reads, then FastAPI's routing.
    app.add_middleware(HotReads, cache=response_cache)
    app.add_middleware(RequestGuard, max_body=settings.max_request_size)
    app.add_middleware(MetricsMiddleware, metrics=HttpMetrics(registry))
    app.add_middleware(RequestContext)
    app.state.health = health
    app.state.registry = registry
    return app
