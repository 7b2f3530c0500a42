"""The cache port: bytes by key with a time to live. A miss is never an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Handler = Callable[[str], None]


class Cache(Protocol):
    """A best-effort cache. Adapters fail open: when the backend is down, ``get`` answers
    ``None`` and writes are dropped, so callers fall back to the source of truth."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def broadcast(self, message: str) -> None:
        """Tell every instance's ``listen`` (this one's too, before this returns: a writer
        reads its writes): how deletions reach the in-process caches of other instances."""
        ...

    async def listen(self, handler: Handler) -> None:
        """Call ``handler`` with every broadcast message until cancelled; survives backend
        outages (messages sent meanwhile are lost: in-process entries expire by TTL)."""
        ...

    async def ping(self) -> None:
        """Raise ``spoke.domain.errors.Unavailable`` if the backend does not answer."""
        ...

    async def close(self) -> None: ...


class LocalCache(Cache, Protocol):
    """An in-process cache, which can also drop every key under a prefix (cheap here,
    a scan in Redis: only in-process tiers offer it)."""

    def delete_prefix(self, prefix: str) -> None: ...
