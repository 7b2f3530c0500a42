"""Scenarios 1 and 2: instances die. nginx retries what was in flight on a dead instance
(pushes too: a push is idempotent), skips it while it is down and takes it back when it
returns; with every instance gone the service is down until they restart, and nothing
that was acknowledged is lost."""

from __future__ import annotations

import time

import pytest

from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, metric, poll
from tests.chaos.load import READS, SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos


def served(cluster: Cluster, index: int) -> float:
    return metric(cluster.instances[index].ops_url, "spoke_http_requests_total")


def test_one_instance_killed(cluster: Cluster, load: SteadyLoad) -> None:
    victim = cluster.instances[0]
    fault = time.monotonic()
    victim.kill()
    # The load carries on through the other two.
    poll(lambda: len(load.successes(fault + 1.0)) >= 50, within=30, what="traffic after kill")
    restarted = time.monotonic()
    victim.start()
    before = served(cluster, 0)
    # nginx retries it after fail_timeout (2 s): the instance serves load traffic again.
    poll(lambda: served(cluster, 0) >= before + 20, within=30, what="the instance to rejoin")
    rejoined = time.monotonic() - restarted
    failed = load.failures(fault)
    record(
        "1. one instance SIGKILLed",
        "no failed requests (nginx retries in-flight ones); it rejoins after restart",
        f"{len(failed)} failed; rejoined {rejoined:.1f} s after restart",
        load,
        fault,
        rejoined,
    )
    assert failed == [], failed[:10]
    finish(cluster, load)


def test_all_instances_killed_then_restarted(cluster: Cluster, load: SteadyLoad) -> None:
    fault = time.monotonic()
    for instance in cluster.instances:
        instance.kill()
    poll(lambda: len(load.failures(fault)) >= 10, within=30, what="requests to fail")
    restart = time.monotonic()
    for instance in cluster.instances:
        instance.start()
    back = load.wait_for_success(("push", *READS), since=restart, within=60)
    failures = load.failures(fault)
    # While nothing runs nginx answers 502 at once; nothing else may go wrong.
    assert {o.status for o in failures} <= {502}, {(o.status, o.error) for o in failures}
    # Once back, it stays back.
    settled = time.monotonic()
    poll(lambda: len(load.successes(settled)) >= 50, within=30, what="traffic after restart")
    assert load.failures(settled) == []
    record(
        "2. every instance SIGKILLed, then restarted",
        "502 while none runs; service returns on restart, nothing lost",
        f"{len(failures)} failed (all 502) during the outage; back "
        f"{back - restart:.1f} s after the restart began",
        load,
        fault,
        back - fault,
    )
    finish(cluster, load)
