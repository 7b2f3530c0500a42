"""``/auth/keys``: API keys, managed by admins. A new key's token is shown once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from spoke.api.deps import PageTokensDep, ServicesDep, requires
from spoke.api.models.api_keys import CreatedKeyOut, KeyCreate, KeyOut
from spoke.api.models.common import Page, error_responses
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken
from spoke.auth import Principal
from spoke.domain.access import Permission

router = APIRouter(prefix="/auth/keys", tags=["auth"])
Admin = Annotated[Principal, requires(Permission.ADMIN, per_module=False)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 422),
)
async def create_key(body: KeyCreate, services: ServicesDep, principal: Admin) -> CreatedKeyOut:
    """Create a key with grants such as `read`, `write:acme.*` or `admin`."""
    created = await services.keys.create(
        body.name, body.grants, created_by=principal.subject, expires_in_days=body.expires_in_days
    )
    return CreatedKeyOut(**KeyOut.of(created.record).model_dump(), token=created.token)


@router.get("", responses=error_responses(400, 401, 403))
async def list_keys(
    services: ServicesDep,
    _: Admin,
    tokens: PageTokensDep,
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[KeyOut]:
    """Every key (revoked ones too), oldest first. Tokens are never shown again."""
    after = tokens.open(page_token, "keys")
    found = await services.keys.list(after=int(after) if after else None, limit=limit + 1)
    items, next_token = tokens.page(found, limit, lambda k: str(k.id), "keys")
    return Page(items=[KeyOut.of(k) for k in items], next_page_token=next_token)


@router.delete("/{key_id}", responses=error_responses(401, 403, 404))
async def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**63 - 1)], services: ServicesDep, _: Admin
) -> KeyOut:
    """Revoke a key: it stops working at once, on every instance."""
    return KeyOut.of(await services.keys.revoke(key_id))
