"""Python packages: a PEP 503 simple index with PEP 691's JSON form at
``/sdk/python/simple/``, and the wheels it links to. pip sends an API key as the password
of HTTP Basic (``https://any:KEY@host/sdk/python/simple/``)."""

from __future__ import annotations

import hashlib
import html
from typing import Annotated
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from spoke.api.deps import CallerScope, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.response_cache import etag_matches
from spoke.domain.access import Permission
from spoke.domain.errors import NotFound
from spoke.services.sdk.python import PythonFile
from spoke.services.sdk.wheels import project_name

router = APIRouter(prefix="/sdk/python", tags=["sdk"])

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
_OFFERED = {
    JSON_V1: JSON_V1,
    "application/vnd.pypi.simple.latest+json": JSON_V1,
    HTML_V1: HTML_V1,
    "application/vnd.pypi.simple.latest+html": HTML_V1,
    "text/html": "text/html",
}
_API_VERSION = "1.1"
_INDEX_HEADERS = {"Vary": "Accept, Authorization", "Cache-Control": "no-cache"}
# Not ``public``: a wheel of a private module must stay out of shared caches.
_WHEEL_CACHE = "max-age=31536000, immutable"
ReadRegistry = requires(Permission.READ, per_module=False)


def negotiate(accept: str | None) -> str:
    """The index media type to answer ``Accept`` with (PEP 691): the offered type with the
    highest ``q``, the first listed on ties; HTML when none is offered."""
    best, best_q = "text/html", -1.0
    for item in (accept or "").split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if kind.lower() in _OFFERED and q > 0 and q > best_q:
            best, best_q = _OFFERED[kind.lower()], q
    return best


def _index(request: Request, body: bytes, media_type: str) -> Response:
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    headers = {**_INDEX_HEADERS, "ETag": etag}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _page(title: str, links: list[tuple[str, str]]) -> bytes:
    anchors = "".join(
        f'    <a href="{html.escape(href)}">{html.escape(text)}</a><br>\n' for href, text in links
    )
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{_API_VERSION}">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{anchors}  </body>\n</html>\n"
    ).encode()


def _file_url(found: PythonFile) -> str:
    # Relative to the project page (``simple/{project}/``), as PEP 503 and 691 allow.
    parts = (found.module, found.version, found.package.filename)
    return "../../files/" + "/".join(quote(part, safe="") for part in parts)


@router.get(
    "/simple/",
    dependencies=[ReadRegistry],
    response_class=Response,
    responses={200: {"content": {"text/html": {}, JSON_V1: {}}}, **error_responses(401)},
)
async def simple_root(
    request: Request,
    services: ServicesDep,
    scope: CallerScope,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Every project (module) the caller may read."""
    projects = [project for project, _ in await services.sdk.python.projects(scope)]
    media_type = negotiate(accept)
    if media_type == JSON_V1:
        body = orjson.dumps(
            {"meta": {"api-version": _API_VERSION}, "projects": [{"name": p} for p in projects]}
        )
    else:
        body = _page("Simple index", [(f"{quote(p)}/", p) for p in projects])
    return _index(request, body, media_type)


@router.get(
    "/simple/{project}/",
    dependencies=[ReadRegistry],
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}, JSON_V1: {}}},
        301: {"description": "To the project's normalised name."},
        **error_responses(401, 404),
    },
)
async def simple_project(
    request: Request,
    project: str,
    services: ServicesDep,
    scope: CallerScope,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """A project's wheels, one per version, with their sha256 (PEP 503, PEP 691)."""
    normalised = project_name(project)
    if normalised != project:
        return RedirectResponse(f"../{quote(normalised)}/", status_code=301)
    module = await services.sdk.python.module_of(project, scope)
    files = await services.sdk.python.files(module, scope)
    media_type = negotiate(accept)
    if media_type == JSON_V1:
        body = orjson.dumps(
            {
                "meta": {"api-version": _API_VERSION},
                "name": project,
                "versions": [f.python_version for f in files],
                "files": [
                    {
                        "filename": f.package.filename,
                        "url": _file_url(f),
                        "hashes": {"sha256": f.package.sha256},
                        "size": f.package.size,
                    }
                    for f in files
                ],
            }
        )
    else:
        links = [(f"{_file_url(f)}#sha256={f.package.sha256}", f.package.filename) for f in files]
        body = _page(f"Links for {project}", links)
    return _index(request, body, media_type)


@router.get(
    "/files/{name}/{version}/{filename}",
    dependencies=[requires(Permission.READ)],
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The wheel."},
        304: {"description": "The client's copy (If-None-Match) is current."},
        **error_responses(400, 401, 404, 422),
    },
)
async def wheel(
    request: Request,
    name: str,
    version: str,
    filename: str,
    services: ServicesDep,
    scope: CallerScope,
) -> Response:
    """A version's wheel: the bytes published first, never rebuilt (its sha256 is the ETag)."""
    found = await services.sdk.python.file(name, version, scope)
    if found.package.filename != filename:
        raise NotFound(
            f"{name}@{version}'s wheel is {found.package.filename!r}",
            details={"module": name, "version": version, "filename": filename},
        )
    etag = f'"{found.package.sha256}"'
    headers = {"ETag": etag, "Cache-Control": _WHEEL_CACHE}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(found.package.size)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return StreamingResponse(
        services.sdk.python.stream(found), media_type="application/zip", headers=headers
    )
