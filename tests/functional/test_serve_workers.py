"""``spoke serve --workers N`` as real processes on the production stack: the workers share
one socket and the backends, the supervisor reports their metrics summed and their health,
replaces a worker that dies, and shuts all of them down in the phases of one process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spoke.devstack.stack import Stack
from tests.functional.live_server import Server, running_server
from tests.functional.test_graceful_shutdown import (
    DEADLINE,
    SHUTTING_DOWN,
    exit_status,
    hold_a_push,
    in_flight,
    until,
)
from tests.production import as_environment, isolated_settings

pytestmark = pytest.mark.e2e


def workers_of(server: Server) -> set[int]:
    """The pids of the supervisor's worker processes (its spawned children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = re.search(r"^PPid:\s+(\d+)$", status, re.MULTILINE)
        if parent and int(parent.group(1)) == server.process.pid and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


@pytest.fixture
async def server(stack: Stack, tmp_path: Path) -> Iterator[Server]:
    settings = await isolated_settings(stack, tmp_path)
    environment = as_environment(settings) | {"SPOKE_WORKERS": "2", "SPOKE_SHUTDOWN_DELAY": "2"}
    with running_server(tmp_path, environment) as started:
        yield started


def sample(text: str, series: str) -> float:
    """The value of one series in a Prometheus exposition."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {series} in:\n{text}")


async def test_two_workers_serve_one_port_and_report_through_the_supervisor(
    server: Server,
) -> None:
    assert len(workers_of(server)) == 2
    async with httpx.AsyncClient(timeout=DEADLINE) as client:
        ready = (await client.get(f"{server.ops}/health/ready")).json()
        assert ready["status"] == "ok" and ready["checks"]["workers"] == "ok"
        # New connections spread over the workers; every answer is counted once.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=DEADLINE, limits=limits) as fresh:
            for _ in range(40):
                assert (await fresh.get(f"{server.api}/modules")).status_code == 200
        scraped = (await client.get(f"{server.ops}/metrics")).text
        answered = 'spoke_http_requests_total{method="GET",route="/modules",status="200"}'
        assert sample(scraped, answered) == 40
        assert sample(scraped, "spoke_http_requests_in_flight") == 0  # summed, not per pid


async def test_a_worker_that_dies_is_replaced(server: Server) -> None:
    before = workers_of(server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    async with httpx.AsyncClient(timeout=5) as client:

        async def replaced() -> bool:
            now = workers_of(server)
            ready = await client.get(f"{server.ops}/health/ready")
            return len(now) == 2 and victim not in now and ready.status_code == 200

        await until("a new worker serves", replaced, DEADLINE)
        assert (await client.get(f"{server.api}/modules")).status_code == 200


async def test_sigterm_fails_readiness_then_drains_every_worker(server: Server) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=5, limits=limits) as fresh:
        push = await hold_a_push(fresh, server)
        assert await in_flight(fresh, server) == 1  # summed over the workers
        workers = workers_of(server)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)

        async def not_ready() -> bool:
            return (await fresh.get(f"{server.ops}/health/ready")).status_code == 503

        await until("readiness fails", not_ready, DEADLINE)
        assert (await fresh.get(f"{server.ops}/health/ready")).json() == SHUTTING_DOWN
        if time.monotonic() - signalled < 1.5:  # during the delay the API still serves
            assert (await fresh.get(f"{server.api}/modules")).status_code == 200
        push.release()
        response = await push.task
        assert response.status_code == 201, response.text
    assert await exit_status(server, DEADLINE) == 0, server.log.read_text()
    assert not workers & running(workers)  # no worker outlives the supervisor


def running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.add(pid)
    return alive


def test_several_workers_need_redis(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOKE_")}
    done = subprocess.run(
        [sys.executable, "-m", "spoke", "serve", "--workers", "2"],
        env=env | {"SPOKE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "SPOKE_WORKERS=2 needs SPOKE_REDIS_URL" in done.stdout + done.stderr
