"""Go modules: the GOPROXY protocol at ``/sdk/go/`` (``GOPROXY=https://host/sdk/go``),
and the ``go-import`` meta tag (``?go-get=1``) that sends the go command there in direct
mode. The go command sends an API key as the password of HTTP Basic (from ``.netrc``, or
the user information of the ``GOPROXY`` URL)."""

from __future__ import annotations

import html
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from spoke.api.deps import CallerScope, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.response_cache import etag_matches
from spoke.domain.access import Permission
from spoke.domain.errors import NotFound
from spoke.domain.names import validate_module_name
from spoke.services.sdk.go import GoModules

router = APIRouter(prefix="/sdk/go", tags=["sdk"])
_IMMUTABLE = "max-age=31536000, immutable"  # not public: private modules' too
_MOVING = {"Cache-Control": "no-cache", "Vary": "Authorization"}


def _info(version: str, created: object) -> bytes:
    return orjson.dumps({"Version": version, "Time": created})


def _meta(request: Request, go: GoModules, path: str) -> Response:
    # Any package path under a module names the module (its first element, and /vN).
    module, _, rest = path.partition("/")
    validate_module_name(module)
    suffix = rest.split("/", 1)[0]
    root = f"{go.prefix}/{module}"
    if suffix[:1] == "v" and suffix[1:].isdigit() and int(suffix[1:]) >= 2:
        root += f"/{suffix}"
    proxy = str(request.base_url).rstrip("/") + "/sdk/go"
    content = html.escape(f"{root} mod {proxy}")
    body = (
        '<!DOCTYPE html>\n<html><head>\n<meta name="go-import" content="' + content + '">\n'
        "</head><body></body></html>\n"
    )
    return Response(body, media_type="text/html; charset=utf-8", headers=_MOVING)


@router.get(
    "/{path:path}",
    dependencies=[requires(Permission.READ, per_module=False)],
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}, "application/json": {}, "application/zip": {}}},
        **error_responses(401, 404, 422),
    },
)
async def goproxy(
    request: Request,
    path: str,
    services: ServicesDep,
    scope: CallerScope,
    go_get: Annotated[str | None, Query(alias="go-get")] = None,
) -> Response:
    """``{module}/@v/list``, ``@v/{version}.info``, ``.mod``, ``.zip`` and ``@latest``."""
    go = services.sdk.go
    module_path, marker, tail = path.partition("/@v/")
    if not marker:
        if path.endswith("/@latest"):
            target = go.parse(path.removesuffix("/@latest"))
            version, created = await go.latest(target, scope)
            return Response(_info(version, created), media_type="application/json", headers=_MOVING)
        if go_get == "1":
            return _meta(request, go, path)
        raise NotFound(f"no such Go proxy endpoint: {path!r}", details={"path": path})
    target = go.parse(module_path)
    if tail == "list":
        versions = await go.versions(target, scope)
        body = "".join(f"{version}\n" for version in versions)
        return Response(body, media_type="text/plain; charset=utf-8", headers=_MOVING)
    version, dot, kind = tail.rpartition(".")
    if not dot or kind not in ("info", "mod", "zip"):
        raise NotFound(f"no such Go proxy endpoint: {path!r}", details={"path": path})
    if kind == "info":
        found, created = await go.info(target, version, scope)
        headers = {"Cache-Control": _IMMUTABLE}
        return Response(_info(found, created), media_type="application/json", headers=headers)
    if kind == "mod":
        mod = await go.go_mod(target, version, scope)
        return Response(
            mod, media_type="text/plain; charset=utf-8", headers={"Cache-Control": _IMMUTABLE}
        )
    package = await go.module_zip(target, version, scope)
    etag = f'"{package.sha256}"'
    headers = {"ETag": etag, "Cache-Control": _IMMUTABLE}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(package.size)
    return StreamingResponse(go.stream(package), media_type="application/zip", headers=headers)
