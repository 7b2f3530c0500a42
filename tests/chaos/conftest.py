"""The chaos suite: each module gets an HA cluster of its own (nginx, three instances, a
Sprocket worker, PostgreSQL primary + two replicas, Redis + Sentinels, S3) and runs a
steady load through the balancer while a test injects one fault."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from spoke.devstack.cluster import Cluster, running_cluster
from tests.chaos.integrity import missing_or_wrong
from tests.chaos.load import SteadyLoad
from tests.chaos.report import ROWS, table

# No request may take longer: the slowest bounded wait in the cluster's settings (an S3
# request, 5 s, retried within 3 s; a PostgreSQL statement, 10 s) plus a margin.
HANG_LIMIT = 20.0
WARM_UP_VERSIONS = 5


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    """The module's cluster; ``CLUSTER_SETTINGS`` in a module adds settings (a mapping, or
    a function of a scratch directory returning one)."""
    workdir = tmp_path_factory.mktemp("cluster")
    extra = getattr(request.module, "CLUSTER_SETTINGS", None)
    if callable(extra):
        extra = extra(workdir / "scratch")
    with running_cluster(workdir, extra=extra) as started:
        yield started


@pytest.fixture
def load(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[SteadyLoad]:
    """The steady load, warmed up (a few versions acknowledged, reads flowing)."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.removeprefix("test_").lower())
    steady = SteadyLoad(cluster.url, f"chaos.{name[:40].strip('-')}")
    steady.start()
    try:
        poll(
            lambda: len(steady.acknowledged) >= WARM_UP_VERSIONS,
            within=60,
            what="the load to warm up",
        )
        assert steady.failures() == [], "requests failed before any fault"
        yield steady
    finally:
        steady.stop()


def finish(cluster: Cluster, load: SteadyLoad) -> None:
    """Stop the load, then check what every scenario promises: every acknowledged push is
    intact in the database and object storage, and no request hung."""
    load.stop()
    problems = asyncio.run(missing_or_wrong(cluster.env(), load.module, load.acknowledged))
    assert problems == [], f"acknowledged pushes lost or damaged: {problems[:20]}"
    assert load.slowest() < HANG_LIMIT, f"a request took {load.slowest():.1f} s"


def poll(check: Callable[[], bool], *, within: float, what: str, interval: float = 0.1) -> None:
    """Call ``check`` until it returns true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        time.sleep(interval)


def metric(ops_url: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples matching ``labels`` on one process's /metrics."""
    text = httpx.get(f"{ops_url}/metrics", timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def readiness(ops_url: str) -> tuple[int, dict[str, Any]]:
    """/health/ready's status code and body (0 and {} when nothing answered)."""
    try:
        response = httpx.get(f"{ops_url}/health/ready", timeout=5)
    except httpx.HTTPError:
        return 0, {}
    body: dict[str, Any] = response.json()
    return response.status_code, body


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    report = table(ROWS)
    terminalreporter.section("chaos report")
    terminalreporter.write(report)
    target = os.environ.get("SPOKE_CHAOS_REPORT")
    if target:
        Path(target).write_text(report)
