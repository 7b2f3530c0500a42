"""``/auth/keys``: API keys, managed by admins. A new key's token is shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, Field

from spoke.api.access import Access, requires
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken, PageTokensDep
from spoke.api.schemas import Page, error_responses
from spoke.auth import Principal
from spoke.domain.access import Permission
from spoke.storage.keys import KeyRecord

router = APIRouter(prefix="/auth/keys", tags=["auth"])
Admin = Annotated[Principal, requires(Permission.ADMIN, per_module=False)]


class KeyCreate(BaseModel):
    name: str = Field(examples=["ci-acme"], max_length=100)
    grants: list[str] = Field(examples=[["write:acme.*"]], max_length=100)
    expires_in_days: int | None = Field(default=None, description="Never expires if unset.")


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    grants: list[str]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, record: KeyRecord) -> KeyOut:
        return cls(
            id=record.id,
            name=record.name,
            prefix=record.prefix,
            grants=record.grants.split(),
            created_by=record.created_by,
            created_at=record.created_at,
            expires_at=record.expires_at,
            revoked_at=record.revoked_at,
            last_used_at=record.last_used_at,
        )


class CreatedKeyOut(KeyOut):
    token: str = Field(description="Shown this once: store it now.")


def _access(request: Request) -> Access:
    access: Access = request.app.state.access
    return access


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 422),
)
async def create_key(body: KeyCreate, request: Request, principal: Admin) -> CreatedKeyOut:
    """Create a key with grants such as `read`, `write:acme.*` or `admin`."""
    created = await _access(request).authenticator.keys.create(
        body.name, body.grants, created_by=principal.subject, expires_in_days=body.expires_in_days
    )
    return CreatedKeyOut(**KeyOut.of(created.record).model_dump(), token=created.token)


@router.get("", responses=error_responses(400, 401, 403))
async def list_keys(
    request: Request,
    _: Admin,
    tokens: PageTokensDep,
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[KeyOut]:
    """Every key (revoked ones too), oldest first. Tokens are never shown again."""
    after = tokens.open(page_token, "keys")
    found = await _access(request).authenticator.keys.list(
        after=int(after) if after else None, limit=limit + 1
    )
    items, next_token = tokens.page(found, limit, lambda k: str(k.id), "keys")
    return Page(items=[KeyOut.of(k) for k in items], next_page_token=next_token)


@router.delete("/{key_id}", responses=error_responses(401, 403, 404))
async def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**63 - 1)], request: Request, _: Admin
) -> KeyOut:
    """Revoke a key: it stops working at once, on every instance."""
    return KeyOut.of(await _access(request).authenticator.keys.revoke(key_id))
