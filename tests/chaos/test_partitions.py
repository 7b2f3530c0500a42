"""Scenario 7, more dependencies: a PostgreSQL replica or the Redis master hangs (SIGSTOP:
connections stay open, nothing answers, as behind a partition). Timeouts bound what a
request waits; the hung server is routed around; nothing fails that did not need it."""

from __future__ import annotations

import time

import pytest

from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, metric, poll
from tests.chaos.load import SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos


def test_a_replica_hung(cluster: Cluster, load: SteadyLoad) -> None:
    replica = cluster.stack.postgres_replicas[0]
    address = f"{replica.host}:{replica.port}"
    fault = time.monotonic()
    replica.pause()
    try:
        poll(
            lambda: all(
                metric(i.ops_url, "spoke_db_replica_healthy", replica=address) == 0
                for i in cluster.instances
            ),
            within=60,
            what="the hung replica marked unhealthy",
        )
        detected = time.monotonic()
        poll(lambda: len(load.successes(detected)) >= 50, within=30, what="traffic")
    finally:
        resumed = time.monotonic()
        replica.resume()
    poll(
        lambda: all(
            metric(i.ops_url, "spoke_db_replica_healthy", replica=address) == 1
            for i in cluster.instances
        ),
        within=30,
        what="the replica used again",
    )
    failed = load.failures(fault)
    slowest = max(o.seconds for o in load.since(fault))
    record(
        "7b. a PostgreSQL replica hung (SIGSTOP)",
        "no failed requests; a read on it waits at most the replica timeout (2 s) + a "
        "reconnect (2 s), then the primary answers",
        f"{len(failed)} failed; slowest request {slowest:.1f} s; routed around after "
        f"{detected - fault:.1f} s; used again {time.monotonic() - resumed:.1f} s after SIGCONT",
        load,
        fault,
        detected - fault,
    )
    assert failed == [], failed[:10]
    assert slowest < 2.0 + 0.5 + 2.0 + 1.5, f"a read waited {slowest:.1f} s on a hung replica"
    finish(cluster, load)


def test_the_redis_master_hung(cluster: Cluster, load: SteadyLoad) -> None:
    stack = cluster.stack
    old = stack.redis_master_address()
    master = stack.redis_master
    assert master is not None and master.address == old
    fault = time.monotonic()
    master.pause()
    try:
        poll(lambda: stack.redis_master_address() != old, within=30, what="Sentinel failover")
        promoted = time.monotonic()
        poll(lambda: len(load.successes(promoted)) >= 50, within=30, what="traffic")
    finally:
        master.resume()  # it comes back as a replica of the new master
    failed = load.failures(fault)
    slowest = max(o.seconds for o in load.since(fault))
    record(
        "7c. the Redis master hung (SIGSTOP)",
        "no failed requests; each Redis call gives up after 0.25 s (then the breaker opens)",
        f"{len(failed)} failed; slowest request {slowest:.2f} s; Sentinel promoted the "
        f"replica after {promoted - fault:.1f} s",
        load,
        fault,
        promoted - fault,
    )
    assert failed == [], failed[:10]
    assert slowest < 2.0, f"a request waited {slowest:.2f} s on a hung Redis"
    finish(cluster, load)
