"""Counting requests per route class and client: shared through Redis, failing open.

The strategy is the moving window on every storage (``limits`` supports it on memory,
Redis, Sentinel and Cluster): a client never gets twice its budget across a window
boundary, as a fixed window allows. It costs one Redis list entry per counted request
(at most the limit per key) and two round trips per request (count, then read the window
for the ``RateLimit-*`` headers).

Redis down: the limiter keeps an in-process moving window beside the shared one. A Redis
error or timeout sends that request, and every request for a cool-down after it, to the
in-process window, so each instance limits on its own budget; then one request probes
Redis again (``CircuitBreaker``), and on success all go back to the shared window.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import structlog
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisClusterException, RedisError

from spoke.config import Settings, parse_rate_limit
from spoke.ratelimit.storage import close_storage, open_storage
from spoke.storage.cache.breaker import CircuitBreaker
from spoke.telemetry.metrics import RateLimitMetrics

log = structlog.get_logger(__name__)

# auth_failure: requests refused 401, per client address. Keying by credential would let
# a client that makes up a new token for every request escape every limit.
RouteClass = Literal["read", "write", "compile", "auth_failure"]
# RedisClusterException (no nodes reachable, for one) is not a RedisError.
_FAILURES = (StorageError, RedisError, RedisClusterException, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one request; ``reset`` is in whole seconds from now."""

    allowed: bool
    route_class: RouteClass
    limit: RateLimitItem
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit.amount),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def limits_from_settings(settings: Settings) -> dict[RouteClass, RateLimitItem]:
    return {
        "read": parse_rate_limit("SPOKE_RATE_LIMIT_READ", settings.rate_limit_read),
        "write": parse_rate_limit("SPOKE_RATE_LIMIT_WRITE", settings.rate_limit_write),
        "compile": parse_rate_limit("SPOKE_RATE_LIMIT_COMPILE", settings.rate_limit_compile),
        "auth_failure": parse_rate_limit(
            "SPOKE_RATE_LIMIT_AUTH_FAILURES", settings.rate_limit_auth_failures
        ),
    }


class RateLimiter:
    """Moving-window limits per ``(route class, identity)``; see the module docstring."""

    def __init__(
        self,
        limits: Mapping[RouteClass, RateLimitItem],
        *,
        shared: Storage | None = None,
        timeout: float = 0.25,
        metrics: RateLimitMetrics | None = None,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(limits)
        self._local_storage = MemoryStorage()
        self._local = MovingWindowRateLimiter(self._local_storage)
        self._shared_storage = shared
        self._shared = MovingWindowRateLimiter(shared) if shared is not None else None
        # Two calls per decision, each bounded by the client's socket timeout; this bound
        # also covers a Sentinel lookup and a connect.
        self._budget = 3 * timeout
        self.metrics = metrics or RateLimitMetrics(None)
        # One failure is enough to stop waiting on Redis: per-instance limits are still
        # limits, and the next probe comes after the cool-down.
        self._breaker = CircuitBreaker(
            threshold=1, cooldown=cooldown, clock=clock, on_change=self._fallback_changed
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, metrics: RateLimitMetrics) -> RateLimiter:
        """The limiter ``settings`` describe: on Redis when ``redis_url`` is set."""
        shared = None
        if settings.redis_url:
            prefix = f"{settings.cache_prefix}:ratelimit"
            shared = open_storage(
                settings.redis_url, timeout=settings.redis_timeout, key_prefix=prefix
            )
        return cls(
            limits_from_settings(settings),
            shared=shared,
            timeout=settings.redis_timeout,
            metrics=metrics,
        )

    @property
    def per_instance(self) -> bool:
        """True while requests are counted in this process only."""
        return self._shared is None or self._breaker.is_open

    def _fallback_changed(self, is_open: bool) -> None:
        self.metrics.fallback.set(1 if is_open else 0)
        if is_open:
            log.warning("redis unavailable, rate limits counted per instance")
        else:
            log.info("redis answers again, rate limits shared")

    async def hit(self, route_class: RouteClass, identity: str) -> Decision:
        """Count one request of ``identity`` (see ``middleware.identity``) in its class."""
        item = self.limits[route_class]
        if self._shared is not None and self._breaker.allow():
            try:
                async with asyncio.timeout(self._budget):
                    decision = await self._decide(self._shared, item, route_class, identity)
            except _FAILURES as exc:
                self._breaker.failed()
                log.debug("rate limit storage failed", error=repr(exc))
            else:
                self._breaker.succeeded()
                return decision
        return await self._decide(self._local, item, route_class, identity)

    async def exhausted(self, route_class: RouteClass, identity: str) -> bool:
        """Whether ``identity`` has no budget left in ``route_class`` (nothing counted)."""
        item = self.limits[route_class]
        if self._shared is not None and self._breaker.allow():
            try:
                async with asyncio.timeout(self._budget):
                    allowed = await self._shared.test(item, route_class, identity)
            except _FAILURES as exc:
                self._breaker.failed()
                log.debug("rate limit storage failed", error=repr(exc))
            else:
                self._breaker.succeeded()
                return not allowed
        return not await self._local.test(item, route_class, identity)

    async def _decide(
        self,
        limiter: MovingWindowRateLimiter,
        item: RateLimitItem,
        route_class: RouteClass,
        identity: str,
    ) -> Decision:
        allowed = await limiter.hit(item, route_class, identity)
        stats = await limiter.get_window_stats(item, route_class, identity)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        if not allowed:
            self.metrics.limited.labels(route_class).inc()
            reset = max(1, reset)
        remaining = max(0, stats.remaining) if allowed else 0
        return Decision(allowed, route_class, item, remaining, reset)

    async def close(self) -> None:
        if self._shared_storage is not None:
            await close_storage(self._shared_storage)
        await close_storage(self._local_storage)
