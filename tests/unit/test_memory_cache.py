from __future__ import annotations

from spoke.storage.cache.memory import MemoryCache


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def test_get_missing_key_returns_none() -> None:
    cache = MemoryCache(clock=FakeClock())
    assert await cache.get("nope") is None


async def test_set_then_get() -> None:
    cache = MemoryCache(clock=FakeClock())
    await cache.set("k", b"value", 10)
    assert await cache.get("k") == b"value"
    assert len(cache) == 1


async def test_set_overwrites_value_and_ttl() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    await cache.set("k", b"old", 5)
    clock.advance(4)
    await cache.set("k", b"new", 5)
    clock.advance(4)
    assert await cache.get("k") == b"new"
    assert len(cache) == 1


async def test_delete_one_or_many_and_missing() -> None:
    cache = MemoryCache(clock=FakeClock())
    for key in ("a", "b", "c"):
        await cache.set(key, key.encode(), 10)
    await cache.delete("a")
    assert await cache.get("a") is None
    await cache.delete("b", "missing", "c")
    assert await cache.get("b") is None
    assert await cache.get("c") is None
    assert len(cache) == 0
    await cache.delete()


async def test_entries_expire_with_the_clock() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    await cache.set("k", b"v", 30)
    clock.advance(29.999)
    assert await cache.get("k") == b"v"
    clock.advance(0.001)
    assert await cache.get("k") is None
    assert len(cache) == 0


async def test_expired_entry_is_dropped_when_read() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    await cache.set("short", b"1", 1)
    await cache.set("long", b"2", 100)
    clock.advance(50)
    assert len(cache) == 2
    assert await cache.get("short") is None
    assert len(cache) == 1
    assert await cache.get("long") == b"2"


async def test_non_positive_ttl_is_not_stored() -> None:
    cache = MemoryCache(clock=FakeClock())
    await cache.set("zero", b"v", 0)
    await cache.set("negative", b"v", -5)
    assert await cache.get("zero") is None
    assert await cache.get("negative") is None
    assert len(cache) == 0


async def test_non_positive_ttl_leaves_existing_entry_alone() -> None:
    cache = MemoryCache(clock=FakeClock())
    await cache.set("k", b"v", 10)
    await cache.set("k", b"other", 0)
    assert await cache.get("k") == b"v"


async def test_least_recently_set_entry_is_evicted() -> None:
    cache = MemoryCache(max_entries=3, clock=FakeClock())
    for key in ("a", "b", "c", "d"):
        await cache.set(key, key.encode(), 10)
    assert len(cache) == 3
    assert await cache.get("a") is None
    assert [await cache.get(k) for k in ("b", "c", "d")] == [b"b", b"c", b"d"]


async def test_reading_an_entry_protects_it_from_eviction() -> None:
    cache = MemoryCache(max_entries=3, clock=FakeClock())
    for key in ("a", "b", "c"):
        await cache.set(key, key.encode(), 10)
    assert await cache.get("a") == b"a"
    await cache.set("d", b"d", 10)
    assert await cache.get("b") is None
    assert await cache.get("a") == b"a"
    assert await cache.get("c") == b"c"
    assert await cache.get("d") == b"d"


async def test_rewriting_an_entry_refreshes_its_recency() -> None:
    cache = MemoryCache(max_entries=2, clock=FakeClock())
    await cache.set("a", b"1", 10)
    await cache.set("b", b"2", 10)
    await cache.set("a", b"3", 10)
    await cache.set("c", b"4", 10)
    assert await cache.get("b") is None
    assert await cache.get("a") == b"3"
    assert await cache.get("c") == b"4"


async def test_ping_and_close() -> None:
    cache = MemoryCache(clock=FakeClock())
    await cache.set("k", b"v", 10)
    await cache.ping()
    await cache.close()
    assert len(cache) == 0
    assert await cache.get("k") is None
