"""API keys: ``spoke_`` + 40 random URL-safe characters (240 bits). The token is shown once;
the store keeps its first characters (to find the row) and its SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from spoke.auth import Principal, Unauthenticated
from spoke.domain.access import Grant
from spoke.domain.errors import InvalidArgument
from spoke.domain.names import MAX_MODULE_NAME_LENGTH
from spoke.domain.text import refuse_unsafe
from spoke.storage.keys import KeyRecord, KeyStore, NewKey

TOKEN_PREFIX = "spoke_"  # noqa: S105 - the public marker of a key, not a secret
_LOOKUP = 12  # characters of the token kept in clear to find its row


def lookup_prefix(token: str) -> str:
    """The characters of ``token`` kept in clear to find its row (and to name the key
    without its secret)."""
    return token[:_LOOKUP]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedKey:
    record: KeyRecord
    token: str  # returned once, never stored


class KeyService:
    def __init__(self, store: KeyStore) -> None:
        self._store = store

    async def create(
        self, name: str, grants: list[str], *, created_by: str, expires_in_days: int | None
    ) -> CreatedKey:
        if not name or len(name) > MAX_MODULE_NAME_LENGTH:
            raise InvalidArgument("a key needs a name of 1 to 100 characters")
        refuse_unsafe(name, "a key name")
        parsed = [Grant.parse(text) for text in grants]
        if not parsed:
            raise InvalidArgument("a key needs at least one grant, such as read or write:acme.*")
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise InvalidArgument("expires_in_days must be between 1 and 3650")
        token = new_token()
        expires = (
            None if expires_in_days is None else datetime.now(UTC) + timedelta(days=expires_in_days)
        )
        record = await self._store.create(
            NewKey(
                name=name,
                prefix=token[:_LOOKUP],
                secret_hash=token_hash(token),
                grants=" ".join(str(g) for g in parsed),
                created_by=created_by,
                expires_at=expires,
            )
        )
        return CreatedKey(record, token)

    async def verify(self, token: str) -> Principal:
        """The key's principal; ``Unauthenticated`` for unknown, revoked or expired keys."""
        record = await self._store.by_prefix(token[:_LOOKUP])
        # Compare in constant time, and hash even when no row matched, so timing says
        # nothing about which prefixes exist.
        expected = record.secret_hash if record else token_hash("")
        if not hmac.compare_digest(expected, token_hash(token)) or record is None:
            raise Unauthenticated("the API key is not valid")
        now = datetime.now(UTC)
        if record.revoked_at is not None:
            raise Unauthenticated("the API key was revoked")
        if record.expires_at is not None and record.expires_at <= now:
            raise Unauthenticated("the API key has expired")
        await self._store.touch(record.id, now)
        grants = tuple(Grant.parse(text) for text in record.grants.split())
        return Principal(f"key:{record.name}", grants)

    async def list(self, *, after: int | None, limit: int) -> list[KeyRecord]:
        return await self._store.list(after=after, limit=limit)

    async def revoke(self, key_id: int) -> KeyRecord:
        return await self._store.revoke(key_id)

    async def active_count(self) -> int:
        return await self._store.active_count()
