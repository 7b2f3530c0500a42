"""``/modules``: create, list, read and describe modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from spoke.api.deps import ServicesDep
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken, decode_token, encode_token
from spoke.api.schemas import ModuleCreate, ModuleOut, ModuleUpdate, Page, error_responses

router = APIRouter(prefix="/modules", tags=["modules"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409, 413, 415, 422),
)
async def create_module(body: ModuleCreate, services: ServicesDep, response: Response) -> ModuleOut:
    """Create an empty module. Pushing a version also creates its module when missing."""
    module = await services.modules.create(body.name, body.description)
    response.headers["Location"] = f"/modules/{module.name}"
    return ModuleOut.of(module)


@router.get("", responses=error_responses(400))
async def list_modules(
    services: ServicesDep,
    prefix: Annotated[str, Query(max_length=100, description="Only names starting so.")] = "",
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[ModuleOut]:
    """Modules in name order."""
    found = await services.modules.list(
        prefix=prefix, after=decode_token(page_token), limit=limit + 1
    )
    more = len(found) > limit
    items = found[:limit]
    return Page(
        items=[ModuleOut.of(m) for m in items],
        next_page_token=encode_token(items[-1].name) if more else None,
    )


@router.get("/{name}", responses=error_responses(400, 404))
async def get_module(name: str, services: ServicesDep) -> ModuleOut:
    return ModuleOut.of(await services.modules.get(name))


@router.patch("/{name}", responses=error_responses(400, 404, 415, 422))
async def update_module(name: str, body: ModuleUpdate, services: ServicesDep) -> ModuleOut:
    """Change a module's description."""
    return ModuleOut.of(await services.modules.update(name, description=body.description))
