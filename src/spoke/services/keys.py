"""Managing API keys (admins, over ``/auth/keys``): create one (its token shown once), list
them, revoke one. Verifying a key on a request is the authenticator's
(``spoke.auth.authenticator``); both rest on ``spoke.auth.keys.KeyService``."""

from __future__ import annotations

from spoke.auth.keys import CreatedKey, KeyService
from spoke.storage.keys import KeyRecord


class KeyManagement:
    def __init__(self, keys: KeyService) -> None:
        self._keys = keys

    async def create(
        self, name: str, grants: list[str], *, created_by: str, expires_in_days: int | None
    ) -> CreatedKey:
        """A new key with ``grants`` (``read``, ``write:acme.*``, ``admin``, …)."""
        return await self._keys.create(
            name, grants, created_by=created_by, expires_in_days=expires_in_days
        )

    async def list(self, *, after: int | None, limit: int) -> list[KeyRecord]:
        """Every key, revoked ones too, by id; ``after`` is the id that ended the previous
        page."""
        return await self._keys.list(after=after, limit=limit)

    async def revoke(self, key_id: int) -> KeyRecord:
        """Stop the key from working, at once and on every instance."""
        return await self._keys.revoke(key_id)

    async def active_count(self) -> int:
        """Keys neither revoked nor expired: none means no key can authenticate."""
        return await self._keys.active_count()
