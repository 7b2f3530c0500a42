"""The cache port: bytes by key with a time to live. A miss is never an error."""

from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    """A best-effort cache. Adapters fail open: when the backend is down, ``get`` answers
    ``None`` and writes are dropped, so callers fall back to the source of truth."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def ping(self) -> None:
        """Raise ``spoke.domain.errors.Unavailable`` if the backend does not answer."""
        ...

    async def close(self) -> None: ...
