"""``/search``: named elements of the registry's schemas (modules, packages, messages,
enums, services, RPCs, fields, enum values), by name and comment, in the modules the
caller may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from spoke.api.access import Access
from spoke.api.deps import AccessDep, CallerScope, PageTokensDep, ServicesDep, requires
from spoke.api.models.common import error_responses
from spoke.api.pagination import PageToken, PageTokens
from spoke.auth import AuthMode, Principal
from spoke.domain.access import Permission
from spoke.domain.errors import InvalidArgument
from spoke.domain.symbols import snippet
from spoke.services.registry import Services
from spoke.services.search import MAX_QUERY, SearchRequest
from spoke.services.visibility import ReadScope
from spoke.storage.search import SearchHit

router = APIRouter(tags=["search"])
Caller = Annotated[Principal, requires(Permission.READ, per_module=False)]
#: The most results one page holds.
MAX_SEARCH_LIMIT = 100


class SearchHitOut(BaseModel):
    kind: str = Field(examples=["message"])
    full_name: str = Field(examples=["google.type.LatLng"])
    module: str
    version: str
    file: str = Field(description="The file declaring it (empty for a module).")
    line: int = Field(description="1-based; 0 when unknown.")
    snippet: str = Field(description="The first paragraph of its leading comment.")

    @classmethod
    def of(cls, hit: SearchHit) -> SearchHitOut:
        return cls(
            kind=str(hit.kind),
            full_name=hit.full_name,
            module=hit.module,
            version=hit.version,
            file=hit.file,
            line=hit.line,
            snippet=snippet(hit.comment),
        )


class SearchPage(BaseModel):
    items: list[SearchHitOut]
    next_page_token: str | None = None


def public_only(access: Access, principal: Principal) -> bool:
    """Whether the caller can read only public modules: then private ones are left out by
    the query itself (full pages), not filtered afterwards."""
    if access.mode is AuthMode.NONE or principal.may(Permission.READ, None):
        return False
    return not principal.grants


async def search_page(
    request: SearchRequest,
    *,
    access: Access,
    principal: Principal,
    services: Services,
    scope: ReadScope,
    tokens: PageTokens,
    limit: int,
    page_token: str | None,
) -> SearchPage:
    """One page of results for ``principal`` (the JSON API's and the UI's)."""
    listing = listing_of(request)
    offset = open_offset(tokens, page_token, listing)
    hits, more = await services.search.search(
        request, scope, public_only=public_only(access, principal), offset=offset, limit=limit
    )
    return SearchPage(
        items=[SearchHitOut.of(hit) for hit in hits],
        next_page_token=tokens.seal(str(offset + limit), listing) if more else None,
    )


def open_offset(tokens: PageTokens, page_token: str | None, listing: str) -> int:
    opened = tokens.open(page_token, listing)
    if opened is None:
        return 0
    if not opened.isdigit():
        raise InvalidArgument("page_token is not valid: pass next_page_token from a previous page")
    return int(opened)


def listing_of(request: SearchRequest) -> str:
    """What a page token is bound to: the query and its filters."""
    return f"search:{request.q}\x00{request.kind}\x00{request.module}\x00{request.version}"


@router.get("/search", responses=error_responses(400, 401, 422))
async def search(
    access: AccessDep,
    principal: Caller,
    services: ServicesDep,
    scope: CallerScope,
    tokens: PageTokensDep,
    q: Annotated[str, Query(max_length=MAX_QUERY * 2, description="Words of a name or comment.")],
    kind: Annotated[str | None, Query(max_length=20, description="Only this kind.")] = None,
    module: Annotated[str | None, Query(max_length=200, description="Only this module.")] = None,
    version: Annotated[
        str | None, Query(max_length=128, description="This version (default: each latest).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = 20,
    page_token: PageToken = None,
) -> SearchPage:
    """Elements of the latest version of each module (or of `version`), best first: an
    element whose own name is the query, then by relevance. Every word must start a word
    of the element's name (its camel-case parts too) or of its comment."""
    return await search_page(
        SearchRequest(q=q, kind=kind, module=module, version=version),
        access=access,
        principal=principal,
        services=services,
        scope=scope,
        tokens=tokens,
        limit=limit,
        page_token=page_token,
    )
