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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import structlog
from limits import RateLimitItem, RateLimitItemPerDay
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisClusterException, RedisError

from spoke.config import Settings, parse_rate_limit
from spoke.ratelimit.storage import close_storage, open_storage
from spoke.resilience import CircuitBreaker
from spoke.telemetry.metrics import RateLimitMetrics

log = structlog.get_logger(__name__)

# The classes a 429 names: the three route budgets, and the bad-token lockout.
RouteClass = Literal["read", "write", "compile", "auth_failure"]
# Every window the limiter keeps. auth_failure counts 401s per client address (keyed by
# credential alone, a client making up a token per request would escape every limit);
# auth_failure_pair counts them per address and credential; authenticated remembers a
# credential that verified (see ``lockout``).
Counter = RouteClass | Literal["auth_failure_pair", "authenticated"]
# How long a credential that verified stays known; the lockout lets it through meanwhile.
AUTHENTICATED_FOR = RateLimitItemPerDay(1)
# The per-(address, credential) failure budget is this fraction of the per-address one: one
# client retrying a bad token cannot alone lock its address.
PAIR_SHARE = 5
# RedisClusterException (no nodes reachable, for one) is not a RedisError.
_FAILURES = (StorageError, RedisError, RedisClusterException, OSError, TimeoutError)
T = TypeVar("T")


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


def limits_from_settings(settings: Settings) -> dict[Counter, RateLimitItem]:
    failures = parse_rate_limit("SPOKE_RATE_LIMIT_AUTH_FAILURES", settings.rate_limit_auth_failures)
    pair = type(failures)(max(1, failures.amount // PAIR_SHARE), failures.multiples)
    return {
        "read": parse_rate_limit("SPOKE_RATE_LIMIT_READ", settings.rate_limit_read),
        "write": parse_rate_limit("SPOKE_RATE_LIMIT_WRITE", settings.rate_limit_write),
        "compile": parse_rate_limit("SPOKE_RATE_LIMIT_COMPILE", settings.rate_limit_compile),
        "auth_failure": failures,
        "auth_failure_pair": pair,
        "authenticated": AUTHENTICATED_FOR,
    }


class RateLimiter:
    """Moving-window limits per ``(counter, identity)``; see the module docstring."""

    def __init__(
        self,
        limits: Mapping[Counter, RateLimitItem],
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
                settings.redis_url,
                timeout=settings.redis_timeout,
                key_prefix=prefix,
                ca_file=str(settings.redis_ca_file) if settings.redis_ca_file else None,
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

    async def _run(self, call: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        """``call`` on the shared window, or on the in-process one while Redis fails."""
        if self._shared is not None and self._breaker.allow():
            try:
                async with asyncio.timeout(self._budget):
                    result = await call(self._shared)
            except _FAILURES as exc:
                self._breaker.failed()
                log.debug("rate limit storage failed", error=repr(exc))
            else:
                self._breaker.succeeded()
                return result
        return await call(self._local)

    async def hit(self, route_class: RouteClass, identity: str) -> Decision:
        """Count one request of ``identity`` (see ``identity.identity``) in its class."""
        item = self.limits[route_class]
        return await self._run(lambda window: self._decide(window, item, route_class, identity))

    async def count(self, counter: Counter, identity: str) -> bool:
        """Count one event; False when ``identity`` was already over its limit."""
        item = self.limits[counter]
        return await self._run(lambda window: window.hit(item, counter, identity))

    async def exhausted(self, counter: Counter, identity: str) -> bool:
        """Whether ``identity`` has no budget left in ``counter`` (nothing counted)."""
        item = self.limits[counter]
        return not await self._run(lambda window: window.test(item, counter, identity))

    async def used(self, counter: Counter, identity: str) -> tuple[int, int]:
        """``(events in the window, seconds until the oldest leaves it)``, nothing counted."""
        item = self.limits[counter]
        stats = await self._run(lambda window: window.get_window_stats(item, counter, identity))
        return item.amount - stats.remaining, max(0, math.ceil(stats.reset_time - time.time()))

    async def restart(self, counter: Counter, identity: str) -> None:
        """Empty ``identity``'s window, then count one event in it: a fresh record."""
        item = self.limits[counter]

        async def renew(window: MovingWindowRateLimiter) -> None:
            await window.clear(item, counter, identity)
            await window.hit(item, counter, identity)

        await self._run(renew)

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
