"""The composition root: the services, the compile worker and the authenticator, built from
``Settings`` on top of opened backends (``spoke.storage.factory.open_backends``; the caller
opens and closes them).

The HTTP app (``spoke.api.app``) builds everything here; the compile worker (``spoke
sprocket``) builds only the compile service and its Sprocket, and imports no HTTP code.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from prometheus_client import CollectorRegistry

from spoke.auth import AuthMode
from spoke.auth.authenticator import Authenticator
from spoke.auth.discovery import discover_jwks_url
from spoke.auth.jwt import JwtVerifier
from spoke.auth.keys import KeyService, VerifiedKeys
from spoke.compile.generator import build_generator
from spoke.compile.protoc import Protoc, default_scratch_dir, locate_protoc
from spoke.config import Settings
from spoke.services.compile import CompileOptions, CompileService
from spoke.services.deletion import DeletionService
from spoke.services.dependencies import DependencyResolver
from spoke.services.files import FileLimits
from spoke.services.governance import GovernanceService
from spoke.services.graph import DependencyGraph
from spoke.services.keys import KeyManagement
from spoke.services.modules import ModuleService
from spoke.services.pull import PullService
from spoke.services.push import PushService
from spoke.services.registry import Services
from spoke.services.schemas import SchemaCompiler
from spoke.services.sdk import SdkPackages
from spoke.services.search import SearchService
from spoke.services.sprocket import Sprocket
from spoke.services.versions import VersionReader
from spoke.services.visibility import Visibility
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.factory import Backends
from spoke.telemetry.metrics import CompileMetrics, StorageMetrics

log = structlog.get_logger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_protoc(settings: Settings) -> Protoc:
    return Protoc(
        locate_protoc(settings.protoc),
        timeout=settings.protoc_timeout,
        scratch=settings.scratch_dir or default_scratch_dir(),
        memory_limit=settings.protoc_memory_limit,
    )


def build_reader(
    settings: Settings, backends: Backends, metrics: StorageMetrics | None = None
) -> VersionReader:
    # Immutable versions also stay in this process, in front of a shared cache (an
    # in-process cache needs no second in-process tier).
    l1 = (
        None
        if isinstance(backends.cache, MemoryCache)
        else MemoryCache(
            max_entries=settings.cache_max_entries, metrics=metrics.cache if metrics else None
        )
    )
    return VersionReader(
        backends.metadata,
        backends.cache,
        ttl=settings.cache_ttl,
        l1=l1,
        prefix=settings.cache_prefix,
    )


async def _compiling(
    settings: Settings,
    backends: Backends,
    protoc: Protoc,
    reader: VersionReader,
    dependencies: DependencyResolver,
    registry: CollectorRegistry | None,
) -> tuple[CompileService, Sprocket]:
    """The compile service, and the Sprocket that runs its jobs under the same worker id."""
    metrics = CompileMetrics(registry)
    options = CompileOptions(
        worker=worker_id(), lease=settings.compile_lease, max_attempts=settings.compile_max_attempts
    )
    compiler = CompileService(
        reader=reader,
        dependencies=dependencies,
        blobs=backends.blobs,
        queue=backends.queue,
        generator=await build_generator(protoc, settings),
        options=options,
        metrics=metrics,
    )
    sprocket = Sprocket(
        compiler,
        backends.queue,
        worker=options.worker,
        lease=settings.compile_lease,
        poll=settings.sprocket_poll,
        metrics=metrics,
    )
    return compiler, sprocket


async def build_services(
    settings: Settings,
    backends: Backends,
    *,
    protoc: Protoc | None = None,
    keys: KeyService | None = None,
    registry: CollectorRegistry | None = None,
    storage_metrics: StorageMetrics | None = None,
) -> Services:
    """Every service of one registry process. ``keys``: the process's API keys, which
    the authenticator verifies with too (``build_keys``). ``registry`` takes the compile
    metrics; ``storage_metrics`` those of the in-process cache tier in front of a shared
    cache."""
    protoc = protoc or build_protoc(settings)
    # What one request may send: a push, and a lint or breaking check of files.
    limits = FileLimits(max_file_size=settings.max_file_size, max_files=settings.max_files)
    reader = build_reader(settings, backends, storage_metrics)
    dependencies = DependencyResolver(reader, backends.blobs)
    compiler, sprocket = await _compiling(
        settings, backends, protoc, reader, dependencies, registry
    )
    schemas = SchemaCompiler(
        reader, backends.blobs, protoc, backends.cache, dependencies, prefix=settings.cache_prefix
    )
    governance = GovernanceService(backends.metadata, backends.policies, schemas, limits)
    search = SearchService(backends.metadata, backends.search, schemas)
    push = PushService(
        backends.metadata,
        backends.blobs,
        reader,
        dependencies,
        protoc,
        limits,
        on_stored=compiler.enqueue,
        governance=governance,
        search=search,
    )
    visibility = Visibility(
        backends.metadata, backends.cache, MemoryCache(max_entries=10_000, tier="visibility")
    )
    return Services(
        modules=ModuleService(backends.metadata, visibility),
        push=push,
        pull=PullService(backends.metadata, backends.blobs, reader),
        compile=compiler,
        deletion=DeletionService(backends.metadata, backends.blobs, reader),
        reader=reader,
        governance=governance,
        graph=DependencyGraph(backends.metadata, reader, dependencies),
        keys=KeyManagement(keys or build_keys(backends)),
        visibility=visibility,
        search=search,
        sprocket=sprocket,
        sdk=SdkPackages.build(
            backends.metadata,
            backends.blobs,
            reader,
            dependencies,
            compiler,
            npm_scope=settings.sdk_npm_scope,
            go_prefix=settings.sdk_go_prefix,
        ),
    )


async def build_sprocket(
    settings: Settings,
    backends: Backends,
    *,
    registry: CollectorRegistry | None = None,
    storage_metrics: StorageMetrics | None = None,
) -> Sprocket:
    """The compile worker alone (``spoke sprocket``): the compile service and the Sprocket,
    nothing that serves requests."""
    reader = build_reader(settings, backends, storage_metrics)
    dependencies = DependencyResolver(reader, backends.blobs)
    _, sprocket = await _compiling(
        settings, backends, build_protoc(settings), reader, dependencies, registry
    )
    return sprocket


def build_search(settings: Settings, backends: Backends) -> SearchService:
    """Search alone (``spoke admin reindex``): the index, and the compiler that indexes
    versions stored before it."""
    reader = build_reader(settings, backends)
    dependencies = DependencyResolver(reader, backends.blobs)
    schemas = SchemaCompiler(
        reader,
        backends.blobs,
        build_protoc(settings),
        backends.cache,
        dependencies,
        prefix=settings.cache_prefix,
    )
    return SearchService(backends.metadata, backends.search, schemas)


def build_keys(backends: Backends) -> KeyService:
    """The process's API keys: verified keys trusted for a few seconds, revocations
    broadcast to every instance (see ``spoke.auth.keys``)."""
    return KeyService(backends.keys, verified=VerifiedKeys(), broadcast=backends.cache)


async def build_authenticator(settings: Settings, keys: KeyService) -> Authenticator:
    """API keys (``keys``), and JWTs when a secret or a JWKS (given, or discovered from
    the OIDC issuer) is configured."""
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
    return Authenticator(AuthMode(settings.auth_mode), keys, tokens)


async def check_authentication(
    settings: Settings, authenticator: Authenticator, keys: KeyManagement
) -> None:
    """Refuse to serve in ``required`` mode when nobody could ever authenticate."""
    if authenticator.mode is AuthMode.NONE:
        log.warning("authentication is off (SPOKE_AUTH_MODE=none): anyone may push")
        return
    if authenticator.has_token_source:
        return
    if await keys.active_count() == 0:
        raise RuntimeError(
            f"SPOKE_AUTH_MODE={settings.auth_mode} but there is no way to authenticate: "
            "create a first admin key with `spoke admin create-key`, or set "
            "SPOKE_JWT_SECRET or SPOKE_OIDC_JWKS_URL"
        )


@asynccontextmanager
async def embedded_worker(sprocket: Sprocket, enabled: bool) -> AsyncIterator[None]:
    """Run ``sprocket`` inside this process while the context is open."""
    if not enabled:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(sprocket.run(stop, drain=5.0))
    try:
        yield
    finally:
        stop.set()
        await task
