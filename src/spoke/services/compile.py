"""Compiling versions to generated code: on demand and for the Sprocket worker.

A job runs once per (version, language, gRPC). Before protoc runs, the compile cache is
asked: a key over the inputs, the dependencies, the language's options and the tool
versions names an artifact that identical inputs already produced, on any instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from spoke.compile import Generator, LanguageInfo
from spoke.domain.compile import artifact_key, compile_cache_key
from spoke.domain.errors import CompileFailed, SpokeError, Unavailable
from spoke.domain.models import ModuleVersion
from spoke.services.archives import ArchiveFormat, build_archive
from spoke.services.dependencies import DependencyResolver
from spoke.services.files import read_protos
from spoke.services.versions import VersionReader
from spoke.services.visibility import EVERYTHING, ReadScope
from spoke.storage.blobs import BlobStore
from spoke.storage.queue import Artifact, CompileJob, CompileQueue, JobSpec, JobStatus
from spoke.telemetry.metrics import CompileMetrics

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CompileOptions:
    worker: str
    lease: float = 60.0
    max_attempts: int = 3
    retry_backoff: float = 5.0


class CompileService:
    def __init__(
        self,
        *,
        reader: VersionReader,
        dependencies: DependencyResolver,
        blobs: BlobStore,
        queue: CompileQueue,
        generator: Generator,
        options: CompileOptions,
        metrics: CompileMetrics | None = None,
    ) -> None:
        self._reader = reader
        self._dependencies = dependencies
        self._blobs = blobs
        self._queue = queue
        self._generator = generator
        self._options = options
        self._metrics = metrics or CompileMetrics(None)

    def languages(self) -> list[LanguageInfo]:
        """Every language this instance knows, whether its tools are installed, and their
        versions."""
        return self._generator.languages()

    async def enqueue(self, module: str, version: str) -> None:
        """Queue the default languages for a version that was just stored."""
        specs = [JobSpec(module, version, lang, grpc) for lang, grpc in self._generator.defaults()]
        await self._queue.enqueue(specs, max_attempts=self._options.max_attempts)

    async def compile_now(
        self, module: str, ref: str, language: str, grpc: bool, *, scope: ReadScope
    ) -> CompileJob:
        """Compile here and now (or return the stored result). A job another worker holds
        is returned as it is, running. Generated code is built from the whole closure:
        ``scope`` must read all of it (here and in ``job`` and ``jobs``)."""
        version = await self._version(module, ref, scope)
        self._generator.check(language, grpc)
        spec = JobSpec(version.module, version.version, language, grpc)
        job = await self._queue.get(spec)
        if job is not None and job.status is JobStatus.SUCCEEDED:
            return job
        claimed = await self._queue.claim_spec(
            spec,
            self._options.worker,
            lease=self._options.lease,
            max_attempts=self._options.max_attempts,
        )
        if claimed is None:
            current = await self._queue.get(spec)
            assert current is not None  # claim_spec created it
            return current
        return await self.run(claimed, version)

    async def job(
        self, module: str, ref: str, language: str, grpc: bool, *, scope: ReadScope
    ) -> CompileJob | None:
        version = await self._version(module, ref, scope)
        self._generator.check(language, grpc)
        return await self._queue.get(JobSpec(version.module, version.version, language, grpc))

    async def jobs(
        self, module: str, ref: str, *, scope: ReadScope
    ) -> tuple[ModuleVersion, list[CompileJob]]:
        version = await self._version(module, ref, scope)
        return version, await self._queue.for_version(version.module, version.version)

    async def _version(self, module: str, ref: str, scope: ReadScope) -> ModuleVersion:
        version = await self._reader.get(module, ref)
        await self._dependencies.require_readable(version, scope)
        return version

    async def generate_mapped(
        self,
        module: str,
        ref: str,
        language: str,
        imports: Callable[[list[ModuleVersion]], Mapping[str, str]],
        *,
        scope: ReadScope,
    ) -> dict[str, bytes]:
        """Generate here, neither queued nor cached, with import paths of the caller's
        making (``imports`` is given the version and its closure): for the Go SDK, whose
        import paths are its own module paths rather than the files' ``go_package``."""
        version = await self._version(module, ref, scope)
        self._generator.check(language, False)
        closure = await self._dependencies.closure(
            version.module, version.dependencies, scope=scope
        )
        own = await read_protos(self._blobs, version)
        roots = await self._dependencies.roots(
            version.module, version.dependencies, own, scope=scope, closure=closure
        )
        self._metrics.protoc_runs.labels(language).inc()
        return await self._generator.generate(
            language,
            grpc=False,
            roots=[own, *roots],
            targets=sorted(own),
            imports=imports([version, *closure]),
        )

    def artifact_stream(self, artifact: Artifact) -> AsyncIterator[bytes]:
        return self._blobs.stream(artifact.object_key)

    async def artifact_bytes(self, artifact: Artifact) -> bytes:
        return await self._blobs.get(artifact.object_key)

    async def run(self, job: CompileJob, version: ModuleVersion | None = None) -> CompileJob:
        """Execute a job this worker claimed: from the cache, or with protoc."""
        spec = JobSpec(job.module, job.version, job.language, job.grpc)
        started = time.perf_counter()
        renewing = asyncio.create_task(self._keep_lease(job.id))
        try:
            version = version or await self._reader.get(job.module, job.version)
            artifact, cached = await self._artifact(version, job.language, job.grpc)
        except CompileFailed as exc:
            await self._queue.fail(job.id, self._options.worker, _describe(exc), retry_at=None)
            self._metrics.jobs.labels(job.language, "failed").inc()
        except SpokeError as exc:
            retry = job.attempts < job.max_attempts and isinstance(exc, Unavailable)
            retry_at = self._retry_at(job.attempts) if retry else None
            await self._queue.fail(job.id, self._options.worker, _describe(exc), retry_at=retry_at)
            self._metrics.jobs.labels(job.language, "retry" if retry else "failed").inc()
        else:
            elapsed = time.perf_counter() - started
            await self._queue.succeed(
                job.id, self._options.worker, artifact, duration_ms=int(elapsed * 1000)
            )
            self._metrics.jobs.labels(job.language, "cached" if cached else "succeeded").inc()
            self._metrics.duration.labels(job.language).observe(elapsed)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        done = await self._queue.get(spec)
        assert done is not None
        return done

    def _retry_at(self, attempts: int) -> datetime:
        delay = self._options.retry_backoff * 2 ** max(attempts - 1, 0)
        return datetime.now(UTC) + timedelta(seconds=delay)

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self._options.lease / 3)
            if not await self._queue.renew(job_id, self._options.worker, lease=self._options.lease):
                log.warning("lost the lease of a compile job", job=job_id)
                return

    async def _artifact(
        self, version: ModuleVersion, language: str, grpc: bool
    ) -> tuple[Artifact, bool]:
        self._generator.check(language, grpc)
        # The worker's own work: the whole closure (callers were checked by ``_version``).
        closure = await self._dependencies.closure(
            version.module, version.dependencies, scope=EVERYTHING
        )
        key = compile_cache_key(
            digest=version.digest,
            dependency_digests=[dep.digest for dep in closure],
            language=language,
            grpc=grpc,
            toolchain=self._generator.fingerprint(language, grpc),
        )
        if (found := await self._queue.find_artifact(key)) is not None:
            return found, True
        own = await read_protos(self._blobs, version)
        roots = await self._dependencies.roots(
            version.module, version.dependencies, own, scope=EVERYTHING, closure=closure
        )
        self._metrics.protoc_runs.labels(language).inc()
        generated = await self._generator.generate(
            language, grpc=grpc, roots=[own, *roots], targets=sorted(own)
        )
        archive = await asyncio.to_thread(
            build_archive, sorted(generated.items()), ArchiveFormat.ZIP, version.created_at
        )
        digest = hashlib.sha256(archive).hexdigest()
        object_key = artifact_key(version.module, version.version, language, digest)
        await self._blobs.put(object_key, archive)
        saved = await self._queue.save_artifact(
            Artifact(key, object_key, f"sha256:{digest}", len(archive))
        )
        return saved, False


def _describe(error: SpokeError) -> str:
    """The error as text for the job record: protoc's diagnostics one per line."""
    lines = [error.message]
    if isinstance(error.details, list):
        for item in error.details:
            if isinstance(item, dict) and "message" in item:
                where = ":".join(
                    str(item[k]) for k in ("file", "line", "column") if item.get(k) is not None
                )
                lines.append(f"{where}: {item['message']}" if where else str(item["message"]))
    return "\n".join(lines)
