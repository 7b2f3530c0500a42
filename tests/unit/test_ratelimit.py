"""Rate limit building blocks: route classes, storage URIs, limit settings, the limiter.
Identities and the bad-token lockout: ``test_ratelimit_lockout.py``."""

from __future__ import annotations

import asyncio
import time

import limits
import pytest
from limits.aio.storage import MemoryStorage
from prometheus_client import CollectorRegistry
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException
from redis.exceptions import TimeoutError as RedisTimeoutError

from spoke.config import Settings, parse_rate_limit
from spoke.ratelimit import RateLimiter, limits_from_settings, route_class, storage_uri
from spoke.ratelimit.storage import close_storage, open_storage
from spoke.telemetry.metrics import RateLimitMetrics

COMPILE = "/modules/acme.a/versions/v1.0.0/compile/python"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/modules", "read"),
        ("HEAD", "/modules/acme.a/versions/v1.0.0/files/a.proto", "read"),
        ("OPTIONS", "/modules", "read"),
        ("GET", COMPILE, "read"),  # not a compile: only POST runs protoc
        ("POST", COMPILE, "compile"),
        ("POST", COMPILE + "/", "compile"),
        ("POST", "/modules", "write"),
        ("POST", "/modules/acme.a/versions", "write"),
        ("POST", "/modules/compile/versions", "write"),  # a module named "compile"
        ("POST", "/modules/acme.a/versions/v1.0.0/compile", "write"),
        # protoc runs on what the caller sends or names: lint, breaking, diff.
        ("POST", "/lint", "compile"),
        ("POST", "/modules/acme.a/breaking", "compile"),
        ("GET", "/modules/acme.a/versions/v1.0.0/diff", "compile"),
        ("HEAD", "/modules/acme.a/versions/v1.0.0/diff", "compile"),
        ("OPTIONS", "/modules/acme.a/versions/v1.0.0/diff", "read"),
        ("GET", "/modules/acme.a/breaking", "read"),
        ("GET", "/modules/acme.a/versions/v1.0.0/files/versions/x/diff", "read"),  # a file
        ("POST", "/modules/acme.a/versions/v1.0.0/files/lint", "write"),
        ("PATCH", "/modules/acme.a", "write"),
        ("PUT", "/modules/acme.a", "write"),
        ("DELETE", "/modules/acme.a", "write"),
    ],
)
def test_route_class(method: str, path: str, expected: str) -> None:
    assert route_class(method, path) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "async+memory://"),
        ("redis://127.0.0.1:6379/0", "async+redis://127.0.0.1:6379/0"),
        ("redis://:pw@cache:6379", "async+redis://:pw@cache:6379"),
        ("rediss://cache.example:6380", "async+rediss://cache.example:6380"),
        ("unix:///run/redis.sock?db=1", "async+redis+unix:///run/redis.sock?db=1"),
        (
            "redis+sentinel://h1:26379,h2:26380/spoke",
            "async+redis+sentinel://h1:26379,h2:26380/spoke",
        ),
        ("redis+sentinel://:pw@h1,h2/spoke", "async+redis+sentinel://:pw@h1:26379,h2:26379/spoke"),
        ("redis+cluster://n1:7000,n2:7001", "async+redis+cluster://n1:7000,n2:7001"),
        ("redis+cluster://n1,n2", "async+redis+cluster://n1:6379,n2:6379"),
    ],
)
def test_storage_uri(url: str | None, expected: str) -> None:
    assert storage_uri(url) == expected


@pytest.mark.parametrize("url", ["memcached://h:11211", "h:6379", "http://h"])
def test_storage_uri_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="SPOKE_REDIS_URL"):
        storage_uri(url)


@pytest.mark.parametrize("text", ["1200/minute", "5 per second", "10/2 hours", "1/day"])
def test_parse_rate_limit(text: str) -> None:
    assert parse_rate_limit("SPOKE_RATE_LIMIT_READ", text).amount >= 1


@pytest.mark.parametrize("text", ["", "lots", "100", "0/minute", "5/fortnight", "1/second;9/day"])
def test_parse_rate_limit_errors_name_the_setting(text: str) -> None:
    with pytest.raises(ValueError, match="SPOKE_RATE_LIMIT_WRITE"):
        parse_rate_limit("SPOKE_RATE_LIMIT_WRITE", text)


@pytest.mark.parametrize("field", ["rate_limit_read", "rate_limit_write", "rate_limit_compile"])
def test_settings_refuse_bad_limits_at_start_up(field: str) -> None:
    with pytest.raises(ValidationError, match=f"SPOKE_{field.upper()}="):
        Settings(**{field: "sometimes"})


def test_settings_defaults() -> None:
    settings = Settings()
    assert settings.rate_limits_enabled
    parsed = limits_from_settings(settings)
    assert {c: (i.amount, i.get_expiry()) for c, i in parsed.items()} == {
        "read": (1200, 60),
        "write": (120, 60),
        "compile": (60, 60),
        "auth_failure": (60, 60),
        "auth_failure_pair": (12, 60),  # a fifth of the per-address budget
        "authenticated": (1, 24 * 3600),
    }
    small = limits_from_settings(Settings(rate_limit_auth_failures="3/hour"))
    assert (small["auth_failure_pair"].amount, small["auth_failure_pair"].get_expiry()) == (
        1,
        3600,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("10.0.0.1", ["10.0.0.1"]),
        (
            " 10.0.0.0/8 , 192.168.1.0/24,, ::1 ,fd00::/8",
            ["10.0.0.0/8", "192.168.1.0/24", "::1", "fd00::/8"],
        ),
    ],
)
def test_trusted_proxies(text: str, expected: list[str]) -> None:
    assert Settings(trusted_proxies=text).trusted_proxy_list == expected


