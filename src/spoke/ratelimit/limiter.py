"""Counting requests per route class and client: shared through Redis, failing open.

The strategy is ``limits``' sliding window counter on every storage (memory, Redis,
Sentinel, Cluster): two fixed-window counters, the previous one weighted by how much of it
still overlaps the window. It costs the same whatever the limit (a moving window keeps one
entry per request, so its cost grew with the budget), and unlike a fixed window a client
cannot spend twice its budget across a window boundary.

Off the critical path: a request is decided in process, without I/O, when its budget is
known (``admit``), and the counts of such requests go to the window in one batch per
``sync_interval`` (a background task). A budget is known for ``fresh_for`` seconds after a
sync, and an instance admits at most ``share`` requests of one budget between two syncs
(and never more than the window had left): ten times the budget's steady rate over one
interval (0.8 % of a per-minute budget at 50 ms). A request beyond that, one whose budget is
unknown or near its end, is decided exactly (``hit``: two round trips). So a client spread
over N instances can pass its budget by at most (N - 1) x ``share`` requests, and one
instance alone never passes it.

Redis down: the limiter keeps an in-process window beside the shared one. A Redis error or
timeout sends that decision (or batch), and every one for a cool-down after it, to the
in-process window, so each instance limits on its own budget; then one call probes Redis
again (``CircuitBreaker``), and on success all go back to the shared window.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import structlog
from limits import RateLimitItem, RateLimitItemPerDay
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
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
# How many times a budget's steady rate one instance may admit between two syncs.
BURST = 10
# RedisClusterException (no nodes reachable, for one) is not a RedisError.
_FAILURES = (StorageError, RedisError, RedisClusterException, OSError, TimeoutError)
T = TypeVar("T")
Window = SlidingWindowCounterRateLimiter


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

    def encoded_headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.limit.amount).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset).encode()),
        ]


class Budget:
    """What this instance knows of one (class, identity) window since its last sync."""

    __slots__ = ("pending", "remaining", "reset_at", "synced_at")

    def __init__(self) -> None:
        self.remaining = 0  # what the window had left at the sync, less what was admitted
        self.pending = 0  # admitted here since the sync, not yet counted in the window
        self.reset_at = 0.0  # time.time() when the window frees budget
        self.synced_at = -math.inf  # the limiter's clock


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
    """Sliding-window limits per ``(counter, identity)``; see the module docstring."""

    def __init__(
        self,
        limits: Mapping[Counter, RateLimitItem],
        *,
        shared: Storage | None = None,
        timeout: float = 0.25,
        metrics: RateLimitMetrics | None = None,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sync_interval: float = 0.05,
        fresh_for: float = 1.0,
        remembered: int = 100_000,
    ) -> None:
        self.limits = dict(limits)
        self._local_storage = MemoryStorage()
        self._local = Window(self._local_storage)
        self._shared_storage = shared
        self._shared = Window(shared) if shared is not None else None
        # Two calls per decision, each bounded by the client's socket timeout; this bound
        # also covers a Sentinel lookup and a connect.
        self._budget = 3 * timeout
        self.metrics = metrics or RateLimitMetrics(None)
        self._clock = clock
        # One failure is enough to stop waiting on Redis: per-instance limits are still
        # limits, and the next probe comes after the cool-down.
        self._breaker = CircuitBreaker(
            threshold=1, cooldown=cooldown, clock=clock, on_change=self._fallback_changed
        )
        self.sync_interval = sync_interval
        self._fresh_for = fresh_for
        self._remembered = remembered
        self._budgets: OrderedDict[tuple[RouteClass, str], Budget] = OrderedDict()
        self._shares = {
            counter: max(1, math.ceil(item.amount * BURST * sync_interval / item.get_expiry()))
            for counter, item in self.limits.items()
        }
        self._sync_task: asyncio.Task[None] | None = None

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

    async def _run(self, call: Callable[[Window], Awaitable[T]]) -> T:
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

    def admit(self, route_class: RouteClass, identity: str) -> Decision | None:
        """Admit one request without I/O when its budget allows it (see the module
        docstring), or None: then ``hit`` decides, exactly."""
        budget = self._budgets.get((route_class, identity))
        if budget is None or self._clock() - budget.synced_at > self._fresh_for:
            return None
        if budget.remaining < 1:  # refused until the window frees budget: no need to ask
            self.metrics.limited.labels(route_class).inc()
            reset = max(1, math.ceil(budget.reset_at - time.time()))
            return Decision(False, route_class, self.limits[route_class], 0, reset)
        if budget.pending >= self._shares[route_class]:
            return None
        budget.remaining -= 1
        budget.pending += 1
        if self._sync_task is None:
            self._sync_task = asyncio.get_running_loop().create_task(self._sync_later())
        reset = max(0, math.ceil(budget.reset_at - time.time()))
        return Decision(True, route_class, self.limits[route_class], budget.remaining, reset)

    async def hit(self, route_class: RouteClass, identity: str) -> Decision:
        """Count one request of ``identity`` (see ``identity.identity``) in its class, with
        what this instance admitted since its last sync, and decide it exactly."""
        item = self.limits[route_class]
        key = (route_class, identity)
        budget = self._budgets.get(key) or Budget()
        owed, budget.pending = budget.pending, 0
        decision = await self._run(
            lambda window: self._decide(window, item, route_class, identity, owed)
        )
        self._remember(key, budget, decision.remaining, decision.reset)
        return decision

    def _remember(self, key: tuple[RouteClass, str], budget: Budget, left: int, reset: int) -> None:
        # What was admitted while the window answered is not in its answer yet.
        budget.remaining = left - budget.pending
        budget.reset_at = time.time() + reset
        budget.synced_at = self._clock()
        self._budgets[key] = budget
        self._budgets.move_to_end(key)
        while len(self._budgets) > self._remembered:
            self._budgets.popitem(last=False)

    async def _sync_later(self) -> None:
        """Count what was admitted in process, once per interval, until nothing is owed."""
        try:
            while True:
                await asyncio.sleep(self.sync_interval)
                owing = [(k, b) for k, b in self._budgets.items() if b.pending]
                if not owing:
                    return
                for key, budget in owing:
                    await self._sync(key, budget)
        finally:
            self._sync_task = None

    async def _sync(self, key: tuple[RouteClass, str], budget: Budget) -> None:
        route_class, identity = key
        item = self.limits[route_class]
        owed, budget.pending = budget.pending, 0

        async def count(window: Window) -> tuple[int, int]:
            await _count_admitted(window, item, route_class, identity, owed)
            stats = await window.get_window_stats(item, route_class, identity)
            return max(0, stats.remaining), max(0, math.ceil(stats.reset_time - time.time()))

        left, reset = await self._run(count)
        self._remember(key, budget, left, reset)

    async def count(self, counter: Counter, identity: str) -> bool:
        """Count one event; False when ``identity`` was already over its limit."""
        item = self.limits[counter]
        return await self._run(lambda window: window.hit(item, counter, identity))

    async def exhausted(self, counter: Counter, identity: str) -> bool:
        """Whether ``identity`` has no budget left in ``counter`` (nothing counted)."""
        item = self.limits[counter]
        return not await self._run(lambda window: window.test(item, counter, identity))

    async def used(self, counter: Counter, identity: str) -> tuple[int, int]:
        """``(events in the window, seconds until it frees budget)``, nothing counted."""
        item = self.limits[counter]
        stats = await self._run(lambda window: window.get_window_stats(item, counter, identity))
        return item.amount - stats.remaining, max(0, math.ceil(stats.reset_time - time.time()))

    async def restart(self, counter: Counter, identity: str) -> None:
        """Empty ``identity``'s window, then count one event in it: a fresh record."""
        item = self.limits[counter]

        async def renew(window: Window) -> None:
            await window.clear(item, counter, identity)
            await window.hit(item, counter, identity)

        await self._run(renew)

    async def _decide(
        self,
        window: Window,
        item: RateLimitItem,
        route_class: RouteClass,
        identity: str,
        owed: int,
    ) -> Decision:
        # Admitted in process since the last sync: the window hears of them first.
        await _count_admitted(window, item, route_class, identity, owed)
        allowed = await window.hit(item, route_class, identity)
        stats = await window.get_window_stats(item, route_class, identity)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        if not allowed:
            self.metrics.limited.labels(route_class).inc()
            reset = max(1, reset)
        remaining = max(0, stats.remaining) if allowed else 0
        return Decision(allowed, route_class, item, remaining, reset)

    async def close(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sync_task
        if self._shared_storage is not None:
            await close_storage(self._shared_storage)
        await close_storage(self._local_storage)


async def _count_admitted(
    window: Window, item: RateLimitItem, route_class: RouteClass, identity: str, owed: int
) -> None:
    """Count ``owed`` requests admitted already: as many as the window still takes (the
    window counts nothing of a cost that does not fit whole)."""
    if owed and not await window.hit(item, route_class, identity, cost=owed):
        room = (await window.get_window_stats(item, route_class, identity)).remaining
        if room > 0:
            await window.hit(item, route_class, identity, cost=min(owed, room))
