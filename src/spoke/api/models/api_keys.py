"""Bodies of ``/auth/keys`` (``routers/api_keys.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from spoke.storage.keys import KeyRecord


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
