"""In-process ``Cache``: a bounded LRU with per-entry expiry."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from spoke.storage.cache import Handler
from spoke.telemetry.metrics import CacheMetrics


class MemoryCache:
    """Implements ``Cache`` inside one process. Bounded by entry count, least recently used
    entries evicted first; expired entries are dropped when read."""

    def __init__(
        self,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        *,
        metrics: CacheMetrics | None = None,
        tier: str = "l1",
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock
        self._handlers: list[Handler] = []
        self._hits = (metrics or CacheMetrics(None)).requests.labels(tier, "hit")
        self._misses = (metrics or CacheMetrics(None)).requests.labels(tier, "miss")

    async def get(self, key: str) -> bytes | None:
        item = self._entries.get(key)
        if item is None:
            self._misses.inc()
            return None
        expires, value = item
        if expires <= self._clock():
            del self._entries[key]
            self._misses.inc()
            return None
        self._entries.move_to_end(key)
        self._hits.inc()
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        if ttl <= 0:
            return
        self._entries[key] = (self._clock() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]

    async def broadcast(self, message: str) -> None:
        # One process: every listener is here.
        for handler in list(self._handlers):
            handler(message)

    async def listen(self, handler: Handler) -> None:
        self._handlers.append(handler)
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            self._handlers.remove(handler)

    async def ping(self) -> None:
        """Always answers: it lives in this process."""

    async def close(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
