"""The API key store port: keys by the prefix of their token; only hashes are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from spoke.domain.errors import NotFound


class KeyNotFound(NotFound):
    code = "key_not_found"

    def __init__(self, key_id: int) -> None:
        super().__init__(f"API key {key_id} does not exist", details={"id": key_id})


@dataclass(frozen=True)
class KeyRecord:
    id: int
    name: str
    prefix: str
    secret_hash: str
    grants: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class NewKey:
    name: str
    prefix: str
    secret_hash: str
    grants: str
    created_by: str
    expires_at: datetime | None


class KeyStore(Protocol):
    async def create(self, key: NewKey) -> KeyRecord: ...

    async def by_prefix(self, prefix: str) -> KeyRecord | None: ...

    async def list(self, *, after: int | None, limit: int) -> list[KeyRecord]:
        """Keys by id, revoked ones included."""
        ...

    async def revoke(self, key_id: int) -> KeyRecord:
        """Mark revoked (idempotent); ``KeyNotFound`` for an unknown id."""
        ...

    async def touch(self, key_id: int, at: datetime) -> None:
        """Record a use (best effort, at most once a minute per key)."""
        ...

    async def active_count(self) -> int: ...
