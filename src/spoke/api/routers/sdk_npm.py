"""npm packages: the registry API's packument and tarballs, for one scope
(``SPOKE_SDK_NPM_SCOPE``): ``@spoke:registry=https://host/sdk/npm/`` in a project's
``.npmrc`` (and ``//host/sdk/npm/:_authToken=KEY`` for private modules: npm sends it as
``Authorization: Bearer``)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from spoke.api.deps import CallerScope, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.response_cache import etag_matches
from spoke.domain.access import Permission
from spoke.domain.errors import NotFound
from spoke.services.sdk.npm import NpmPackages, NpmVersion, latest

router = APIRouter(prefix="/sdk/npm", tags=["sdk"])
_TARBALL_CACHE = "max-age=31536000, immutable"  # not public: private modules' too


def _check_scope(npm: NpmPackages, scope: str, name: str) -> None:
    if scope != npm.scope:
        raise NotFound(
            f"this registry serves the @{npm.scope} scope, not @{scope}",
            details={"package": f"@{scope}/{name}"},
        )


def _entry(request: Request, npm: NpmPackages, found: NpmVersion) -> dict[str, object]:
    url = request.url_for(
        "npm_tarball", npm_scope=npm.scope, name=found.module, filename=found.package.filename
    )
    dist = {"tarball": str(url), "shasum": found.checks.shasum, "integrity": found.checks.integrity}
    return {**found.manifest, "_id": f"{found.manifest['name']}@{found.npm_version}", "dist": dist}


@router.get(
    "/@{npm_scope}/{name}",
    dependencies=[requires(Permission.READ)],
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **error_responses(401, 404)},
)
async def packument(
    request: Request, npm_scope: str, name: str, services: ServicesDep, scope: CallerScope
) -> Response:
    """Every version of the module's package, with its tarball and checks."""
    npm = services.sdk.npm
    _check_scope(npm, npm_scope, name)
    versions = await npm.versions(name, scope)
    package = npm.package_name(name)
    tags = {"latest": tag} if (tag := latest(versions)) else {}
    body = orjson.dumps(
        {
            "_id": package,
            "name": package,
            "dist-tags": tags,
            "versions": {v.npm_version: _entry(request, npm, v) for v in versions},
        }
    )
    headers = {"Cache-Control": "no-cache", "Vary": "Authorization"}
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/@{npm_scope}/{name}/-/{filename}",
    name="npm_tarball",
    dependencies=[requires(Permission.READ)],
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The tarball."},
        304: {"description": "The client's copy (If-None-Match) is current."},
        **error_responses(401, 404, 422),
    },
)
async def tarball(
    request: Request,
    npm_scope: str,
    name: str,
    filename: str,
    services: ServicesDep,
    scope: CallerScope,
) -> Response:
    """A version's tarball (``{module}-{version}.tgz``): the bytes published first."""
    npm = services.sdk.npm
    _check_scope(npm, npm_scope, name)
    prefix = f"{name}-"
    if not (filename.startswith(prefix) and filename.endswith(".tgz")):
        raise NotFound(f"no tarball {filename!r}", details={"filename": filename})
    found = await npm.version(name, "v" + filename[len(prefix) : -len(".tgz")], scope)
    etag = f'"{found.package.sha256}"'
    headers = {"ETag": etag, "Cache-Control": _TARBALL_CACHE}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(found.package.size)
    return StreamingResponse(
        npm.stream(found), media_type="application/octet-stream", headers=headers
    )
