"""``CompileQueue`` in the metadata database: claims with ``FOR UPDATE SKIP LOCKED`` and
wake-ups by ``LISTEN/NOTIFY`` on PostgreSQL; on SQLite, whose writes are serialised, the
same statements are atomic and workers poll."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.storage.metadata import timestamps
from spoke.storage.metadata.tables import (
    artifacts,
    compile_jobs,
    modules,
    version_id_of,
    versions,
)
from spoke.storage.queue import Artifact, CompileJob, JobSpec, JobStatus
from spoke.storage.sql import Database

log = structlog.get_logger(__name__)
CHANNEL = "spoke_compile"


_COLUMNS = (
    compile_jobs,
    modules.c.name.label("module"),
    versions.c.version.label("version_name"),
    artifacts.c.object_key,
    artifacts.c.digest,
    artifacts.c.size,
)


def _select() -> sa.Select[Any]:
    return (
        sa.select(*_COLUMNS)
        .select_from(compile_jobs)
        .join(versions, versions.c.id == compile_jobs.c.version_id)
        .join(modules, modules.c.id == versions.c.module_id)
        .outerjoin(artifacts, artifacts.c.cache_key == compile_jobs.c.cache_key)
    )


def _job(row: sa.Row[Any]) -> CompileJob:
    artifact = None
    if row.cache_key is not None and row.object_key is not None:
        artifact = Artifact(row.cache_key, row.object_key, row.digest, row.size)
    return CompileJob(
        id=row.id,
        module=row.module,
        version=row.version_name,
        language=row.language,
        grpc=row.grpc,
        status=JobStatus(row.status),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        error=row.error,
        artifact=artifact,
        duration_ms=row.duration_ms,
        worker=row.worker,
        created_at=timestamps.utc(row.created_at),
        updated_at=timestamps.utc(row.updated_at),
    )


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(compile_jobs.c.status == JobStatus.PENDING, compile_jobs.c.next_attempt_at <= now),
        sa.and_(
            compile_jobs.c.status == JobStatus.RUNNING,
            compile_jobs.c.lease_until < now,
            compile_jobs.c.attempts < compile_jobs.c.max_attempts,
        ),
    )


class SqlCompileQueue:
    """Implements ``CompileQueue`` on the metadata ``Database``."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._postgres = database.dialect == "postgresql"
        self._wake = asyncio.Event()
        self._listener: Any = None

    def _insert(self, table: sa.Table) -> Any:
        return (postgresql.insert if self._postgres else sqlite.insert)(table)

    async def _version_id(self, conn: AsyncConnection, module: str, version: str) -> int | None:
        row = (await conn.execute(version_id_of(module, version))).first()
        return None if row is None else int(row.id)

    async def _upsert(
        self, conn: AsyncConnection, spec: JobSpec, *, max_attempts: int, now: datetime
    ) -> bool:
        version_id = await self._version_id(conn, spec.module, spec.version)
        if version_id is None:
            return False
        await self._insert_jobs(conn, version_id, [spec], max_attempts=max_attempts, now=now)
        return True

    async def _insert_jobs(
        self,
        conn: AsyncConnection,
        version_id: int,
        specs: Sequence[JobSpec],
        *,
        max_attempts: int,
        now: datetime,
    ) -> None:
        """Every job of one version in one statement (those already queued are kept)."""
        rows = [
            {
                "version_id": version_id,
                "language": spec.language,
                "grpc": spec.grpc,
                "status": JobStatus.PENDING,
                "attempts": 0,
                "max_attempts": max_attempts,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for spec in specs
        ]
        # The RETURNING makes SQLAlchemy send one multi-row INSERT ("insertmanyvalues")
        # from a cached statement, not one statement a row.
        await conn.execute(
            self._insert(compile_jobs)
            .on_conflict_do_nothing(index_elements=["version_id", "language", "grpc"])
            .returning(compile_jobs.c.id),
            rows,
        )

    async def enqueue(self, specs: Sequence[JobSpec], *, max_attempts: int) -> None:
        if not specs:
            return
        now = timestamps.now()
        # A push enqueues every language of one version: its id is looked up once and
        # the jobs go in as one multi-row INSERT, not a lookup and an insert each.
        by_version: dict[tuple[str, str], list[JobSpec]] = {}
        for spec in dict.fromkeys(specs):  # a spec listed twice is one job
            by_version.setdefault((spec.module, spec.version), []).append(spec)
        async with self._db.begin() as conn:
            for (module, version), jobs in by_version.items():
                version_id = await self._version_id(conn, module, version)
                if version_id is not None:
                    await self._insert_jobs(
                        conn, version_id, jobs, max_attempts=max_attempts, now=now
                    )
            if self._postgres:
                await conn.execute(sa.text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        self._wake.set()

    def _where(self, spec: JobSpec) -> sa.ColumnElement[bool]:
        return sa.and_(
            modules.c.name == spec.module,
            versions.c.version == spec.version,
            compile_jobs.c.language == spec.language,
            compile_jobs.c.grpc == spec.grpc,
        )

    async def get(self, spec: JobSpec) -> CompileJob | None:
        async with self._db.connect() as conn:
            row = (await conn.execute(_select().where(self._where(spec)))).first()
        return None if row is None else _job(row)

    async def for_version(self, module: str, version: str) -> list[CompileJob]:
        query = (
            _select()
            .where(modules.c.name == module, versions.c.version == version)
            .order_by(compile_jobs.c.language, compile_jobs.c.grpc)
        )
        async with self._db.connect() as conn:
            return [_job(row) for row in (await conn.execute(query)).all()]

    async def _claim_where(
        self, conn: AsyncConnection, condition: sa.ColumnElement[bool], worker: str, lease: float
    ) -> CompileJob | None:
        now = timestamps.now()
        chosen = (
            sa.select(compile_jobs.c.id)
            .where(condition)
            .order_by(compile_jobs.c.next_attempt_at, compile_jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claimed = (
            await conn.execute(
                compile_jobs.update()
                .where(compile_jobs.c.id == chosen)
                .values(
                    status=JobStatus.RUNNING,
                    attempts=compile_jobs.c.attempts + 1,
                    lease_until=now + timedelta(seconds=lease),
                    worker=worker,
                    updated_at=now,
                )
                .returning(compile_jobs.c.id)
            )
        ).first()
        if claimed is None:
            return None
        row = (await conn.execute(_select().where(compile_jobs.c.id == claimed.id))).one()
        return _job(row)

    async def claim(self, worker: str, *, lease: float) -> CompileJob | None:
        now = timestamps.now()
        async with self._db.begin() as conn:
            # Jobs whose last attempt's worker died are failed, not retried for ever.
            await conn.execute(
                compile_jobs.update()
                .where(
                    compile_jobs.c.status == JobStatus.RUNNING,
                    compile_jobs.c.lease_until < now,
                    compile_jobs.c.attempts >= compile_jobs.c.max_attempts,
                )
                .values(status=JobStatus.FAILED, error="the worker was lost", updated_at=now)
            )
            return await self._claim_where(conn, _claimable(now), worker, lease)

    async def claim_spec(
        self, spec: JobSpec, worker: str, *, lease: float, max_attempts: int
    ) -> CompileJob | None:
        now = timestamps.now()
        async with self._db.begin() as conn:
            if not await self._upsert(conn, spec, max_attempts=max_attempts, now=now):
                return None
            version_id = await self._version_id(conn, spec.module, spec.version)
            mine = sa.and_(
                compile_jobs.c.version_id == version_id,
                compile_jobs.c.language == spec.language,
                compile_jobs.c.grpc == spec.grpc,
                # On demand, a failed or backed-off job runs again; a live one does not.
                sa.or_(
                    compile_jobs.c.status.in_([JobStatus.PENDING, JobStatus.FAILED]),
                    sa.and_(
                        compile_jobs.c.status == JobStatus.RUNNING,
                        compile_jobs.c.lease_until < now,
                        compile_jobs.c.attempts < compile_jobs.c.max_attempts,
                    ),
                ),
            )
            return await self._claim_where(conn, mine, worker, lease)

    def _owned(self, job_id: int, worker: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            compile_jobs.c.id == job_id,
            compile_jobs.c.worker == worker,
            compile_jobs.c.status == JobStatus.RUNNING,
        )

    async def renew(self, job_id: int, worker: str, *, lease: float) -> bool:
        now = timestamps.now()
        async with self._db.begin() as conn:
            result = await conn.execute(
                compile_jobs.update()
                .where(self._owned(job_id, worker))
                .values(lease_until=now + timedelta(seconds=lease), updated_at=now)
            )
        return bool(result.rowcount)

    async def succeed(
        self, job_id: int, worker: str, artifact: Artifact, *, duration_ms: int
    ) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                compile_jobs.update()
                .where(self._owned(job_id, worker))
                .values(
                    status=JobStatus.SUCCEEDED,
                    cache_key=artifact.cache_key,
                    duration_ms=duration_ms,
                    error=None,
                    lease_until=None,
                    updated_at=timestamps.now(),
                )
            )

    async def fail(
        self, job_id: int, worker: str, error: str, *, retry_at: datetime | None
    ) -> None:
        values: dict[str, Any] = {
            "error": error,
            "lease_until": None,
            "updated_at": timestamps.now(),
        }
        if retry_at is None:
            values["status"] = JobStatus.FAILED
        else:
            values |= {"status": JobStatus.PENDING, "next_attempt_at": retry_at}
        async with self._db.begin() as conn:
            await conn.execute(
                compile_jobs.update().where(self._owned(job_id, worker)).values(**values)
            )

    async def release(self, job_id: int, worker: str) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                compile_jobs.update()
                .where(self._owned(job_id, worker))
                .values(
                    status=JobStatus.PENDING,
                    attempts=compile_jobs.c.attempts - 1,
                    lease_until=None,
                    worker=None,
                    next_attempt_at=timestamps.now(),
                    updated_at=timestamps.now(),
                )
            )
        self._wake.set()

    async def find_artifact(self, cache_key: str) -> Artifact | None:
        async with self._db.connect() as conn:
            row = (
                await conn.execute(artifacts.select().where(artifacts.c.cache_key == cache_key))
            ).first()
        return (
            None if row is None else Artifact(row.cache_key, row.object_key, row.digest, row.size)
        )

    async def save_artifact(self, artifact: Artifact) -> Artifact:
        async with self._db.begin() as conn:
            await conn.execute(
                self._insert(artifacts)
                .values(
                    cache_key=artifact.cache_key,
                    object_key=artifact.object_key,
                    digest=artifact.digest,
                    size=artifact.size,
                    created_at=timestamps.now(),
                )
                .on_conflict_do_nothing(index_elements=["cache_key"])
            )
        return await self.find_artifact(artifact.cache_key) or artifact

    async def pending_count(self) -> int:
        async with self._db.connect() as conn:
            count = await conn.execute(
                sa.select(sa.func.count())
                .select_from(compile_jobs)
                .where(compile_jobs.c.status.in_([JobStatus.PENDING, JobStatus.RUNNING]))
            )
            return int(count.scalar_one())

    async def wait_for_work(self, at_most: float) -> None:
        if self._listener is not None and self._listener.driver_connection.is_closed():
            self._listener.invalidate()  # lost with its server (restart, failover)
            self._listener = None
        if self._postgres and self._listener is None:
            await self._listen()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), at_most)
        self._wake.clear()

    async def _listen(self) -> None:
        raw: Any = None
        try:
            raw = await self._db.raw_connection()
            await raw.driver_connection.add_listener(CHANNEL, self._notified)
        except BaseException as exc:
            # Cancelled (a worker stopping) or failed half-way: never leak the connection.
            if raw is not None:
                raw.invalidate()
            if not isinstance(exc, Exception):
                raise
            log.warning("cannot LISTEN for compile jobs; polling only", error=str(exc))
            return
        self._listener = raw

    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.driver_connection.remove_listener(CHANNEL, self._notified)
            self._listener.invalidate()  # a LISTENing connection must not go back to the pool
            self._listener = None
