"""The composition root: ``create_app`` builds the backends (or takes the caller's), the
services on top of them, and the HTTP app that serves them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from spoke import __version__
from spoke.api import errors
from spoke.api.audit import AuditTrail
from spoke.api.composition import build_runtime, check_access_configuration, embedded_worker
from spoke.api.guards import RequestGuard
from spoke.api.headers import SecurityHeaders
from spoke.api.hot_reads import HotReads, ResponseCache
from spoke.api.pagination import SECRET_NAME, PageTokens
from spoke.api.request_context import RequestContext
from spoke.api.routers import api_keys, compile, files, modules, versions
from spoke.api.routers import audit as audit_router
from spoke.api.routers import dependencies as dependencies_router
from spoke.api.routers import governance as governance_router
from spoke.config import Settings
from spoke.ops.health import Health
from spoke.ops.metrics import BuildInfo, HttpMetrics, MetricsMiddleware, new_registry
from spoke.ratelimit import RateLimit, RateLimiter
from spoke.storage.audit import AuditLog
from spoke.storage.blobs import BlobStore
from spoke.storage.cache import Cache
from spoke.storage.factory import Backends, open_backends
from spoke.storage.keys import KeyStore
from spoke.storage.metadata import MetadataStore
from spoke.storage.policies import PolicyStore
from spoke.storage.queue import CompileQueue
from spoke.telemetry.metrics import RateLimitMetrics, StorageMetrics
from spoke.telemetry.tracing import instrument_app

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    metadata: MetadataStore | None = None,
    blobs: BlobStore | None = None,
    cache: Cache | None = None,
    queue: CompileQueue | None = None,
    keys: KeyStore | None = None,
    audit: AuditLog | None = None,
    policies: PolicyStore | None = None,
    health: Health | None = None,
    registry: CollectorRegistry | None = None,
) -> FastAPI:
    """The API app. Backends passed in are the caller's to open and close (their schema
    must be migrated); missing ones are built from ``settings`` in the lifespan."""
    health = health or Health()
    registry = registry or new_registry()
    storage_metrics = StorageMetrics(registry)
    build_info = BuildInfo(registry)
    # Built now (it connects on first use), closed with the app.
    limiter = (
        RateLimiter.from_settings(settings, metrics=RateLimitMetrics(registry))
        if settings.rate_limits_enabled
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned: Backends | None = None
        given = (metadata, blobs, cache, queue, keys, audit, policies)
        if any(backend is None for backend in given):
            owned = await open_backends(settings, metrics=storage_metrics)
            backends = Backends(
                metadata=owned.metadata if metadata is None else metadata,
                blobs=owned.blobs if blobs is None else blobs,
                cache=owned.cache if cache is None else cache,
                queue=owned.queue if queue is None else queue,
                keys=owned.keys if keys is None else keys,
                audit=owned.audit if audit is None else audit,
                policies=owned.policies if policies is None else policies,
            )
        else:
            backends = Backends(*given)  # type: ignore[arg-type]
        try:
            runtime = await build_runtime(
                settings, backends, storage_metrics=storage_metrics, registry=registry
            )
            app.state.services = runtime.services
            app.state.access = runtime.access
            app.state.audit = backends.audit
            app.state.page_tokens = PageTokens(await backends.metadata.shared_secret(SECRET_NAME))
            await check_access_configuration(settings, runtime.access)
            # Critical only what leaves this instance nothing to serve: the primary when
            # no replica serves reads. The rest degrade (see spoke.ops.health).
            health.add_check("metadata", backends.metadata.ping, critical=not settings.replica_urls)
            health.add_check("blobs", backends.blobs.ping, critical=False)
            health.add_check("cache", backends.cache.ping, critical=False)
            health.started = True
            protoc_version = await runtime.protoc.version()
            build_info.set(protoc=protoc_version.removeprefix("libprotoc "))
            log.info(
                "registry started",
                version=__version__,
                protoc=protoc_version,
                metadata=type(backends.metadata).__name__,
                data_dir=str(settings.data_dir.resolve()),
            )

            def forget(message: str) -> None:
                # An instance deleted, restored or hid something of this module.
                module = message.removeprefix("module:")
                runtime.services.reader.drop_local(module)
                runtime.access.visibility.drop_local(module)
                response_cache.drop_prefix(f"/modules/{module}/")

            listener = asyncio.create_task(backends.cache.listen(forget))
            try:
                async with embedded_worker(runtime, settings.runs_embedded_worker):
                    yield
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
        finally:
            health.stopping = True
            health.clear_checks()
            if owned is not None:
                await owned.close()
            if limiter is not None:
                await limiter.close()

    app = FastAPI(
        title="Spoke",
        version=__version__,
        description="A self-hostable Protobuf schema registry.",
        lifespan=lifespan,
    )
    errors.install(app)
    # Precomputed answers skip authorization: only without auth may they be served.
    response_cache = ResponseCache(
        settings.response_cache_bytes if settings.auth_mode == "none" else 0
    )
    app.state.response_cache = response_cache
    app.include_router(modules.router)
    app.include_router(versions.router)
    app.include_router(dependencies_router.router)
    app.include_router(files.router)
    app.include_router(compile.router)
    app.include_router(api_keys.router)
    app.include_router(audit_router.router)
    app.include_router(governance_router.router)
    # At request time, outermost first: the client address behind trusted proxies, ids and
    # logs, metrics, rate limits, input guards, then the precomputed answers to immutable
    # reads, then FastAPI's routing.
    app.add_middleware(AuditTrail)
    app.add_middleware(HotReads, cache=response_cache)
    app.add_middleware(RequestGuard, max_body=settings.max_request_size)
    if limiter is not None:
        app.add_middleware(RateLimit, limiter=limiter, credentials=settings.auth_mode != "none")
    app.add_middleware(MetricsMiddleware, metrics=HttpMetrics(registry))
    app.add_middleware(SecurityHeaders)
    if origins := [o.strip() for o in settings.cors_origins.split(",") if o.strip()]:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        )
    app.add_middleware(RequestContext)
    if proxies := settings.trusted_proxy_list:
        # Here rather than in the server's config, so that every server (and the tests'
        # ASGI transport) resolves the client address alike; `spoke serve` turns uvicorn's
        # own off. The client is the last address in X-Forwarded-For not of a trusted proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    instrument_app(app)  # server spans around everything above
    app.state.health = health
    app.state.registry = registry
    return app
