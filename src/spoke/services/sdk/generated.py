"""A version's generated code for one language, as the SDK builders need it: from the
stored compile artifact, compiled here and now when it is missing."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile

from spoke.domain.errors import CompileFailed, Unavailable
from spoke.services.compile import CompileService
from spoke.services.visibility import ReadScope
from spoke.storage.queue import CompileJob, JobStatus

#: How long a request waits for a compile another worker is running.
WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.2


class SdkNotBuildable(CompileFailed):
    """The version cannot become a package of this ecosystem (no generated code, a
    version the scheme cannot express)."""

    code = "sdk_not_buildable"


async def generated_files(
    compile: CompileService, module: str, version: str, language: str, *, scope: ReadScope
) -> tuple[dict[str, bytes], bool]:
    """The generated files of ``module@version`` (path → bytes) and whether they include
    gRPC code: the gRPC variant when this host has the language's gRPC tools, else the
    plain one. ``scope`` must read the whole closure (else the version is "missing")."""
    grpc = any(i.id == language and i.grpc_available for i in compile.languages())
    job = await compile.compile_now(module, version, language, grpc, scope=scope)
    deadline = time.monotonic() + WAIT_SECONDS
    while job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        if time.monotonic() > deadline:
            raise Unavailable(
                f"{module}@{version} is still compiling for {language}: try again shortly",
                details={"module": module, "version": version, "language": language},
            )
        await asyncio.sleep(_POLL_SECONDS)
        found = await compile.job(module, version, language, grpc, scope=scope)
        assert found is not None  # compile_now made it
        job = found
    archive = await _archive(compile, job)
    return await asyncio.to_thread(_unzip, archive), grpc


async def _archive(compile: CompileService, job: CompileJob) -> bytes:
    if job.status is not JobStatus.SUCCEEDED or job.artifact is None:
        raise SdkNotBuildable(
            f"{job.module}@{job.version} does not compile for {job.language}",
            details={"module": job.module, "version": job.version, "error": job.error},
        )
    return await compile.artifact_bytes(job.artifact)


def _unzip(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return {info.filename: zipped.read(info) for info in zipped.infolist() if not info.is_dir()}
