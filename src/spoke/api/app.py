"""The HTTP app: ``create_app`` takes the backends (or opens them from settings in its
lifespan), builds the services through the composition root (``spoke.runtime``), and
serves them behind one declared stack of middleware."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from spoke import __version__
from spoke.api import errors
from spoke.api.access import Access
from spoke.api.middleware.audit import AuditTrail
from spoke.api.middleware.guards import RequestGuard
from spoke.api.middleware.headers import SecurityHeaders
from spoke.api.middleware.hot_reads import HotReads
from spoke.api.middleware.metrics import MetricsMiddleware
from spoke.api.middleware.rate_limit import RateLimit
from spoke.api.middleware.request_context import RequestContext
from spoke.api.pagination import SECRET_NAME, PageTokens
from spoke.api.response_cache import ResponseCache
from spoke.api.routers import (
    api_keys,
    compile,
    files,
    modules,
    sdk_go,
    sdk_npm,
    sdk_python,
    versions,
)
from spoke.api.routers import audit as audit_router
from spoke.api.routers import dependencies as dependencies_router
from spoke.api.routers import governance as governance_router
from spoke.api.routers import search as search_router
from spoke.api.ui import router as ui_router
from spoke.auth.keys import KEYS_CHANGED
from spoke.config import Settings
from spoke.ops.health import Health, watch_backends
from spoke.ratelimit import RateLimiter
from spoke.ratelimit.lockout import Lockout
from spoke.runtime import (
    build_authenticator,
    build_keys,
    build_protoc,
    build_services,
    check_authentication,
    embedded_worker,
)
from spoke.services.versions import MOVED
from spoke.storage.factory import Backends, open_backends
from spoke.telemetry.access_log import AccessLog
from spoke.telemetry.metrics import (
    BuildInfo,
    HttpMetrics,
    RateLimitMetrics,
    StorageMetrics,
    new_registry,
)
from spoke.telemetry.tracing import instrument_app, tracing_enabled

log = structlog.get_logger(__name__)


class SpokeApp(FastAPI):
    """FastAPI behind a front door: repeated reads are answered by ``HotReads`` before
    FastAPI's own middleware and routing see them (see ``enter_through``)."""

    _entry: ASGIApp | None = None
    _hot_reads: HotReads | None = None

    def enter_through(self, hot_reads: HotReads, trusted_proxies: list[str]) -> None:
        self._hot_reads = hot_reads
        entry: ASGIApp = self._dispatch
        if trusted_proxies:
            # uvicorn types its middleware for its own ASGI types; both are ASGI apps.
            proxied = ProxyHeadersMiddleware(cast(Any, entry), trusted_hosts=trusted_proxies)
            entry = cast(ASGIApp, proxied)
        self._entry = entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self._entry or super().__call__)(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self._hot_reads is not None
            and await self._hot_reads.answer(scope, send)
        ):
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    backends: Backends | None = None,
    health: Health | None = None,
    registry: CollectorRegistry | None = None,
) -> SpokeApp:
    """The API app. ``backends`` passed in are the caller's to open and close (their schema
    migrated); without them the lifespan opens them from ``settings``, and closes them."""
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
        owned = None
        active = backends
        if active is None:
            active = owned = await open_backends(settings, metrics=storage_metrics)
        try:
            protoc = build_protoc(settings)
            keys = build_keys(active)
            authenticator = await build_authenticator(settings, keys)
            services = await build_services(
                settings,
                active,
                protoc=protoc,
                keys=keys,
                registry=registry,
                storage_metrics=storage_metrics,
            )
            app.state.services = services
            app.state.access = hot_reads.access = Access(authenticator, services.visibility)
            app.state.audit = active.audit
            app.state.page_tokens = PageTokens(await active.metadata.shared_secret(SECRET_NAME))
            await check_authentication(settings, authenticator, services.keys)
            watch_backends(health, active, critical_metadata=not settings.replica_urls)
            health.started = True
            protoc_version = await protoc.version()
            build_info.set(protoc=protoc_version.removeprefix("libprotoc "))
            log.info(
                "registry started",
                version=__version__,
                protoc=protoc_version,
                metadata=type(active.metadata).__name__,
                data_dir=str(settings.data_dir.resolve()),
            )

            def forget(message: str) -> None:
                if message == KEYS_CHANGED:  # a key was revoked on some instance
                    keys.forget_verified()
                    return
                if message.startswith(MOVED):  # a push: `latest` and lists moved
                    response_cache.drop_moving(message.removeprefix(MOVED))
                    return
                # An instance deleted, restored or hid something of this module.
                module = message.removeprefix("module:")
                services.reader.drop_local(module)
                services.visibility.drop_local(module)
                response_cache.drop_prefix(f"/modules/{module}/")

            listener = asyncio.create_task(active.cache.listen(forget))
            try:
                async with embedded_worker(services.sprocket, settings.runs_embedded_worker):
                    yield
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
        finally:
            hot_reads.access = None
            access_log.flush()
            health.stopping = True
            health.clear_checks()
            if owned is not None:
                await owned.close()
            if limiter is not None:
                await limiter.close()

    # Precomputed answers to immutable reads; with auth on, each hit is authorized first.
    response_cache = ResponseCache(settings.response_cache_bytes)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    http_metrics = HttpMetrics(registry)
    access_log = AccessLog.from_logging()
    lockout = Lockout(limiter) if limiter is not None else None
    authorize = settings.auth_mode != "none"
    hot_reads = HotReads(
        response_cache,
        metrics=http_metrics,
        access_log=access_log,
        limiter=limiter,
        lockout=lockout,
        authorize=authorize,
        cors=bool(origins),
        tracing=tracing_enabled(),
    )
    # The middleware as a request meets it, outermost first (None: left out by settings),
    # once the front door (``HotReads``) has declined it; FastAPI's routing comes after.
    stack = [
        Middleware(RequestContext, access_log=access_log),
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        )
        if origins
        else None,
        Middleware(SecurityHeaders),
        Middleware(MetricsMiddleware, metrics=http_metrics),
        Middleware(RateLimit, limiter=limiter, credentials=authorize, lockout=lockout)
        if limiter is not None
        else None,
        Middleware(RequestGuard, max_body=settings.max_request_size),
        Middleware(AuditTrail),
    ]
    app = SpokeApp(
        title="Spoke",
        version=__version__,
        description="A self-hostable Protobuf schema registry.",
        lifespan=lifespan,
        middleware=[layer for layer in stack if layer is not None],
    )
    # The client address behind SPOKE_TRUSTED_PROXIES is resolved before anything else, here
    # rather than in the server's config, so that every server (and the tests' ASGI
    # transport) resolves it alike; `spoke serve` turns uvicorn's own off. The client is the
    # last address in X-Forwarded-For not of a trusted proxy.
    app.enter_through(hot_reads, settings.trusted_proxy_list)
    errors.install(app)
    app.state.response_cache = response_cache
    app.include_router(modules.router)
    app.include_router(versions.router)
    app.include_router(dependencies_router.router)
    app.include_router(files.router)
    app.include_router(compile.router)
    app.include_router(api_keys.router)
    app.include_router(audit_router.router)
    app.include_router(governance_router.router)
    app.include_router(sdk_python.router)
    app.include_router(sdk_npm.router)
    app.include_router(sdk_go.router)
    app.include_router(search_router.router)
    app.include_router(ui_router)
    instrument_app(app)  # server spans around everything above
    app.state.health = health
    app.state.registry = registry
    return app
