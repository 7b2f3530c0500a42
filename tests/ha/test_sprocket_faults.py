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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from spoke.compile.protoc import locate_protoc
from spoke.devstack.stack import Stack
from spoke.services.visibility import EVERYTHING
from spoke.storage.queue import CompileJob, JobSpec, JobStatus
from tests.functional.live_server import free_port
from tests.ha.test_sprocket import MODULE, Instance, instance, working
from tests.production import as_environment, isolated_settings

pytestmark = pytest.mark.ha

SPEC = JobSpec(MODULE, "v1.0.0", "python", False)
IN_PROCESS = f"{socket.gethostname()}:{os.getpid()}:"  # how this process's worker ids start


@dataclass
class SlowProtoc:
    """protoc that answers ``--version`` at once but sleeps a minute before compiling.
    Each compile writes down its pid (the one protoc runs as) and its sleep's pid."""

    path: Path
    pids: Path

    def compiles(self) -> list[tuple[int, int]]:
        lines = self.pids.read_text().splitlines() if self.pids.exists() else []
        return [(int(shell), int(sleep)) for shell, sleep in map(str.split, lines)]

    async def kill_all(self) -> None:
        """Kill every compile still sleeping and wait until they are gone."""
        everything = [pid for pids in self.compiles() for pid in pids]
        for pid in everything:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(exists(pid) for pid in everything):
            assert time.monotonic() < deadline, "slow protoc processes did not go away"
            await asyncio.sleep(0.02)


@pytest.fixture
def slow_protoc(tmp_path: Path) -> SlowProtoc:
    slow = SlowProtoc(tmp_path / "slow-protoc", tmp_path / "slow-protoc.pids")
    real = locate_protoc()
    slow.path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then exec {real} "$@"; fi\n'
        # The sleep keeps none of protoc's pipes: killing this shell ends them.
        "sleep 60 </dev/null >/dev/null 2>&1 &\n"
        f'echo "$$ $!" >> {slow.pids}\n'
        "wait $!\n"
        f'exec {real} "$@"\n'
    )
    slow.path.chmod(0o755)
    return slow


def exists(pid: int) -> bool:
    """The process exists, maybe as a zombie."""
    return Path(f"/proc/{pid}").exists()


def running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def job_when(
    registry: Instance, check: Callable[[CompileJob], bool], *, within: float, what: str
) -> CompileJob:
    deadline = time.monotonic() + within
    while True:
        job = await registry.services.compile.job(
            MODULE, "v1.0.0", "python", False, scope=EVERYTHING
        )
        if job is not None and check(job):
            return job
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {job}"
        await asyncio.sleep(0.1)


async def test_a_killed_worker_loses_its_job_to_another_after_the_lease(
    stack: Stack, tmp_path: Path, slow_protoc: SlowProtoc
) -> None:
    settings = await isolated_settings(
        stack, tmp_path, sprocket_languages="python", compile_lease=2.0, sprocket_poll=0.5
    )
    env = {
        **os.environ,
        **as_environment(settings),
        "SPOKE_PROTOC": str(slow_protoc.path),
        "SPOKE_COMPILE_LEASE": "2",
        "SPOKE_SPROCKET_LANGUAGES": "python",
        "SPOKE_SPROCKET_POLL": "0.5",
        "SPOKE_HOST": "127.0.0.1",
        "SPOKE_HEALTH_PORT": str(ops_port := free_port()),
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
                lambda job: job.status is JobStatus.RUNNING and bool(slow_protoc.compiles()),
                within=60,
                what="the worker process to claim the job and start protoc",
            )
            assert taken.worker is not None, log.read_text()
            assert taken.worker.split(":")[1] == str(process.pid)  # not this process's
            assert taken.attempts == 1
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ops_port}") as ops:
                assert (await ops.get("/health/ready")).status_code == 200
                assert "spoke_compile_queue_depth 1.0" in (await ops.get("/metrics")).text
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
            assert registry.services.sprocket.completed == 1
            assert done.artifact is not None
            assert await registry.backends.blobs.exists(done.artifact.object_key)
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


@dataclass
class Stopped:
    job: CompileJob
    seconds: float  # from setting ``stop`` until ``run`` returned
    completed: int
    protoc_running: bool  # the released job's protoc, once ``run`` returned


async def stop_mid_compile(stack: Stack, tmp_path: Path, slow: SlowProtoc) -> Stopped:
    """A worker with a slow protoc claims a job and is stopped with drain=0.2 s."""
    settings = await isolated_settings(stack, tmp_path, sprocket_languages="python")
    # The push validates with protoc: it goes through an instance with the real one.
    async with (
        instance(settings) as api,
        instance(settings.model_copy(update={"protoc": str(slow.path)})) as worker,
    ):
        await api.push("v1.0.0")
        stop = asyncio.Event()
        task = asyncio.create_task(worker.services.sprocket.run(stop, drain=0.2))
        try:
            taken = await job_when(
                api,
                lambda job: job.status is JobStatus.RUNNING and bool(slow.compiles()),
                within=30,
                what="the worker to claim the job and start protoc",
            )
            assert taken.attempts == 1
            started = time.monotonic()
            stop.set()
            await asyncio.wait_for(asyncio.shield(task), 10)
            seconds = time.monotonic() - started
            ((protoc, _),) = slow.compiles()
            protoc_running = running(protoc)
        finally:
            stop.set()
            await task
            await slow.kill_all()  # before the loop closes: nothing is left to leak
        job = await api.backends.queue.get(SPEC)
        assert job is not None
        return Stopped(job, seconds, worker.services.sprocket.completed, protoc_running)


async def test_a_stopped_worker_gives_its_job_back(
    stack: Stack, tmp_path: Path, slow_protoc: SlowProtoc
) -> None:
    stopped = await stop_mid_compile(stack, tmp_path, slow_protoc)
    assert stopped.seconds < 5
    assert (stopped.job.status, stopped.job.attempts) == (JobStatus.PENDING, 0)
    assert (stopped.job.worker, stopped.job.error, stopped.job.artifact) == (None, None, None)
    assert stopped.completed == 0


async def test_a_stopped_worker_leaves_no_protoc_running(
    stack: Stack, tmp_path: Path, slow_protoc: SlowProtoc
) -> None:
    stopped = await stop_mid_compile(stack, tmp_path, slow_protoc)
    assert not stopped.protoc_running