def test_no_proxy_is_trusted_by_default() -> None:
    assert Settings().trusted_proxy_list == []


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("10.0.0.1/8", "10.0.0.1/8"),  # host bits set: 10.0.0.0/8 was meant, or /32
        ("10.0.0.0/8,ingress.local", "ingress.local"),
        ("*", "*"),
        ("10.0.0.300", "10.0.0.300"),
        ("10.0.0.0/33", "10.0.0.0/33"),
    ],
)
def test_settings_refuse_bad_trusted_proxies_at_start_up(text: str, bad: str) -> None:
    with pytest.raises(ValidationError, match="SPOKE_TRUSTED_PROXIES") as caught:
        Settings(trusted_proxies=text)
    assert repr(bad) in str(caught.value)


async def test_in_memory_limiter_counts_per_class_and_identity() -> None:
    settings = Settings(rate_limit_read="2/minute", rate_limit_write="1/minute")
    limiter = RateLimiter.from_settings(settings, metrics=RateLimitMetrics(None))
    try:
        first = await limiter.hit("read", "ip:a")
        assert first.allowed and first.remaining == 1 and 0 < first.reset <= 60
        assert (await limiter.hit("read", "ip:a")).remaining == 0
        refused = await limiter.hit("read", "ip:a")
        assert not refused.allowed and refused.remaining == 0 and 1 <= refused.reset <= 60
        assert (await limiter.hit("read", "ip:b")).allowed  # another client
        assert (await limiter.hit("write", "ip:a")).allowed  # another class
        assert limiter.per_instance
    finally:
        await limiter.close()


class FlakyStorage(MemoryStorage):
    """A shared storage that fails while ``down`` (as a dead Redis would)."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.down = False

    async def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if self.down:
            raise self.error
        return await super().acquire_sliding_window_entry(key, limit, expiry, amount)

    async def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        if self.down:
            raise self.error
        return await super().get_sliding_window(key, expiry)


@pytest.mark.parametrize(
    "error",
    [
        RedisConnectionError("connection refused"),
        RedisTimeoutError("timed out"),
        TimeoutError(),
        RedisClusterException("no nodes"),
        ConnectionRefusedError(),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_shared_storage_down_falls_back_per_instance_then_returns(
    error: Exception,
) -> None:
    now = [0.0]
    registry = CollectorRegistry()
    shared = FlakyStorage(error)
    limiter = RateLimiter(
        {"read": limits.parse("2/minute")},
        shared=shared,
        metrics=RateLimitMetrics(registry),
        cooldown=5.0,
        clock=lambda: now[0],
    )

    def fallback() -> float | None:
        return registry.get_sample_value("spoke_rate_limit_fallback")

    try:
        assert (await limiter.hit("read", "ip:a")).remaining == 1  # counted in "Redis"
        shared.down = True
        assert (await limiter.hit("read", "ip:a")).remaining == 1  # a fresh local budget
        assert limiter.per_instance and fallback() == 1
        assert (await limiter.hit("read", "ip:a")).remaining == 0
        assert not (await limiter.hit("read", "ip:a")).allowed  # still limited, locally
        shared.down = False
        now[0] = 6.0  # after the cool-down one request probes the shared storage again
        back = await limiter.hit("read", "ip:a")
        assert back.allowed and back.remaining == 0  # the shared budget: 1 used before
        assert not limiter.per_instance and fallback() == 0
        assert not (await limiter.hit("read", "ip:a")).allowed
        limited = registry.get_sample_value("spoke_rate_limited_total", {"class": "read"})
        assert limited == 2
    finally:
        await limiter.close()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("redis://127.0.0.1:1/0", "RedisStorage"),
        ("redis+sentinel://127.0.0.1:1,127.0.0.1:2/spoke", "RedisSentinelStorage"),
        ("redis+cluster://127.0.0.1:1,127.0.0.1:2", "RedisClusterStorage"),
        (None, "MemoryStorage"),
    ],
)
async def test_open_storage_builds_without_connecting(url: str | None, kind: str) -> None:
    storage = open_storage(url, timeout=0.1, key_prefix="spoke:ratelimit")
    assert type(storage).__name__ == kind
    await close_storage(storage)


class HangingStorage(MemoryStorage):
    """A shared storage that never answers (a Redis behind a dropped network)."""

    async def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        await asyncio.sleep(30)
        return True


async def test_a_hanging_shared_storage_costs_one_short_wait() -> None:
    limiter = RateLimiter({"read": limits.parse("2/minute")}, shared=HangingStorage(), timeout=0.05)
    try:
        started = time.monotonic()
        first = await limiter.hit("read", "ip:a")
        assert first.allowed and time.monotonic() - started < 0.5  # bounded: 3 x timeout
        started = time.monotonic()
        await limiter.hit("read", "ip:a")
        assert time.monotonic() - started < 0.05  # the breaker is open: no wait at all
        assert limiter.per_instance
    finally:
        await limiter.close()
