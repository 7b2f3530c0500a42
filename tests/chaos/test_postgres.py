"""Scenarios 3 and 4: PostgreSQL servers stop. A stopped replica costs nothing (reads fall
back to the primary, then return to it); a crashed primary makes writes answer 503 at once
while reads carry on from the replicas, until a replica is promoted and writes follow it
(one multi-host URL with ``target_session_attrs=read-write``) with no instance restarted.

The cluster commits synchronously to ANY 1 of the two replicas, so the crash loses no
acknowledged push. The primary's failover is the module's last test: it leaves the cluster
on the new primary.
"""

from __future__ import annotations

import time

import httpx
import pytest

from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, metric, poll
from tests.chaos.load import READS, SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos

FAST_503 = 2.0  # seconds: a write with no primary must fail this fast


def replica_healthy(cluster: Cluster, address: str, healthy: bool) -> bool:
    want = 1.0 if healthy else 0.0
    return all(
        metric(i.ops_url, "spoke_db_replica_healthy", replica=address) == want
        for i in cluster.instances
    )


def test_a_replica_stopped_then_restarted(cluster: Cluster, load: SteadyLoad) -> None:
    replica = cluster.stack.postgres_replicas[0]
    address = f"{replica.host}:{replica.port}"
    assert replica_healthy(cluster, address, True)
    fault = time.monotonic()
    replica.stop()
    poll(lambda: replica_healthy(cluster, address, False), within=30, what="replica unhealthy")
    poll(lambda: len(load.successes(time.monotonic() - 1)) >= 20, within=30, what="traffic")
    restarted = time.monotonic()
    replica.start()
    poll(lambda: replica_healthy(cluster, address, True), within=30, what="replica used again")
    recovery = time.monotonic() - restarted
    failed = load.failures(fault)
    record(
        "3. a PostgreSQL replica stopped",
        "no failed requests (reads fall back to the primary); used again once back",
        f"{len(failed)} failed; back in rotation {recovery:.1f} s after restart",
        load,
        fault,
        recovery,
    )
    assert failed == [], failed[:10]
    finish(cluster, load)


def test_the_primary_crashed_then_a_replica_promoted(cluster: Cluster, load: SteadyLoad) -> None:
    old = cluster.stack.postgres
    assert old is not None
    fault = time.monotonic()
    old.kill()  # a crash: commits are acknowledged only once a replica has them
    poll(lambda: len(load.failures(fault, ("push",))) >= 3, within=30, what="pushes to fail")
    # Reads carry on from the replicas meanwhile.
    outage = time.monotonic()
    poll(
        lambda: len(load.successes(outage, READS)) >= 50,
        within=30,
        what="reads during the outage",
    )
    # As a failover manager does: promote the replica that replayed furthest.
    new, other = sorted(cluster.stack.postgres_replicas, key=lambda r: -r.replay_position())
    promoted = time.monotonic()
    new.promote()
    back = load.wait_for_success(("push",), since=promoted, within=30)
    other.follow(new)

    failed = load.failures(fault)
    assert all(o.kind == "push" for o in failed), {(o.kind, o.status, o.error) for o in failed}
    assert {(o.status, o.error) for o in failed} == {(503, "metadata_unavailable")}
    slowest = max(o.seconds for o in failed)
    assert slowest < FAST_503, f"a write took {slowest:.2f} s to fail"
    # Writes resumed on the new primary, and the worker follows it too: a version pushed
    # now is compiled.
    settled = time.monotonic()
    poll(lambda: len(load.successes(settled, ("push",))) >= 3, within=30, what="pushes")
    assert load.failures(settled) == []
    version = max(load.acknowledged, key=lambda v: int(v.rsplit(".", 1)[1]))

    def compiled() -> bool:
        url = f"{cluster.url}/modules/{load.module}/versions/{version}/compilations"
        jobs = httpx.get(url, timeout=10).json()
        return any(job["status"] == "succeeded" for job in jobs)

    poll(compiled, within=60, what="the worker to compile on the new primary")
    record(
        "4. the PostgreSQL primary SIGKILLed; the furthest replica promoted",
        f"writes 503 within {FAST_503:.0f} s, reads unaffected; writes resume on the new "
        "primary with no restart",
        f"{len(failed)} pushes failed (503 metadata_unavailable, slowest {slowest:.2f} s), "
        f"0 reads failed; writes back {back - promoted:.2f} s after pg_promote",
        load,
        fault,
        back - promoted,
    )
    finish(cluster, load)
