"""``Database``: the SQL server every SQL adapter shares (metadata, compile queue, keys,
audit, policies, dumps): the primary's engine, the read replicas, read-your-writes and the
error boundary.

Adapters reach the server only through it, and every connection it hands out runs under
``driver_errors``: no driver exception leaves ``storage/``, and nothing above ``storage/``
sees an engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection

from spoke.domain.errors import ModuleNotFound, VersionNotFound
from spoke.storage.metadata import MetadataUnavailable, SchemaOutdated, migrations
from spoke.storage.sql.consistency import note_write, wrote_in_this_scope
from spoke.storage.sql.engines import describe, postgres_engine, sqlite_engine
from spoke.storage.sql.errors import UNREACHABLE, driver_errors
from spoke.storage.sql.replicas import Replica, ReplicaSet
from spoke.telemetry.metrics import DatabaseMetrics

log = structlog.get_logger(__name__)

T = TypeVar("T")
Query = Callable[[AsyncConnection], Awaitable[T]]
# pg_advisory_xact_lock key: instances starting together migrate one after another.
MIGRATION_LOCK = 0x5370_6F6B_65  # "Spoke"


class Database:
    """One SQL database: a primary, and on PostgreSQL any number of streaming replicas.

    ``connect``, ``begin`` and ``write`` work on the primary; ``read`` prefers a healthy
    replica. All of them translate driver failures into ``MetadataUnavailable``.
    """

    def __init__(self, primary: AsyncEngine, replicas: ReplicaSet | None = None) -> None:
        self._primary = primary
        self._replicas = replicas

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        return cls(sqlite_engine(path))

    @classmethod
    def postgres(
        cls,
        url: str,
        *,
        replica_urls: Sequence[str] = (),
        pool_size: int = 20,
        connect_timeout: float = 10.0,
        query_timeout: float = 30.0,
        replica_timeout: float = 5.0,
        metrics: DatabaseMetrics | None = None,
    ) -> Database:
        primary = postgres_engine(
            url, pool_size=pool_size, connect_timeout=connect_timeout, query_timeout=query_timeout
        )
        replicas = None
        if replica_urls:
            replicas = ReplicaSet(
                [
                    Replica(
                        describe(replica),
                        postgres_engine(
                            replica,
                            pool_size=pool_size,
                            # A dead or hung replica must cost little before reads
                            # fall back to the primary: reads are small and quick.
                            connect_timeout=min(connect_timeout, 2.0),
                            query_timeout=replica_timeout,
                            client_margin=0.5,
                            ping=False,
                        ),
                    )
                    for replica in replica_urls
                ],
                metrics or DatabaseMetrics(None),
            )
        return cls(primary, replicas)

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``: for the few statements that differ."""
        return self._primary.dialect.name

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection to the primary (reads that must be current, and statements that
        need no transaction of their own)."""
        with driver_errors():
            async with self._primary.connect() as conn:
                yield conn

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction on the primary, committed when the block ends without an error."""
        with driver_errors():
            async with self._primary.begin() as conn:
                yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction changing registry metadata: once it commits, the rest of this
        scope (a request) reads from the primary, so it sees what it wrote."""
        async with self.begin() as conn:
            yield conn
        note_write()

    async def read(self, query: Query[T]) -> T:
        """Run a read on a healthy replica, else on the primary.

        A scope that wrote reads its writes from the primary. A replica that fails is
        marked unhealthy and the read runs again on the primary. A replica's "not there"
        (``None``, ``ModuleNotFound``, ``VersionNotFound``) is confirmed on the primary:
        the row may be newer than the replica's replay; when the primary is unreachable (a
        failover) the replica's answer stands, as nothing newer can be written meanwhile.
        """
        replica = None
        if self._replicas is not None and not wrote_in_this_scope():
            replica = self._replicas.pick()
        not_found: ModuleNotFound | VersionNotFound | None = None
        replica_found_none = False
        if replica is not None:
            try:
                async with replica.engine.connect() as conn:
                    answer = await query(conn)
            except (ModuleNotFound, VersionNotFound) as exc:
                not_found = exc
            except (DBAPIError, *UNREACHABLE) as exc:
                if isinstance(exc, IntegrityError):
                    raise
                self._replicas.mark_unhealthy(replica, exc)  # type: ignore[union-attr]
            else:
                if answer is not None:
                    return answer
                replica_found_none = True
        try:
            async with self.connect() as conn:
                return await query(conn)
        except MetadataUnavailable:
            if not_found is not None:
                raise not_found from None
            if replica_found_none:
                return answer
            raise

    async def read_current(self, query: Query[T], **context: str) -> T:
        """Run, on the primary, a read that must see the newest writes. Without a primary
        (a failover) nothing new is written, so a replica's answer is the best there is,
        and better than an error; ``context`` goes to the warning logged then."""
        try:
            async with self.connect() as conn:
                return await query(conn)
        except MetadataUnavailable:
            replica = self._replicas.pick() if self._replicas is not None else None
            if replica is None:
                raise
            log.warning("primary unreachable: read from a replica", **context)
            with driver_errors():
                async with replica.engine.connect() as conn:
                    return await query(conn)

    async def raw_connection(self) -> PoolProxiedConnection:
        """A pooled driver connection of the primary, for what SQLAlchemy does not wrap
        (asyncpg's LISTEN). The caller invalidates it when done."""
        with driver_errors():
            return await self._primary.raw_connection()

    async def migrate(self) -> None:
        """Bring the tables to the newest Alembic revision, in one transaction; on
        PostgreSQL under an advisory lock, so concurrent instances wait and then find
        nothing to do."""
        async with self.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await conn.run_sync(migrations.upgrade)

    async def check_schema(self) -> None:
        """Raise ``SchemaOutdated`` when the tables are older than this code (a newer
        schema is fine: migrations expand before they contract)."""
        async with self.connect() as conn:
            found = await conn.run_sync(migrations.state)
        if found.behind:
            raise SchemaOutdated(
                f"the database schema is at revision {found.current or '(none)'}, this "
                f"Spoke needs {found.head}: run `spoke migrate` first (migrations at "
                "start-up are off)"
            )
        if not found.known:
            log.info("schema newer than this Spoke", revision=found.current, head=found.head)

    async def ping(self) -> None:
        async with self.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    def engines(self) -> list[tuple[str, AsyncEngine]]:
        """Every engine by role (``primary``, ``replica1``, …), for the factory to
        instrument (traces, metrics); not for queries."""
        replicas = self._replicas.replicas if self._replicas is not None else []
        return [
            ("primary", self._primary),
            *((f"replica{index}", r.engine) for index, r in enumerate(replicas, start=1)),
        ]

    async def close(self) -> None:
        if self._replicas is not None:
            await self._replicas.close()
        await self._primary.dispose()
