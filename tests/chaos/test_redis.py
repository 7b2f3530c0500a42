"""Scenario 5: the Redis master dies. Requests keep succeeding (the cache fails open, with
a short timeout and a circuit breaker; rate limits fall back to per instance), Sentinel
promotes the replica, and the instances follow it: the shared cache answers again."""

from __future__ import annotations

import time

import pytest

from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, metric, poll
from tests.chaos.load import SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos


def redis_hits(cluster: Cluster) -> float:
    return sum(
        metric(i.ops_url, "spoke_cache_requests_total", tier="redis", result="hit")
        for i in cluster.instances
    )


def test_the_redis_master_killed(cluster: Cluster, load: SteadyLoad) -> None:
    stack = cluster.stack
    old = stack.redis_master_address()
    killed = stack.redis_master
    assert killed is not None and killed.address == old
    fault = time.monotonic()
    killed.kill()
    try:
        poll(lambda: stack.redis_master_address() != old, within=30, what="Sentinel failover")
        promoted = time.monotonic()
        hits = redis_hits(cluster)
        poll(lambda: redis_hits(cluster) > hits + 10, within=30, what="the cache to answer")
        recovered = time.monotonic()
    finally:
        killed.start()  # the Sentinels make it a replica of the new master
    failed = load.failures(fault)
    record(
        "5. the Redis master SIGKILLed",
        "no failed requests (fail open); Sentinel promotes the replica; the cache answers again",
        f"{len(failed)} failed; promoted after {promoted - fault:.1f} s, cache hits again "
        f"{recovered - promoted:.1f} s later",
        load,
        fault,
        recovered - fault,
    )
    assert failed == [], failed[:10]
    finish(cluster, load)
