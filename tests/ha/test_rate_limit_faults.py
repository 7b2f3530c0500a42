"""Rate limits with Redis gone: every instance keeps limiting, on a budget of its own.

A stack of its own (Redis, its replica and three Sentinels; SQLite and local files for
the rest), since the test kills the Redis master and its replica at once: no failover
can save the shared counters, so the limiter must fall back to counting in-process.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import jwt
import pytest

from spoke.api.app import create_app
from spoke.config import Settings
from spoke.devstack.redis import command
from spoke.devstack.stack import Stack, running_stack
from tests.functional.support import assert_error
from tests.ha.conftest import Instance, poll

pytestmark = pytest.mark.ha

LIMIT = 5
SECRET = "rate-limit-faults-" + "s" * 32


def bearer(subject: str) -> dict[str, str]:
    """A valid credential: with auth off, every request would count against its address."""
    claims = {"sub": subject, "roles": ["read"], "exp": time.time() + 600}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@pytest.fixture(scope="module")
def redis_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("ratelimit-faults")
    with running_stack(workdir, postgres=False, s3=False) as stack:
        yield stack


@pytest.fixture
async def pair(redis_stack: Stack, tmp_path: Path) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two instances sharing Redis (one cache prefix), each with its own SQLite."""
    settings = Settings(
        data_dir=tmp_path,
        redis_url=redis_stack.env()["SPOKE_REDIS_URL"],
        cache_prefix="t" + uuid.uuid4().hex[:12],
        sprocket_languages="none",
        rate_limit_read=f"{LIMIT}/minute",
        auth_mode="required",
        jwt_secret=SECRET,
    )
    async with AsyncExitStack() as exits:
        started = []
        for name in ("a", "b"):
            app = create_app(settings.model_copy(update={"data_dir": tmp_path / name}))
            await exits.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://spoke.test", timeout=30
            )
            started.append(Instance(app, await exits.enter_async_context(client)))
        yield started[0], started[1]


async def _statuses(instance: Instance, count: int, headers: dict[str, str]) -> list[int]:
    """``count`` reads in a row, each answered within a second."""
    statuses = []
    for _ in range(count):
        started = time.monotonic()
        response = await instance.client.get("/modules", headers=headers)
        elapsed = time.monotonic() - started
        assert elapsed < 1.0, f"a request waited {elapsed:.2f} s on a dead Redis"
        if response.status_code == 429:
            assert_error(response, 429, "rate_limited")
        statuses.append(response.status_code)
    return statuses


async def test_redis_down_each_instance_limits_on_its_own_then_shares_again(
    redis_stack: Stack, pair: tuple[Instance, Instance]
) -> None:
    """Expected: with the Redis master and its replica killed, requests still succeed, none
    waits on Redis for long, each instance allows its own LIMIT reads and refuses the next;
    once Redis is back, the instances count in one shared budget again."""
    a, b = pair
    token = bearer("before-the-fault")
    assert await _statuses(a, 2, token) + await _statuses(b, 2, token) == [200] * 4
    master, replica = redis_stack.redis_master, redis_stack.redis_replicas[0]
    assert master is not None
    # The limiter's keys name the credential's digest, never the credential.
    keys = str(command(master.port, "KEYS", "*ratelimit*"))
    assert hashlib.sha256(token["Authorization"].encode()).hexdigest() in keys
    assert token["Authorization"].removeprefix("Bearer ") not in keys

    master.kill()
    replica.kill()
    try:
        during = bearer("during-the-fault")
        for instance in (a, b):
            assert await _statuses(instance, LIMIT + 2, during) == [200] * LIMIT + [429] * 2
            assert instance.metric("spoke_rate_limit_fallback") == 1
            assert instance.metric("spoke_rate_limited_total", **{"class": "read"}) == 2
    finally:
        master.start()
        replica.start()

    async def shared_again() -> bool:
        await asyncio.sleep(0.2)
        await _statuses(a, 1, token)
        await _statuses(b, 1, token)
        return a.metric("spoke_rate_limit_fallback") == b.metric("spoke_rate_limit_fallback") == 0

    await poll(shared_again, within=30, what="the limiters to use Redis again")
    after = bearer("after-the-fault")
    remaining = []
    for instance in (a, b):
        response = await instance.client.get("/modules", headers=after)
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    # A new budget is decided exactly on each instance: b counts in the window a counted in.
    assert remaining == [LIMIT - 1, LIMIT - 2]
