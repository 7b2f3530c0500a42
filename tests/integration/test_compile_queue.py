"""The ``CompileQueue`` contract on SQLite and PostgreSQL: idempotent enqueue, leased
claims, endings only by the holder, retries, releases, lost workers, contention, wake-ups."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from spoke.storage.factory import open_database
from spoke.storage.metadata.sql import SqlMetadataStore
from spoke.storage.queue import Artifact, CompileJob, JobSpec, JobStatus
from spoke.storage.queue.sql import SqlCompileQueue
from spoke.storage.sql import Database
from tests.integration.builders import new_version
from tests.production import isolated_settings

LONG = 30.0  # a lease that never lapses during a test
SHORT = 0.2  # a lease that lapses while the test polls
ARTIFACT = Artifact("k" * 64, "modules/acme.q/v1.0.0/compiled/python/ab.zip", "sha256:ab", 3)


@dataclass
class Backend:
    store: SqlMetadataStore
    queue: SqlCompileQueue
    open_database: Callable[[], Database]
    postgres: bool
    others: list[tuple[SqlMetadataStore, SqlCompileQueue]] = field(default_factory=list)

    def another(self) -> SqlCompileQueue:
        """The queue of another instance: its own pool on the same database."""
        database = self.open_database()
        queue = SqlCompileQueue(database)
        self.others.append((SqlMetadataStore(database), queue))
        return queue

    async def version(self, module: str = "acme.q", version: str = "v1.0.0") -> None:
        await self.store.create_version(new_version(module, version))


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":

        def open_db() -> Database:
            return Database.sqlite(tmp_path / "spoke.db")

    else:
        settings = await isolated_settings(request.getfixturevalue("stack"), tmp_path)

        def open_db() -> Database:
            return open_database(settings)

    database = open_db()
    store, queue = SqlMetadataStore(database), SqlCompileQueue(database)
    backend = Backend(store, queue, open_db, postgres=database.dialect == "postgresql")
    try:
        await store.migrate()
        yield backend
    finally:
        for other_store, other_queue in [(store, queue), *backend.others]:
            await other_queue.close()
            await other_store.close()


def spec(version: str = "v1.0.0", language: str = "python") -> JobSpec:
    return JobSpec("acme.q", version, language, False)


async def get(backend: Backend, job: JobSpec) -> CompileJob:
    found = await backend.queue.get(job)
    assert found is not None
    return found


async def enqueued(backend: Backend, *, max_attempts: int = 3) -> None:
    """acme.q@v1.0.0 with its python job pending."""
    await backend.version()
    await backend.queue.enqueue([spec()], max_attempts=max_attempts)


async def claim(queue: SqlCompileQueue, worker: str, *, lease: float = LONG) -> CompileJob:
    job = await queue.claim(worker, lease=lease)
    assert job is not None
    return job


async def claim_when_due(queue: SqlCompileQueue, worker: str, *, lease: float) -> CompileJob:
    """Claim again and again until a job is due (failing after 10 s)."""
    deadline = time.monotonic() + 10
    while (job := await queue.claim(worker, lease=lease)) is None:
        assert time.monotonic() < deadline, "no job became due"
        await asyncio.sleep(0.02)
    return job


async def test_enqueue_is_idempotent(backend: Backend) -> None:
    await backend.version()
    await backend.queue.enqueue([spec(), spec()], max_attempts=3)
    await backend.queue.enqueue([spec()], max_attempts=5)
    jobs = await backend.queue.for_version("acme.q", "v1.0.0")
    assert len(jobs) == 1
    (job,) = jobs
    assert (job.status, job.attempts, job.max_attempts) == (JobStatus.PENDING, 0, 3)
    assert (job.worker, job.artifact, job.error) == (None, None, None)
    assert await backend.queue.pending_count() == 1


async def test_enqueue_of_many_languages_and_versions_at_once(backend: Backend) -> None:
    # A push enqueues every language of its version in one statement; one call may mix
    # versions, repeat a spec, name a version that is not stored, or a job queued before.
    await backend.version()
    await backend.version(version="v1.1.0")
    await backend.queue.enqueue([spec(language="go")], max_attempts=9)
    languages = ["python", "go", "java", "cpp", "ruby"]
    await backend.queue.enqueue(
        [
            *(spec(language=lang) for lang in languages),
            spec("v1.1.0", "python"),
            spec("v1.1.0", "python"),
            spec("v9.0.0", "python"),
        ],
        max_attempts=3,
    )
    jobs = await backend.queue.for_version("acme.q", "v1.0.0")
    assert sorted(job.language for job in jobs) == sorted(languages)
    assert {job.language: job.max_attempts for job in jobs}["go"] == 9  # kept as it was
    assert all(job.status is JobStatus.PENDING for job in jobs)
    assert [job.language for job in await backend.queue.for_version("acme.q", "v1.1.0")] == [
        "python"
    ]
    assert await backend.queue.get(spec("v9.0.0")) is None
    assert await backend.queue.pending_count() == len(languages) + 1


async def test_enqueue_for_a_missing_version_does_nothing(backend: Backend) -> None:
    await backend.queue.enqueue([spec("v9.0.0")], max_attempts=3)
    assert await backend.queue.get(spec("v9.0.0")) is None
    assert await backend.queue.pending_count() == 0
    assert await backend.queue.claim("w1", lease=LONG) is None


async def test_a_claim_holds_the_job_while_its_lease_lives(backend: Backend) -> None:
    await enqueued(backend)
    job = await claim(backend.queue, "w1")
    assert (job.status, job.attempts, job.worker) == (JobStatus.RUNNING, 1, "w1")
    assert await backend.queue.claim("w2", lease=LONG) is None
    assert await backend.another().claim("w3", lease=LONG) is None
    assert await backend.queue.renew(job.id, "w1", lease=LONG)
    assert (await get(backend, spec())).worker == "w1"


async def test_a_lapsed_lease_is_claimed_again_and_the_old_holder_is_ignored(
    backend: Backend,
) -> None:
    await enqueued(backend)
    first = await claim(backend.queue, "w1", lease=SHORT)
    second = await claim_when_due(backend.queue, "w2", lease=LONG)
    assert (second.id, second.attempts, second.worker) == (first.id, 2, "w2")

    # w1 no longer holds the job: its renewals and endings change nothing.
    assert not await backend.queue.renew(first.id, "w1", lease=LONG)
    await backend.queue.save_artifact(ARTIFACT)
    await backend.queue.succeed(first.id, "w1", ARTIFACT, duration_ms=5)
    await backend.queue.fail(first.id, "w1", "boom", retry_at=None)
    await backend.queue.release(first.id, "w1")
    job = await get(backend, spec())
    assert (job.status, job.attempts, job.worker) == (JobStatus.RUNNING, 2, "w2")
    assert (job.artifact, job.error) == (None, None)


async def test_succeed_records_the_artifact(backend: Backend) -> None:
    await enqueued(backend)
    assert await backend.queue.find_artifact(ARTIFACT.cache_key) is None
    assert await backend.queue.save_artifact(ARTIFACT) == ARTIFACT
    rival = Artifact(ARTIFACT.cache_key, "modules/other.zip", "sha256:cd", 9)
    assert await backend.queue.save_artifact(rival) == ARTIFACT  # the first one stays
    assert await backend.queue.find_artifact(ARTIFACT.cache_key) == ARTIFACT

    job = await claim(backend.queue, "w1")
    await backend.queue.succeed(job.id, "w1", ARTIFACT, duration_ms=42)
    done = await get(backend, spec())
    assert (done.status, done.artifact, done.duration_ms) == (JobStatus.SUCCEEDED, ARTIFACT, 42)
    assert (done.attempts, done.error) == (1, None)
    assert await backend.queue.claim("w2", lease=LONG) is None
    assert not await backend.queue.renew(job.id, "w1", lease=LONG)
    assert await backend.queue.pending_count() == 0


async def test_a_failure_with_retry_at_is_pending_but_not_due_until_then(backend: Backend) -> None:
    await enqueued(backend)
    job = await claim(backend.queue, "w1")
    retry_at = datetime.now(UTC) + timedelta(seconds=0.5)
    await backend.queue.fail(job.id, "w1", "storage down", retry_at=retry_at)
    failed = await get(backend, spec())
    assert (failed.status, failed.error, failed.attempts) == (JobStatus.PENDING, "storage down", 1)
    assert await backend.queue.claim("w2", lease=LONG) is None
    assert await backend.queue.pending_count() == 1
    again = await claim_when_due(backend.queue, "w2", lease=LONG)
    assert datetime.now(UTC) >= retry_at
    assert (again.id, again.attempts, again.worker) == (job.id, 2, "w2")


async def test_a_failure_without_retry_at_is_final(backend: Backend) -> None:
    await enqueued(backend)
    job = await claim(backend.queue, "w1")
    await backend.queue.fail(job.id, "w1", "syntax error", retry_at=None)
    failed = await get(backend, spec())
    assert (failed.status, failed.error, failed.attempts) == (JobStatus.FAILED, "syntax error", 1)
    assert await backend.queue.claim("w2", lease=LONG) is None
    assert await backend.queue.pending_count() == 0


async def test_release_gives_the_job_back_at_once(backend: Backend) -> None:
    await enqueued(backend)
    job = await claim(backend.queue, "w1")
    await backend.queue.release(job.id, "w1")
    released = await get(backend, spec())
    assert (released.status, released.attempts, released.worker) == (JobStatus.PENDING, 0, None)
    again = await claim(backend.another(), "w2")
    assert (again.id, again.attempts, again.worker) == (job.id, 1, "w2")


async def test_a_job_whose_last_worker_was_lost_fails(backend: Backend) -> None:
    await enqueued(backend, max_attempts=2)
    await claim(backend.queue, "w1", lease=SHORT)
    assert (await claim_when_due(backend.queue, "w2", lease=SHORT)).attempts == 2  # the last
    deadline = time.monotonic() + 10
    while (job := await get(backend, spec())).status is JobStatus.RUNNING:
        assert await backend.queue.claim("w3", lease=LONG) is None  # never a third attempt
        assert time.monotonic() < deadline, "the job was not failed"
        await asyncio.sleep(0.02)
    assert job.status is JobStatus.FAILED
    assert (job.error, job.attempts) == ("the worker was lost", 2)


async def test_claim_spec(backend: Backend) -> None:
    await backend.version()
    assert await backend.queue.claim_spec(spec("v9.0.0"), "w1", lease=LONG, max_attempts=3) is None
    job = await backend.queue.claim_spec(spec(), "w1", lease=LONG, max_attempts=3)
    assert job is not None  # created and claimed in one go
    assert (job.status, job.attempts, job.worker) == (JobStatus.RUNNING, 1, "w1")
    assert await backend.queue.claim_spec(spec(), "w2", lease=LONG, max_attempts=3) is None

    await backend.queue.fail(job.id, "w1", "syntax error", retry_at=None)
    again = await backend.queue.claim_spec(spec(), "w2", lease=LONG, max_attempts=3)
    assert again is not None  # on demand, a failed job runs again
    assert (again.id, again.status, again.attempts, again.worker) == (
        job.id,
        JobStatus.RUNNING,
        2,
        "w2",
    )
    await backend.queue.save_artifact(ARTIFACT)
    await backend.queue.succeed(again.id, "w2", ARTIFACT, duration_ms=1)
    assert await backend.queue.claim_spec(spec(), "w3", lease=LONG, max_attempts=3) is None


async def test_concurrent_claimers_take_every_job_exactly_once(backend: Backend) -> None:
    languages = ["python", "go", "java", "descriptor_set"]
    for minor in range(5):
        await backend.version(version=f"v1.{minor}.0")
    specs = [spec(f"v1.{m}.0", language) for m in range(5) for language in languages]
    await backend.queue.enqueue(specs, max_attempts=3)
    await backend.queue.save_artifact(ARTIFACT)
    claims: Counter[int] = Counter()

    async def claimer(name: str) -> None:
        # On PostgreSQL every claimer has its own engine: they contend in the database.
        queue = backend.another() if backend.postgres else backend.queue
        while (job := await queue.claim(name, lease=LONG)) is not None:
            claims[job.id] += 1
            await queue.succeed(job.id, name, ARTIFACT, duration_ms=1)

    await asyncio.gather(*(claimer(f"w{i}") for i in range(4)))
    ids = {(await get(backend, s)).id for s in specs}
    assert len(ids) == 20
    assert set(claims) == ids
    assert set(claims.values()) == {1}
    assert await backend.queue.pending_count() == 0


async def test_pending_count_counts_pending_and_running_jobs(backend: Backend) -> None:
    await backend.version()
    await backend.queue.enqueue(
        [spec(language=x) for x in ("go", "java", "python")], max_attempts=3
    )
    assert await backend.queue.pending_count() == 3
    first, second = await claim(backend.queue, "w1"), await claim(backend.queue, "w1")
    assert await backend.queue.pending_count() == 3
    await backend.queue.save_artifact(ARTIFACT)
    await backend.queue.succeed(first.id, "w1", ARTIFACT, duration_ms=1)
    assert await backend.queue.pending_count() == 2
    await backend.queue.fail(second.id, "w1", "bad", retry_at=None)
    assert await backend.queue.pending_count() == 1


async def test_enqueue_wakes_a_waiter_on_the_same_queue(backend: Backend) -> None:
    await enqueued(backend)
    started = time.monotonic()
    await backend.queue.wait_for_work(10)
    assert time.monotonic() - started < 2


async def test_wait_for_work_across_instances(backend: Backend) -> None:
    """PostgreSQL: another instance's enqueue wakes the waiter (LISTEN/NOTIFY).
    SQLite: nothing wakes it; it returns when its time is up and the worker polls."""
    await backend.version()
    await backend.queue.wait_for_work(0.01)  # starts LISTENing on PostgreSQL
    waiting = asyncio.create_task(backend.queue.wait_for_work(10 if backend.postgres else 0.3))
    started = time.monotonic()
    await backend.another().enqueue([spec()], max_attempts=3)
    await waiting
    elapsed = time.monotonic() - started
    if backend.postgres:
        assert elapsed < 2
    else:
        assert elapsed >= 0.25
