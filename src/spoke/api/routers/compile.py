"""Generated code: the languages, compiling a version, job status, and downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from spoke.api.deps import CallerScope, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.models.compile import CompileJobOut, LanguageOut
from spoke.domain.access import Permission
from spoke.domain.errors import CompileFailed, NotFound
from spoke.services.archives import ArchiveFormat, zip_to_tar_gz
from spoke.services.compile import CompileService
from spoke.storage.queue import Artifact, CompileJob, JobStatus

router = APIRouter(tags=["compile"])
VERSION = "/modules/{name}/versions/{version}"

Grpc = Annotated[bool, Query(description="Generate gRPC stubs too, where the language has them.")]


def _download_url(job: CompileJob) -> str:
    grpc = "?grpc=true" if job.grpc else ""
    return f"/modules/{job.module}/versions/{job.version}/download/{job.language}{grpc}"


def _out(job: CompileJob) -> CompileJobOut:
    return CompileJobOut.of(job, _download_url(job))


def _failed(job: CompileJob) -> CompileFailed:
    return CompileFailed(
        f"compiling {job.module}@{job.version} for {job.language} failed",
        details={"error": job.error, "attempts": job.attempts},
    )


@router.get(
    "/languages",
    responses=error_responses(401),
    dependencies=[requires(Permission.READ, per_module=False)],
)
async def list_languages(services: ServicesDep) -> list[LanguageOut]:
    """Every language this registry knows, whether its tools are installed, and their versions."""
    return [LanguageOut.of(info) for info in services.compile.languages()]


@router.post(
    f"{VERSION}/compile/{{language}}",
    dependencies=[requires(Permission.WRITE)],
    responses={
        202: {"model": CompileJobOut, "description": "Another worker is compiling it now."},
        **error_responses(400, 404, 422, 503),
    },
)
async def compile_version(
    name: str,
    version: str,
    language: str,
    services: ServicesDep,
    response: Response,
    scope: CallerScope,
    grpc: Grpc = False,
) -> CompileJobOut:
    """Compile now (or return the stored result). A failed compile answers 422 with
    protoc's errors; one running on another worker answers 202."""
    job = await services.compile.compile_now(name, version, language, grpc, scope=scope)
    if job.status is JobStatus.FAILED:
        raise _failed(job)
    if job.status is not JobStatus.SUCCEEDED:
        response.status_code = 202
        response.headers["Location"] = _download_url(job)
        response.headers["Retry-After"] = "1"
    return _out(job)


@router.get(
    f"{VERSION}/compilations",
    responses=error_responses(400, 404),
    dependencies=[requires(Permission.READ)],
)
async def list_compilations(
    name: str, version: str, services: ServicesDep, scope: CallerScope
) -> list[CompileJobOut]:
    """Status per language: pending, running, succeeded, or failed with protoc's errors."""
    _, jobs = await services.compile.jobs(name, version, scope=scope)
    return [_out(job) for job in jobs]


@router.get(
    f"{VERSION}/download/{{language}}",
    dependencies=[requires(Permission.READ)],
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}, "application/gzip": {}}},
        202: {"description": "Queued or compiling: poll `Location`."},
        **error_responses(400, 404, 422),
    },
)
async def download(
    request: Request,
    name: str,
    version: str,
    language: str,
    services: ServicesDep,
    scope: CallerScope,
    grpc: Grpc = False,
    format: Annotated[ArchiveFormat, Query(description="Archive format.")] = ArchiveFormat.ZIP,
) -> Response:
    """The generated code as a `.zip` (or `.tar.gz`)."""
    job = await services.compile.job(name, version, language, grpc, scope=scope)
    if job is None:
        raise NotFound(
            f"{name}@{version} has not been compiled for {language} yet: "
            f"POST {request.url.path.replace('/download/', '/compile/')} to compile it",
            details={"module": name, "version": version, "language": language},
        )
    if job.status is JobStatus.FAILED:
        raise _failed(job)
    if job.status is not JobStatus.SUCCEEDED or job.artifact is None:
        return Response(
            status_code=202,
            headers={"Location": _download_url(job), "Retry-After": "1"},
            media_type="application/json",
            content=_out(job).model_dump_json(),
        )
    return await artifact_response(services.compile, job, job.artifact, format)


async def artifact_response(
    compile: CompileService, job: CompileJob, artifact: Artifact, format: ArchiveFormat
) -> Response:
    """A succeeded job's generated code as a download (the API's and the web UI's): the
    stored ``.zip`` streamed, or converted to a ``.tar.gz``."""
    filename = f"{job.module}-{job.version}-{job.language}{'-grpc' if job.grpc else ''}"
    headers = {
        "ETag": f'"{artifact.digest.removeprefix("sha256:")}.{format.value}"',
        "Content-Disposition": f'attachment; filename="{filename}.{format.value}"',
    }
    if format is ArchiveFormat.ZIP:
        headers["Content-Length"] = str(artifact.size)
        stream = compile.artifact_stream(artifact)
        return StreamingResponse(stream, media_type=format.media_type, headers=headers)
    stored = await compile.artifact_bytes(artifact)
    return Response(
        zip_to_tar_gz(stored, job.updated_at), media_type=format.media_type, headers=headers
    )
