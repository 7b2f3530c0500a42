"""Decisions without I/O (``RateLimiter.admit``): only for a known budget, at most a share of
it between two syncs, counted in the window afterwards; instances sharing one window pass
the budget by at most (N - 1) x share."""

from __future__ import annotations

import asyncio
import time

import limits
from limits.aio.storage import MemoryStorage

from spoke.ratelimit.limiter import RateLimiter


async def test_an_unknown_budget_is_decided_exactly_then_admitted_in_process() -> None:
    limiter = RateLimiter({"read": limits.parse("600/minute")}, sync_interval=1)
    try:
        assert limiter.admit("read", "ip:a") is None  # never seen: `hit` decides
        first = await limiter.hit("read", "ip:a")
        assert first.allowed and first.remaining == 599
        share = 100  # 10 x 600/minute over the 1 s interval
        admitted = [limiter.admit("read", "ip:a") for _ in range(share + 1)]
        assert all(d is not None and d.allowed for d in admitted[:share])
        assert admitted[share] is None  # the share is spent: back to `hit`
        assert [d.remaining for d in admitted[:3] if d] == [598, 597, 596]
        exact = await limiter.hit("read", "ip:a")  # counts what was admitted, then itself
        assert exact.allowed and exact.remaining == 600 - share - 2
    finally:
        await limiter.close()


async def test_what_was_admitted_reaches_the_window_within_an_interval() -> None:
    shared = MemoryStorage()
    item = limits.parse("1000/minute")
    limiter = RateLimiter({"read": item}, shared=shared, sync_interval=0.05)
    window = limits.aio.strategies.SlidingWindowCounterRateLimiter(shared)
    try:
        await limiter.hit("read", "ip:a")
        for _ in range(5):
            assert limiter.admit("read", "ip:a") is not None
        deadline = time.monotonic() + 5
        while (await window.get_window_stats(item, "read", "ip:a")).remaining != 994:
            assert time.monotonic() < deadline, "the admitted requests were never counted"
            await asyncio.sleep(0.01)
    finally:
        await limiter.close()


async def test_an_exhausted_budget_is_refused_without_asking() -> None:
    limiter = RateLimiter({"read": limits.parse("1/minute")})
    try:
        assert (await limiter.hit("read", "ip:a")).allowed
        assert not (await limiter.hit("read", "ip:a")).allowed
        refused = limiter.admit("read", "ip:a")
        assert refused is not None and not refused.allowed and refused.reset >= 1
    finally:
        await limiter.close()


async def test_instances_on_one_window_pass_the_budget_by_at_most_their_shares() -> None:
    shared = MemoryStorage()
    budget = 120  # share: 10 x 120/minute over 0.05 s = 1
    instances = [
        RateLimiter({"read": limits.parse(f"{budget}/minute")}, shared=shared) for _ in range(3)
    ]
    try:
        allowed = 0
        for _ in range(2 * budget):
            for limiter in instances:
                decision = limiter.admit("read", "ip:a") or await limiter.hit("read", "ip:a")
                allowed += decision.allowed
        assert budget <= allowed <= budget + (len(instances) - 1) * 1
    finally:
        for limiter in instances:
            await limiter.close()
