"""A version's files: one file's bytes, or the whole tree as an archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from spoke.api.deps import AccessDep, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.response_cache import cache_control, etag_matches, remember
from spoke.domain.access import Permission
from spoke.domain.models import ModuleVersion
from spoke.domain.versions import LATEST
from spoke.services.archives import ArchiveFormat
from spoke.services.pull import PullService

router = APIRouter(
    prefix="/modules/{name}/versions/{version}",
    tags=["files"],
    dependencies=[requires(Permission.READ)],
)


# Files up to this size are read whole (and, for pinned versions, kept precomputed);
# larger ones stream from the blob store.
WHOLE_FILE_LIMIT = 256 * 1024


def _media_type(path: str) -> str:
    return "text/markdown; charset=utf-8" if path.endswith(".md") else "text/plain; charset=utf-8"


@router.get(
    "/files/{path:path}",
    responses={
        200: {"content": {"text/plain": {}}, "description": "The file's bytes."},
        304: {"description": "The client's copy (If-None-Match) is current."},
        **error_responses(400, 404),
    },
    response_class=Response,
)
async def get_file(
    request: Request,
    name: str,
    version: str,
    path: str,
    services: ServicesDep,
    access: AccessDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A file's raw bytes, with its sha256 as the `ETag`."""
    stored, entry = await services.pull.file_entry(name, version, path)
    etag = f'"{entry.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control(version, shared=await access.shareable(name)),
        "X-Spoke-Version": stored.version,
        "Content-Type": _media_type(entry.path),
    }
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    if entry.size > WHOLE_FILE_LIMIT:
        chunks = await services.pull.open_file(stored, entry)
        headers["Content-Length"] = str(entry.size)
        return StreamingResponse(chunks, headers=headers)
    body = await services.pull.read_file(stored, entry)
    remember(request, body, headers, moving=version == LATEST)
    return Response(body, headers=headers)


@router.get(
    "/archive",
    responses={
        200: {
            "content": {"application/gzip": {}, "application/zip": {}},
            "description": "Every file of the version, sorted by path.",
        },
        304: {"description": "The client's copy (If-None-Match) is current."},
        **error_responses(400, 404),
    },
    response_class=Response,
)
async def get_archive(
    name: str,
    version: str,
    services: ServicesDep,
    access: AccessDep,
    format: Annotated[ArchiveFormat, Query(description="Archive format.")] = ArchiveFormat.TAR_GZ,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The whole tree as a `.tar.gz` (default) or `.zip`; the bytes are deterministic."""
    stored = await services.pull.version(name, version)
    return await archive_response(
        services.pull,
        stored,
        format,
        cache=cache_control(version, shared=await access.shareable(name)),
        if_none_match=if_none_match,
    )


async def archive_response(
    pull: PullService,
    stored: ModuleVersion,
    format: ArchiveFormat,
    *,
    cache: str,
    if_none_match: str | None,
) -> Response:
    """A version's tree as a download (the API's and the web UI's), with ``cache`` as its
    ``Cache-Control``; 304 when ``if_none_match`` names its ETag."""
    etag = f'"{stored.digest.removeprefix("sha256:")}.{format.value}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        "X-Spoke-Version": stored.version,
        "Content-Disposition": (
            f'attachment; filename="{stored.module}-{stored.version}.{format.value}"'
        ),
    }
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    if format is ArchiveFormat.TAR_GZ:
        chunks = await pull.archive_stream(stored)
        return StreamingResponse(chunks, media_type=format.media_type, headers=headers)
    body = await pull.archive(stored, format)  # zip wants its index at the end
    return Response(body, media_type=format.media_type, headers=headers)
