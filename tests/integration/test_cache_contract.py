"""The ``Cache`` contract, for every cache backend (in-process and Redis via Sentinel)."""

from __future__ import annotations

import asyncio
import time

from spoke.storage.cache import Cache


async def test_miss_set_get_delete(cache: Cache) -> None:
    assert await cache.get("k") is None
    await cache.set("k", b"value", 60)
    assert await cache.get("k") == b"value"
    await cache.set("k", b"\x00binary\xff", 60)
    assert await cache.get("k") == b"\x00binary\xff"
    await cache.delete("k", "never-set")
    assert await cache.get("k") is None
    await cache.delete()


async def test_non_positive_ttl_is_not_stored(cache: Cache) -> None:
    await cache.set("zero", b"x", 0)
    await cache.set("negative", b"x", -5)
    assert await cache.get("zero") is None
    assert await cache.get("negative") is None


async def test_entries_expire(cache: Cache) -> None:
    await cache.set("short", b"x", 0.2)
    assert await cache.get("short") == b"x"
    deadline = time.monotonic() + 5
    while await cache.get("short") is not None:
        assert time.monotonic() < deadline, "entry did not expire"
        await asyncio.sleep(0.05)


async def test_large_values_and_many_keys(cache: Cache) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB
    await cache.set("big", big, 60)
    assert await cache.get("big") == big
    await asyncio.gather(*(cache.set(f"n{i}", str(i).encode(), 60) for i in range(200)))
    values = await asyncio.gather(*(cache.get(f"n{i}") for i in range(200)))
    assert values == [str(i).encode() for i in range(200)]


async def test_ping(cache: Cache) -> None:
    await cache.ping()
