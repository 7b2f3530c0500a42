"""The compile queue port: jobs (one per version, language and gRPC flag) and the cache
of artifacts they produce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Artifact:
    cache_key: str
    object_key: str
    digest: str
    size: int


@dataclass(frozen=True)
class CompileJob:
    id: int
    module: str
    version: str
    language: str
    grpc: bool
    status: JobStatus
    attempts: int
    max_attempts: int
    error: str | None
    artifact: Artifact | None
    duration_ms: int | None
    worker: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class JobSpec:
    module: str
    version: str
    language: str
    grpc: bool


class CompileQueue(Protocol):
    """Durable compile jobs, safe for any number of workers.

    A worker ``claim``s a due job under a lease; while it runs it ``renew``s the lease;
    it ends the job with ``succeed`` or ``fail``. A job whose lease passes (its worker
    died) is claimable again. Claims, renewals and endings are no-ops for a worker that
    no longer holds the job.
    """

    async def enqueue(self, specs: Sequence[JobSpec], *, max_attempts: int) -> None:
        """Add pending jobs (existing ones are left alone) and wake the workers."""
        ...

    async def get(self, spec: JobSpec) -> CompileJob | None: ...

    async def for_version(self, module: str, version: str) -> list[CompileJob]: ...

    async def claim(self, worker: str, *, lease: float) -> CompileJob | None:
        """The next due job (pending, or running with a lapsed lease), now running."""
        ...

    async def claim_spec(
        self, spec: JobSpec, worker: str, *, lease: float, max_attempts: int
    ) -> CompileJob | None:
        """Create the job if missing and claim it, unless it succeeded or another worker
        holds a live lease on it (then None)."""
        ...

    async def renew(self, job_id: int, worker: str, *, lease: float) -> bool: ...

    async def succeed(
        self, job_id: int, worker: str, artifact: Artifact, *, duration_ms: int
    ) -> None: ...

    async def fail(
        self, job_id: int, worker: str, error: str, *, retry_at: datetime | None
    ) -> None:
        """Failed for good (``retry_at`` None) or pending again from ``retry_at``."""
        ...

    async def release(self, job_id: int, worker: str) -> None:
        """Give a claimed job back (shutting down): pending again, this attempt not counted."""
        ...

    async def find_artifact(self, cache_key: str) -> Artifact | None: ...

    async def save_artifact(self, artifact: Artifact) -> Artifact:
        """Record an artifact; if one with this cache key exists, that one is returned."""
        ...

    async def wait_for_work(self, at_most: float) -> None:
        """Return when jobs may have been enqueued, or after ``at_most`` seconds."""
        ...

    async def pending_count(self) -> int: ...

    async def close(self) -> None: ...
