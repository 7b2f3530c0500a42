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

from spoke.api.deps import Services
from spoke.compile.generator import build_generator
from spoke.compile.protoc import Protoc, default_scratch_dir, locate_protoc
from spoke.config import Settings
from spoke.services.compile import CompileOptions, CompileService
from spoke.services.modules import ModuleService
from spoke.services.pull import PullService
from spoke.services.push import PushLimits, PushService
from spoke.services.sprocket import Sprocket
from spoke.services.versions import VersionReader
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
    push = PushService(
        backends.metadata,
        backends.blobs,
        reader,
        protoc,
        PushLimits(max_file_size=settings.max_file_size, max_files=settings.max_files),
        on_stored=compiler.enqueue,
    )
    services = Services(
        modules=ModuleService(backends.metadata),
        push=push,
        pull=PullService(backends.metadata, backends.blobs, reader),
        compile=compiler,
    )
    sprocket = Sprocket(
        compiler,
        backends.queue,
        worker=options.worker,
        lease=settings.compile_lease,
        poll=settings.sprocket_poll,
        metrics=compile_metrics,
    )
    return Runtime(services, protoc, sprocket)


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
