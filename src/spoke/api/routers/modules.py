"""``/modules``: create, list, read and describe modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from spoke.api.deps import AccessDep, CallerScope, PageTokensDep, ServicesDep, requires
from spoke.api.models.common import Page, error_responses
from spoke.api.models.modules import ModuleCreate, ModuleOut, ModuleUpdate
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken
from spoke.auth import Principal
from spoke.domain.access import Permission

router = APIRouter(prefix="/modules", tags=["modules"])
# Whoever calls (anonymous allowed where the mode allows): each handler checks the rest.
Caller = Annotated[Principal, requires(Permission.READ, per_module=False)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422),
)
async def create_module(
    body: ModuleCreate,
    services: ServicesDep,
    response: Response,
    access: AccessDep,
    principal: Caller,
) -> ModuleOut:
    """Create an empty module. Pushing a version also creates its module when missing."""
    await access.authorize(principal, Permission.WRITE, body.name)
    module = await services.modules.create(body.name, body.description, public=body.public)
    response.headers["Location"] = f"/modules/{module.name}"
    return ModuleOut.of(module)


@router.get("", responses=error_responses(400, 401))
async def list_modules(
    access: AccessDep,
    principal: Caller,
    services: ServicesDep,
    tokens: PageTokensDep,
    prefix: Annotated[str, Query(max_length=100, description="Only names starting so.")] = "",
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[ModuleOut]:
    """Modules in name order (those the caller may read)."""
    listing = f"modules:{prefix}"
    found = await services.modules.list(
        prefix=prefix, after=tokens.open(page_token, listing), limit=limit + 1
    )
    items, next_token = tokens.page(found, limit, lambda m: m.name, listing)
    return Page(
        # Keyset pages stay correct when filtered; a page may just hold fewer items.
        items=[ModuleOut.of(m) for m in items if access.can_read(principal, m)],
        next_page_token=next_token,
    )


@router.get(
    "/{name}", responses=error_responses(400, 401, 404), dependencies=[requires(Permission.READ)]
)
async def get_module(name: str, services: ServicesDep) -> ModuleOut:
    return ModuleOut.of(await services.modules.get(name))


@router.patch(
    "/{name}",
    responses=error_responses(400, 401, 403, 404, 415, 422),
    dependencies=[requires(Permission.ADMIN)],
)
async def update_module(name: str, body: ModuleUpdate, services: ServicesDep) -> ModuleOut:
    """Change a module's description or visibility (admins of the module)."""
    module = await services.modules.update(name, description=body.description, public=body.public)
    return ModuleOut.of(module)


@router.delete(
    "/{name}",
    responses=error_responses(400, 401, 403, 404, 409),
    dependencies=[requires(Permission.ADMIN)],
)
async def delete_module(
    name: str,
    services: ServicesDep,
    scope: CallerScope,
    permanent: Annotated[
        bool, Query(description="Remove metadata and files for good (no restore).")
    ] = False,
) -> dict[str, object]:
    """Delete a module and its versions: hidden and restorable, or gone with `permanent`.
    Refused (409, naming them) while other modules' versions depend on it."""
    await services.deletion.delete_module(name, permanent=permanent, scope=scope)
    return {"module": name, "deleted": True, "permanent": permanent}


@router.post(
    "/{name}/restore",
    responses=error_responses(400, 401, 403, 404),
    dependencies=[requires(Permission.ADMIN)],
)
async def restore_module(name: str, services: ServicesDep) -> ModuleOut:
    """Undo a (soft) deletion of a module."""
    return ModuleOut.of(await services.deletion.restore_module(name))
