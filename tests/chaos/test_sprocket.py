"""Scenario 8: the Sprocket worker is SIGKILLed mid-compile. Its job's lease lapses and
another worker claims it and finishes it; the API never notices."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from spoke.compile.protoc import locate_protoc
from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, poll
from tests.chaos.load import SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos

LEASE = 3.0


def CLUSTER_SETTINGS(scratch: Path) -> dict[str, str]:
    """The first worker's protoc hangs on code generation (validation stays fast)."""
    scratch.mkdir(parents=True, exist_ok=True)
    slow = scratch / "slow-protoc"
    slow.write_text(
        "#!/bin/sh\n"
        # protoc's arguments come in a file (@args): hang when they ask for Python code.
        'if grep -q -- --python_out "${1#@}" 2>/dev/null; then\n'
        f"  echo $$ >> {scratch / 'slow.pids'}\n"
        "  sleep 120\n"
        "fi\n"
        f'exec {locate_protoc()} "$@"\n'
    )
    slow.chmod(0o755)
    return {"SPOKE_PROTOC": str(slow), "SPOKE_COMPILE_LEASE": str(LEASE)}


def compilations(cluster: Cluster, module: str, version: str) -> list[dict[str, Any]]:
    url = f"{cluster.url}/modules/{module}/versions/{version}/compilations"
    jobs: list[dict[str, Any]] = httpx.get(url, timeout=10).json()
    return jobs


def test_the_worker_killed_mid_compile(cluster: Cluster, load: SteadyLoad) -> None:
    pids = cluster.workdir / "scratch" / "slow.pids"
    poll(pids.exists, within=30, what="the first worker to start compiling")
    running: list[str] = []

    def find_running() -> bool:
        running[:] = [
            v
            for v in list(load.acknowledged)
            if any(j["status"] == "running" for j in compilations(cluster, load.module, v))
        ]
        return bool(running)

    poll(find_running, within=30, what="a running compile job")
    version = running[0]
    fault = time.monotonic()
    cluster.workers[0].kill()
    try:
        cluster.add_worker({"SPOKE_PROTOC": str(locate_protoc())})
        done: dict[str, Any] = {}

        def finished() -> bool:
            jobs = compilations(cluster, load.module, version)
            done.update(next((j for j in jobs if j["status"] == "succeeded"), {}))
            return bool(done)

        poll(finished, within=60, what="another worker to finish the job")
        recovered = time.monotonic() - fault
    finally:
        for pid in map(int, pids.read_text().split()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert done["attempts"] >= 2, done  # the killed worker's claim counted as one
    archive = httpx.get(cluster.url + done["artifact"]["download_url"], timeout=30)
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert any(name.endswith("_pb2.py") for name in names), names
    failed = load.failures(fault)
    record(
        "8. the Sprocket worker SIGKILLed mid-compile",
        f"the job finishes on another worker after its lease ({LEASE:g} s); no failed requests",
        f"finished by the second worker {recovered:.1f} s after the kill "
        f"(attempt {done['attempts']}); {len(failed)} failed",
        load,
        fault,
        recovered,
    )
    assert failed == [], failed[:10]
    finish(cluster, load)
