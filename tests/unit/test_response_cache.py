"""The precomputed answers: bounded, and moving ones neither outlive ``MOVING_FOR`` nor a
push to their module."""

from __future__ import annotations

import time

from spoke.api.response_cache import Precomputed, ResponseCache


def entry(module: str = "acme.a", *, expires: float | None = None, size: int = 10) -> Precomputed:
    return Precomputed(b"x" * size, [], b"", "/r", module, expires)


def test_a_moving_answer_expires() -> None:
    cache = ResponseCache(1 << 20)
    cache.put("/modules/acme.a/versions/latest", entry(expires=time.monotonic() - 1))
    cache.put("/modules/acme.a/versions", entry(expires=time.monotonic() + 60))
    assert cache.get("/modules/acme.a/versions/latest") is None
    assert cache.get("/modules/acme.a/versions") is not None
    assert len(cache) == 1


def test_a_push_drops_only_its_modules_moving_answers() -> None:
    cache = ResponseCache(1 << 20)
    later = time.monotonic() + 60
    cache.put("/modules/acme.a/versions/v1.0.0", entry())
    cache.put("/modules/acme.a/versions/latest", entry(expires=later))
    cache.put("/modules/acme.a/versions?limit=1", entry(expires=later))
    cache.put("/modules/acme.ab/versions/latest", entry("acme.ab", expires=later))
    cache.drop_moving("acme.a")
    assert cache.get("/modules/acme.a/versions/v1.0.0") is not None  # immutable: kept
    assert cache.get("/modules/acme.a/versions/latest") is None
    assert cache.get("/modules/acme.a/versions?limit=1") is None
    assert cache.get("/modules/acme.ab/versions/latest") is not None  # another module


def test_the_cache_stays_within_its_bytes() -> None:
    cache = ResponseCache(8 * 1000)
    for i in range(50):
        cache.put(f"/p{i}", entry(size=200))
    assert cache.bytes <= cache.max_bytes
    assert cache.get("/p49") is not None and cache.get("/p0") is None
    cache.put("/huge", entry(size=cache.max_bytes))  # over an eighth: never kept
    assert cache.get("/huge") is None
