"""Downloads from the version page, with the session's credential (the API's routes want
an ``Authorization`` header, which a link cannot send): the ``.proto`` tree as a
``.tar.gz`` or ``.zip``, each language's generated code, and one file's raw text.

The checks are the API's: the caller must read the module, and for generated code (built
from the whole dependency closure) every module of the closure; the responses are built
by the same functions the API's routes use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from spoke.api.response_cache import etag_matches
from spoke.api.routers.compile import artifact_response
from spoke.api.routers.files import archive_response
from spoke.api.ui.context import ui
from spoke.api.ui.rendering import CSP, page, render
from spoke.domain.errors import CompileFailed, NotFound
from spoke.services.archives import ArchiveFormat
from spoke.storage.queue import JobStatus

router = APIRouter(prefix="/ui/modules/{module}/versions/{version}", include_in_schema=False)
#: What a browser may keep: the caller's own copy, revalidated (the ETag answers 304).
_CACHE = "private, no-cache"

Format = Annotated[ArchiveFormat, Query()]


@router.get("/archive")
@page
async def archive(
    request: Request, module: str, version: str, format: Format = ArchiveFormat.TAR_GZ
) -> Response:
    """The version's ``.proto`` files as a ``.tar.gz`` (or ``?format=zip``)."""
    caller = await ui(request, module)
    stored = await caller.services.pull.version(module, version)
    response = await archive_response(
        caller.services.pull,
        stored,
        format,
        cache=_CACHE,
        if_none_match=request.headers.get("if-none-match"),
    )
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.get("/raw/{path:path}")
@page
async def raw(request: Request, module: str, version: str, path: str) -> Response:
    """One file's bytes as plain text (the file page's "Raw" link)."""
    caller = await ui(request, module)
    stored, entry = await caller.services.pull.file_entry(module, version, path)
    etag = f'"{entry.sha256}"'
    headers = {"ETag": etag, "Cache-Control": _CACHE, "Content-Security-Policy": CSP}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    chunks = await caller.services.pull.open_file(stored, entry)
    headers["Content-Length"] = str(entry.size)
    return StreamingResponse(chunks, media_type="text/plain; charset=utf-8", headers=headers)


@router.get("/download/{language}")
@page
async def download(
    request: Request,
    module: str,
    version: str,
    language: str,
    grpc: bool = False,
    format: Format = ArchiveFormat.ZIP,
) -> Response:
    """A language's generated code as a ``.zip`` (or ``?format=tar.gz``); a page saying
    so when it is not compiled yet, is being compiled, or failed."""
    caller = await ui(request, module)
    compile = caller.services.compile
    job = await compile.job(module, version, language, grpc, scope=caller.scope)
    if job is None:
        raise NotFound(f"{module}@{version} has not been compiled for {language} yet")
    if job.status is JobStatus.FAILED:
        raise CompileFailed(f"compiling {module}@{version} for {language} failed: {job.error}")
    if job.status is not JobStatus.SUCCEEDED or job.artifact is None:
        answer = render(
            request,
            "error.html",
            status=202,
            title="Compiling",
            message=f"{module}@{version} is being compiled for {language}: "
            "reload this page in a moment.",
        )
        answer.headers["Retry-After"] = "1"
        return answer
    response = await artifact_response(compile, job, job.artifact, format)
    response.headers["Cache-Control"] = _CACHE
    response.headers["Content-Security-Policy"] = CSP
    return response
