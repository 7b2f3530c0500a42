"""``/modules/{name}/versions``: push, list and read versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from spoke.api.deps import AccessDep, CallerScope, PageTokensDep, ServicesDep, requires
from spoke.api.models.common import Page, error_responses
from spoke.api.models.versions import PushIn, PushOut, VersionOut, VersionSummaryOut
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken
from spoke.api.response_cache import cache_control, etag_matches, remember
from spoke.domain.access import Permission
from spoke.domain.lock import LockedPin
from spoke.domain.models import Dependency, Source
from spoke.domain.versions import LATEST
from spoke.services.push import PushFile, PushRequest

router = APIRouter(prefix="/modules/{name}/versions", tags=["versions"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PushOut,
    response_model_exclude_unset=True,
    dependencies=[requires(Permission.WRITE)],
    responses={
        200: {"model": PushOut, "description": "The same content was pushed before."},
        **error_responses(400, 409, 413, 415, 422),
    },
)
async def push_version(
    name: str,
    body: PushIn,
    services: ServicesDep,
    response: Response,
    scope: CallerScope,
    dry_run: Annotated[
        bool, Query(description="Check (compile, dependencies, policy) and store nothing.")
    ] = False,
) -> Any:
    """Push a version: its files are compiled with protoc, then stored immutably.

    Pushing identical content again answers 200 with the stored version; different
    content under an existing version answers 409. Protos that do not compile answer 422
    with each error as `{file, line, column, message}` in `details`. A push the module's
    policy refuses answers 422 `policy_violation` with every finding in `details`;
    `?dry_run=true` answers 200 with the findings and stores nothing.
    """
    source = body.source
    result = await services.push.push(
        PushRequest(
            module=name,
            version=body.version,
            files=[PushFile(f.path, f.content) for f in body.files],
            dependencies=[Dependency(d.module, d.version) for d in body.dependencies],
            source=Source(source.repository, source.commit, source.branch) if source else Source(),
            description=body.description,
            lock=None
            if body.lock is None
            else [LockedPin(p.module, p.version, p.digest) for p in body.lock.dependencies],
        ),
        scope,
        dry_run=dry_run,
    )
    stored = result.version
    if result.dry_run:
        return JSONResponse(
            {
                "dry_run": True,
                "stored": False,
                **VersionOut.of(stored).model_dump(mode="json"),
                "policy": None if result.policy is None else result.policy.as_dict(),
            }
        )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/modules/{stored.module}/versions/{stored.version}"
    if result.policy is None:  # no `policy` key at all: the answer is the version's
        return PushOut(**VersionOut.of(stored).model_dump())
    return PushOut(**VersionOut.of(stored).model_dump(), policy=result.policy.as_dict())


@router.get(
    "",
    responses=error_responses(400, 404),
    dependencies=[requires(Permission.READ)],
    response_model=Page[VersionSummaryOut],
)
async def list_versions(
    request: Request,
    name: str,
    services: ServicesDep,
    access: AccessDep,
    tokens: PageTokensDep,
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Response:
    """Versions from the highest semver precedence down."""
    listing = f"versions:{name}"
    after = tokens.open(page_token, listing)
    found = await services.pull.versions(name, after=after, limit=limit + 1)
    items, next_token = tokens.page(found, limit, lambda v: v.version, listing)
    page = Page[VersionSummaryOut](
        items=[
            VersionSummaryOut(
                module=v.module,
                version=v.version,
                digest=v.digest,
                created_at=v.created_at,
                file_count=v.file_count,
            )
            for v in items
        ],
        next_page_token=next_token,
    )
    body = page.model_dump_json().encode()
    shared = await access.shareable(name)
    headers = {
        "Content-Type": "application/json",
        "Cache-Control": cache_control(LATEST, shared=shared),
    }
    remember(request, body, headers, moving=True)
    return Response(body, headers=headers)


@router.get(
    "/{version}",
    dependencies=[requires(Permission.READ)],
    response_model=VersionOut,
    responses={304: {"description": "The client's copy is current."}, **error_responses(400, 404)},
)
async def get_version(
    request: Request,
    name: str,
    version: str,
    services: ServicesDep,
    access: AccessDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A version's metadata; `latest` names the highest release. The `ETag` is the digest."""
    stored = await services.pull.version(name, version)
    headers = {
        "ETag": f'"{stored.digest.removeprefix("sha256:")}"',
        "Cache-Control": cache_control(version, shared=await access.shareable(name)),
        "Content-Type": "application/json",
    }
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    body = VersionOut.of(stored).model_dump_json().encode()
    remember(request, body, headers, moving=version == LATEST)
    return Response(body, headers=headers)


@router.delete(
    "/{version}",
    responses=error_responses(400, 401, 403, 404, 409),
    dependencies=[requires(Permission.ADMIN)],
)
async def delete_version(
    name: str,
    version: str,
    services: ServicesDep,
    scope: CallerScope,
    permanent: Annotated[
        bool, Query(description="Remove metadata and files for good (no restore).")
    ] = False,
) -> dict[str, object]:
    """Delete a version: hidden from lists, `latest` and reads (restorable), or gone with
    `permanent`. Refused (409, naming them) while other versions depend on it."""
    await services.deletion.delete_version(name, version, permanent=permanent, scope=scope)
    return {"module": name, "version": version, "deleted": True, "permanent": permanent}


@router.post(
    "/{version}/restore",
    responses=error_responses(400, 401, 403, 404),
    dependencies=[requires(Permission.ADMIN)],
)
async def restore_version(name: str, version: str, services: ServicesDep) -> dict[str, object]:
    """Undo a (soft) deletion of a version."""
    await services.deletion.restore_version(name, version)
    return {"module": name, "version": version, "deleted": False}
