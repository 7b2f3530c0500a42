"""Builds the services (and the in-process worker) on top of opened backends: the part of
the composition root that does not depend on HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from prometheus_client import CollectorRegistry

from spoke.api.access import Access
from spoke.api.deps import Services
from spoke.auth import AuthMode
from spoke.auth.authenticator import Authenticator
from spoke.auth.discovery import discover_jwks_url
from spoke.auth.jwt import JwtVerifier
from spoke.auth.keys import KeyService
from spoke.compile.generator import build_generator
from spoke.compile.protoc import Protoc, default_scratch_dir, locate_protoc
from spoke.config import Settings
from spoke.services.compile import CompileOptions, CompileService
from spoke.services.deletion import DeletionService
from spoke.services.governance import GovernanceService
from spoke.services.graph import DependencyGraph
from spoke.services.modules import ModuleService
from spoke.services.pull import PullService
from spoke.services.push import PushLimits, PushService
from spoke.services.schemas import SchemaCompiler
from spoke.services.sprocket import Sprocket
from spoke.services.versions import VersionReader
from spoke.services.visibility import Visibility
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.factory import Backends
from spoke.telemetry.metrics import CompileMetrics, StorageMetrics

log = structlog.get_logger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Runtime:
    services: Services
    protoc: Protoc
    sprocket: Sprocket
    access: Access


async def build_access(settings: Settings, backends: Backends) -> Access:
    tokens = None
    jwks_url = settings.oidc_jwks_url
    if jwks_url is None and settings.oidc_issuer and settings.auth_mode != "none":
        jwks_url = await discover_jwks_url(settings.oidc_issuer)
    if settings.jwt_secret or jwks_url:
        tokens = JwtVerifier(
            secret=settings.jwt_secret,
            jwks_url=jwks_url,
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            roles_claim=settings.jwt_roles_claim,
        )
    authenticator = Authenticator(AuthMode(settings.auth_mode), KeyService(backends.keys), tokens)
    visibility = Visibility(
        backends.metadata, backends.cache, MemoryCache(max_entries=10_000, tier="visibility")
    )
    return Access(authenticator, visibility)


async def check_access_configuration(settings: Settings, access: Access) -> None:
    """Refuse to serve in ``required`` mode when nobody could ever authenticate."""
    if access.mode is AuthMode.NONE:
        log.warning("authentication is off (SPOKE_AUTH_MODE=none): anyone may push")
        return
    if access.authenticator.has_token_source:
        return
    if await access.authenticator.keys.active_count() == 0:
        raise RuntimeError(
            f"SPOKE_AUTH_MODE={settings.auth_mode} but there is no way to authenticate: "
            "create a first admin key with `spoke admin create-key`, or set "
            "SPOKE_JWT_SECRET or SPOKE_OIDC_JWKS_URL"
        )


def build_protoc(settings: Settings) -> Protoc:
    return Protoc(
        locate_protoc(settings.protoc),
        timeout=settings.protoc_timeout,
        scratch=settings.scratch_dir or default_scratch_dir(),
        memory_limit=settings.protoc_memory_limit,
    )


async def build_runtime(
    settings: Settings,
    backends: Backends,
    *,
    storage_metrics: StorageMetrics,
    registry: CollectorRegistry | None,
) -> Runtime:
    protoc = build_protoc(settings)
    access = await build_access(settings, backends)
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
    compile_metrics = CompileMetrics(registry)
    options = CompileOptions(
        worker=worker_id(), lease=settings.compile_lease, max_attempts=settings.compile_max_attempts
    )
    compiler = CompileService(
        reader=reader,
        blobs=backends.blobs,
        queue=backends.queue,
        generator=await build_generator(protoc, settings),
        options=options,
        metrics=compile_metrics,
    )
    governance = GovernanceService(
        backends.metadata,
        backends.policies,
        SchemaCompiler(
            reader, backends.blobs, protoc, backends.cache, prefix=settings.cache_prefix
        ),
    )
    push = PushService(
        backends.metadata,
        backends.blobs,
        reader,
        protoc,
        PushLimits(max_file_size=settings.max_file_size, max_files=settings.max_files),
        on_stored=compiler.enqueue,
        governance=governance,
    )
    services = Services(
        modules=ModuleService(backends.metadata, access.visibility),
        push=push,
        pull=PullService(backends.metadata, backends.blobs, reader),
        compile=compiler,
        deletion=DeletionService(backends.metadata, backends.blobs, reader),
        reader=reader,
        governance=governance,
        graph=DependencyGraph(backends.metadata, backends.blobs, reader),
    )
    sprocket = Sprocket(
        compiler,
        backends.queue,
        worker=options.worker,
        lease=settings.compile_lease,
        poll=settings.sprocket_poll,
        metrics=compile_metrics,
    )
    return Runtime(services, protoc, sprocket, access)


@asynccontextmanager
async def embedded_worker(runtime: Runtime, enabled: bool) -> AsyncIterator[None]:
    """Run the Sprocket inside this process while the context is open."""
    if not enabled:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.sprocket.run(stop, drain=5.0))
    try:
        yield
    finally:
        stop.set()
        await task
