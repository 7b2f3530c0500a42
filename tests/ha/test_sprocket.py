"""The Sprocket worker on the production stack: pushes become artifacts in object storage,
workers sharing one database never compile a job twice, and identical trees hit the cache.

Each "instance" here is an API-less runtime (``open_backends`` + ``build_services``) with
pools, queue and metrics of its own, on a database of the test's own.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from spoke.config import Settings
from spoke.devstack.stack import Stack
from spoke.runtime import build_services
from spoke.services.push import PushFile, PushRequest
from spoke.services.registry import Services
from spoke.services.visibility import EVERYTHING
from spoke.storage.factory import Backends, open_backends
from spoke.storage.queue import CompileJob, JobStatus
from spoke.telemetry.metrics import StorageMetrics
from tests.functional.support import PROTO_A
from tests.production import isolated_settings

pytestmark = pytest.mark.ha

LANGUAGES = ("descriptor_set", "python")
MODULE = "acme.a"


@dataclass
class Instance:
    backends: Backends
    services: Services
    registry: CollectorRegistry

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    def protoc_runs(self) -> float:
        return sum(self.metric("spoke_protoc_runs_total", language=x) for x in LANGUAGES)

    async def push(self, version: str, proto: str = PROTO_A) -> None:
        request = PushRequest(MODULE, version, [PushFile("acme/a/v1/a.proto", proto)])
        assert (await self.services.push.push(request, EVERYTHING)).created

    async def jobs(self, version: str) -> list[CompileJob]:
        _, jobs = await self.services.compile.jobs(MODULE, version, scope=EVERYTHING)
        return jobs


@asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[Instance]:
    """One registry instance without HTTP: its own backends, services and metrics."""
    registry = CollectorRegistry()
    backends = await open_backends(settings)
    try:
        services = await build_services(
            settings, backends, storage_metrics=StorageMetrics(registry), registry=registry
        )
        yield Instance(backends, services, registry)
    finally:
        await backends.close()


@asynccontextmanager
async def working(*instances: Instance, drain: float = 5.0) -> AsyncIterator[None]:
    """Each instance's Sprocket runs while the context is open."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(i.services.sprocket.run(stop, drain=drain)) for i in instances]
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)


async def all_succeeded(
    instance: Instance, versions: list[str], *, within: float = 60.0
) -> list[CompileJob]:
    """Every job of these versions, once all of them succeeded (failing on a failed one)."""
    deadline = time.monotonic() + within
    while True:
        jobs = [job for version in versions for job in await instance.jobs(version)]
        failed = [job for job in jobs if job.status is JobStatus.FAILED]
        assert not failed, failed
        if len(jobs) == len(versions) * len(LANGUAGES) and all(
            job.status is JobStatus.SUCCEEDED for job in jobs
        ):
            return jobs
        assert time.monotonic() < deadline, f"jobs did not succeed in time: {jobs}"
        await asyncio.sleep(0.1)


@pytest.fixture
async def settings(stack: Stack, tmp_path: Path) -> Settings:
    return await isolated_settings(
        stack, tmp_path, sprocket_languages=",".join(LANGUAGES), sprocket_poll=1.0
    )


async def instances(exits: AsyncExitStack, settings: Settings, count: int) -> list[Instance]:
    # One after another: each migrates the (shared) database on opening.
    return [await exits.enter_async_context(instance(settings)) for _ in range(count)]


async def test_a_push_on_one_instance_is_compiled_by_the_worker_of_another(
    settings: Settings,
) -> None:
    async with AsyncExitStack() as exits:
        api, worker = await instances(exits, settings, 2)
        async with working(worker):
            await api.push("v1.0.0")
            jobs = await all_succeeded(api, ["v1.0.0"])
        assert sorted(job.language for job in jobs) == sorted(LANGUAGES)
        for job in jobs:
            assert job.artifact is not None
            assert (job.attempts, job.grpc, job.error) == (1, False, None)
            pattern = rf"modules/{MODULE}/v1\.0\.0/compiled/{job.language}/[0-9a-f]{{64}}\.zip"
            assert re.fullmatch(pattern, job.artifact.object_key), job.artifact.object_key
            assert await api.backends.blobs.exists(job.artifact.object_key)
            assert job.artifact.digest == "sha256:" + job.artifact.object_key[-68:-4]
            stored = await api.services.compile.artifact_bytes(job.artifact)
            assert len(stored) == job.artifact.size
            assert stored[:2] == b"PK"  # a zip archive
        assert worker.services.sprocket.completed == len(LANGUAGES)
        assert worker.protoc_runs() == len(LANGUAGES)
        assert api.protoc_runs() == 0


async def test_two_workers_never_compile_one_job_twice(settings: Settings) -> None:
    versions = [f"v1.{i}.0" for i in range(4)]
    async with AsyncExitStack() as exits:
        first, second = await instances(exits, settings, 2)
        for i, version in enumerate(versions):  # different trees: no cache hits
            await first.push(version, PROTO_A + f"// revision {i}\n")
        async with working(first, second):
            jobs = await all_succeeded(first, versions)
        assert len(jobs) == 8
        assert [job.attempts for job in jobs] == [1] * 8
        assert len({job.artifact.cache_key for job in jobs if job.artifact}) == 8
        assert first.protoc_runs() + second.protoc_runs() == 8
        for language in LANGUAGES:
            assert sum(
                i.metric("spoke_compile_jobs_total", language=language, result="succeeded")
                for i in (first, second)
            ) == len(versions)
        done = (first.services.sprocket.completed, second.services.sprocket.completed)
        assert sum(done) == 8
        # Both start with 8 due jobs; SKIP LOCKED hands their first claims different jobs.
        assert min(done) > 0, done


async def test_an_identical_tree_is_served_from_the_compile_cache(settings: Settings) -> None:
    async with AsyncExitStack() as exits:
        (registry,) = await instances(exits, settings, 1)
        async with working(registry):
            await registry.push("v1.0.0")
            original = await all_succeeded(registry, ["v1.0.0"])
            runs = registry.protoc_runs()
            assert runs == len(LANGUAGES)

            await registry.push("v1.0.1")  # the same files again
            cached = await all_succeeded(registry, ["v1.0.1"])
        assert registry.protoc_runs() == runs
        for language in LANGUAGES:
            labels: dict[str, Any] = {"language": language}
            assert registry.metric("spoke_compile_jobs_total", **labels, result="cached") == 1
            assert registry.metric("spoke_compile_jobs_total", **labels, result="succeeded") == 1
        by_language = {job.language: job.artifact for job in original}
        for job in cached:
            assert job.artifact is not None
            assert job.artifact == by_language[job.language]  # the first version's archive
            assert await registry.backends.blobs.exists(job.artifact.object_key)
