"""``/modules/{name}/versions/{version}/dependencies`` and ``…/dependents``: the
dependency graph around a version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from spoke.api.access import Access
from spoke.api.deps import AccessDep, CallerScope, PageTokensDep, ServicesDep, requires
from spoke.api.models.common import Page, error_responses
from spoke.api.models.dependencies import DependentOut, ResolvedDependencyOut
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken
from spoke.auth import AuthMode, Principal
from spoke.domain.access import Permission
from spoke.domain.graph import Dependent, label

router = APIRouter(prefix="/modules/{name}/versions/{version}", tags=["dependencies"])
Reader = Annotated[Principal, requires(Permission.READ)]


@router.get(
    "/dependencies",
    responses=error_responses(400, 401, 404, 422),
    dependencies=[requires(Permission.READ)],
)
async def list_dependencies(
    name: str,
    version: str,
    services: ServicesDep,
    scope: CallerScope,
    tokens: PageTokensDep,
    transitive: Annotated[
        bool, Query(description="The whole closure instead of the direct dependencies.")
    ] = False,
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[ResolvedDependencyOut]:
    """The versions this version pins, each with its digest, depth, a shortest path from
    this version and every version of the graph pinning it; by module name. `latest`
    names the highest release."""
    listing = f"dependencies:{name}@{version}:{transitive}"
    found = await services.graph.dependencies(
        name,
        version,
        scope=scope,
        transitive=transitive,
        after=tokens.open(page_token, listing),
        limit=limit + 1,
    )
    items, next_token = tokens.page(found, limit, lambda r: r.module, listing)
    return Page(items=[ResolvedDependencyOut.of(r) for r in items], next_page_token=next_token)


@router.get("/dependents", responses=error_responses(400, 401, 404, 422))
async def list_dependents(
    name: str,
    version: str,
    services: ServicesDep,
    access: AccessDep,
    principal: Reader,
    tokens: PageTokensDep,
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[DependentOut]:
    """The versions (of any module, deleted ones left out) that pin this version, by
    module name, then highest version first. Private modules the caller may not read
    are left out."""
    listing = f"dependents:{name}@{version}"
    after = tokens.open(page_token, listing)
    found = await services.graph.dependents(name, version, after=after, limit=limit + 1)
    items, next_token = tokens.page(found, limit, lambda d: label(d.module, d.version), listing)
    return Page(
        # Keyset pages stay correct when filtered; a page may just hold fewer items.
        items=[DependentOut.of(d) for d in items if _readable(access, principal, d)],
        next_page_token=next_token,
    )


def _readable(access: Access, principal: Principal, dependent: Dependent) -> bool:
    # ``Access.can_read``'s rule, for a module known by its name and visibility only.
    return (
        access.mode is AuthMode.NONE
        or dependent.public
        or principal.may(Permission.READ, dependent.module)
    )
