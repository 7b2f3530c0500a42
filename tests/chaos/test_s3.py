"""Scenarios 6 and 7: object storage stops, or hangs. Metadata reads carry on from the
database; what needs the bytes (file reads, pushes) answers 503 with the JSON error shape,
within the S3 timeout when S3 hangs; readiness reports it; all works again once S3 is back.
"""

from __future__ import annotations

import time

import pytest

from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, metric, poll, readiness
from tests.chaos.load import METADATA_READS, READS, SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos

S3_TIMEOUT = 2.0
# A request that needs a hung S3 waits one request timeout, retried within 3 s.
BOUND = S3_TIMEOUT + 3.0 + 2.0
CLUSTER_SETTINGS = {"SPOKE_S3_TIMEOUT": str(S3_TIMEOUT)}


def assert_only_byte_requests_failed(load: SteadyLoad, since: float) -> list[str]:
    failed = load.failures(since)
    assert load.failures(since, METADATA_READS) == [], "a metadata read failed"
    codes = {(o.kind, o.status, o.error) for o in failed}
    assert {(status, error) for _, status, error in codes} <= {(503, "blob_store_unavailable")}, (
        codes
    )
    return sorted({kind for kind, _, _ in codes})


def degraded(ops_url: str) -> bool:
    status, body = readiness(ops_url)
    return (
        status == 200
        and body.get("status") == "degraded"
        and body["checks"]["blobs"] == "timed out"
        and metric(ops_url, "spoke_backend_up", backend="blobs") == 0
    )


def test_s3_stopped_then_restarted(cluster: Cluster, load: SteadyLoad) -> None:
    s3 = cluster.stack.s3
    assert s3 is not None
    fault = time.monotonic()
    s3.stop()
    try:
        poll(lambda: len(load.failures(fault, ("push",))) >= 3, within=30, what="pushes to fail")
        poll(
            lambda: len(load.successes(time.monotonic() - 1, METADATA_READS)) >= 20,
            within=30,
            what="metadata reads while S3 is down",
        )
    finally:
        restarted = time.monotonic()
        s3.start()
    back = load.wait_for_success(("push", *READS), since=restarted, within=30)
    kinds = assert_only_byte_requests_failed(load, fault)
    settled = time.monotonic()
    poll(lambda: len(load.successes(settled)) >= 30, within=30, what="traffic after restart")
    assert load.failures(settled) == []
    record(
        "6. S3 stopped",
        "metadata reads work; file reads and pushes 503 (blob_store_unavailable); all "
        "works once back",
        f"{len(load.failures(fault))} failed ({', '.join(kinds)}; all 503), metadata reads "
        f"0 failed; back {back - restarted:.1f} s after restart",
        load,
        fault,
        back - restarted,
    )
    finish(cluster, load)


def test_s3_hung(cluster: Cluster, load: SteadyLoad) -> None:
    """SIGSTOP: S3 keeps its sockets open but never answers, as behind a partition."""
    s3 = cluster.stack.s3
    assert s3 is not None
    fault = time.monotonic()
    s3.pause()
    try:
        poll(
            # Every instance still takes traffic (metadata reads work), and says why not all.
            lambda: all(degraded(i.ops_url) for i in cluster.instances),
            within=30,
            what="readiness to report S3",
        )
        poll(lambda: len(load.failures(fault, ("push",))) >= 2, within=30, what="pushes to fail")
    finally:
        resumed = time.monotonic()
        s3.resume()
    poll(
        lambda: all(readiness(i.ops_url)[1].get("status") == "ok" for i in cluster.instances),
        within=30,
        what="readiness back",
    )
    back = load.wait_for_success(("push", *READS), since=resumed, within=30)
    kinds = assert_only_byte_requests_failed(load, fault)
    slowest = max(o.seconds for o in load.since(fault))
    assert slowest < BOUND, f"a request took {slowest:.1f} s with S3 hung"
    record(
        "7a. S3 hung (SIGSTOP: connections open, no answers)",
        f"metadata reads work; byte requests 503 within the S3 timeout ({S3_TIMEOUT:g} s "
        "+ retries); readiness degraded (still 200), spoke_backend_up{blobs} 0",
        f"{len(load.failures(fault))} failed ({', '.join(kinds)}; all 503), slowest request "
        f"{slowest:.1f} s; readiness degraded on all; back {back - resumed:.1f} s after SIGCONT",
        load,
        fault,
        back - resumed,
    )
    finish(cluster, load)
