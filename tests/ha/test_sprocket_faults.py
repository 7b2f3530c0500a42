"""The Sprocket worker when things stop: a worker process killed mid-compile loses the job
to another worker once its lease lapses; a worker asked to stop gives its job back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from spoke.compile.protoc import locate_protoc
from spoke.devstack.stack import Stack
from spoke.storage.queue import CompileJob, JobSpec, JobStatus
from tests.ha.test_sprocket import MODULE, Instance, instance, working
from tests.production import as_environment, isolated_settings

pytestmark = pytest.mark.ha

SPEC = JobSpec(MODULE, "v1.0.0", "python", False)
IN_PROCESS = f"{socket.gethostname()}:{os.getpid()}:"  # how this process's worker ids start


@pytest.fixture
def slow_protoc(tmp_path: Path) -> Iterator[Path]:
    """protoc that answers ``--version`` at once but takes a minute to compile anything.
    Compiles still sleeping when the test ends are killed (by the ids they wrote down)."""
    pids = tmp_path / "slow-protoc.pids"
    wrapper = tmp_path / "slow-protoc"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then exec {locate_protoc()} "$@"; fi\n'
        "sleep 60 &\n"
        f'echo "$$ $!" >> {pids}\n'
        "wait $!\n"
        f'exec {locate_protoc()} "$@"\n'
    )
    wrapper.chmod(0o755)
    try:
        yield wrapper
    finally:
        for pid in pids.read_text().split() if pids.exists() else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


async def job_when(
    registry: Instance, check: Callable[[CompileJob], bool], *, within: float, what: str
) -> CompileJob:
    deadline = time.monotonic() + within
    while True:
        job = await registry.runtime.services.compile.job(MODULE, "v1.0.0", "python", False)
        if job is not None and check(job):
            return job
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {job}"
        await asyncio.sleep(0.1)


async def test_a_killed_worker_loses_its_job_to_another_after_the_lease(
    stack: Stack, tmp_path: Path, slow_protoc: Path
) -> None:
    settings = await isolated_settings(
        stack, tmp_path, sprocket_languages="python", compile_lease=2.0, sprocket_poll=0.5
    )
    env = {
        **os.environ,
        **as_environment(settings),
        "SPOKE_PROTOC": str(slow_protoc),
        "SPOKE_COMPILE_LEASE": "2",
        "SPOKE_SPROCKET_LANGUAGES": "python",
        "SPOKE_SPROCKET_POLL": "0.5",
    }
    log = tmp_path / "sprocket.log"
    async with instance(settings) as registry:
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "spoke",
                "sprocket",
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        try:
            await registry.push("v1.0.0")  # enqueues python; this instance's worker is idle
            taken = await job_when(
                registry,
                lambda job: job.status is JobStatus.RUNNING,
                within=60,
                what="the worker process to claim the job",
            )
            assert taken.worker is not None, log.read_text()
            assert taken.worker.split(":")[1] == str(process.pid)  # not this process's
            assert taken.attempts == 1
            os.killpg(process.pid, signal.SIGKILL)  # with its slow protoc
            await process.wait()

            async with working(registry):
                done = await job_when(
                    registry,
                    lambda job: job.status is not JobStatus.RUNNING,
                    within=30,
                    what="this process's worker to compile the job",
                )
            assert done.status is JobStatus.SUCCEEDED, done
            assert done.attempts == 2
            assert done.worker is not None and done.worker.startswith(IN_PROCESS)
            assert registry.runtime.sprocket.completed == 1
            assert done.artifact is not None
            assert await registry.backends.blobs.exists(done.artifact.object_key)
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


async def test_a_stopped_worker_gives_its_job_back(
    stack: Stack, tmp_path: Path, slow_protoc: Path
) -> None:
    settings = await isolated_settings(stack, tmp_path, sprocket_languages="python")
    slow = settings.model_copy(update={"protoc": str(slow_protoc)})
    # The push validates with protoc: it goes through an instance with the real one.
    async with instance(settings) as api, instance(slow) as worker:
        await api.push("v1.0.0")
        stop = asyncio.Event()
        running = asyncio.create_task(worker.runtime.sprocket.run(stop, drain=0.2))
        try:
            taken = await job_when(
                api,
                lambda job: job.status is JobStatus.RUNNING,
                within=30,
                what="the worker to claim the job",
            )
            assert taken.attempts == 1
            started = time.monotonic()
            stop.set()
            await asyncio.wait_for(asyncio.shield(running), 10)
            assert time.monotonic() - started < 5
        finally:
            stop.set()
            await running
        job = await api.backends.queue.get(SPEC)
        assert job is not None
        assert (job.status, job.attempts, job.worker) == (JobStatus.PENDING, 0, None)
        assert worker.runtime.sprocket.completed == 0
