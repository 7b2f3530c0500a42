"""Engines: SQLite for the embedded default, PostgreSQL (asyncpg) for production."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_engine(path: Path) -> AsyncEngine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """``pool_pre_ping`` in one round trip: a pooled connection that does not answer
    (a failover, a restart) is replaced, and the pool's older connections with it.

    SQLAlchemy's asyncpg ping takes three (BEGIN, a query, ROLLBACK): on every checkout,
    that was about a third of a push's statements. A simple-protocol query needs
    no transaction and prepares nothing."""
    try:
        await_(dbapi_connection.driver_connection.execute("SELECT 1"))
    except Exception as exc:  # whatever the failure, this connection is not to be used
        raise sa.exc.InvalidatePoolError(f"pre-ping failed: {exc!r}") from exc


def postgres_engine(
    url: str,
    *,
    pool_size: int,
    connect_timeout: float,
    query_timeout: float,
    client_margin: float = 5.0,
    ping: bool = True,
) -> AsyncEngine:
    """An asyncpg pool. The URL goes to asyncpg untouched, so everything libpq-style it
    carries works: several hosts, ``target_session_attrs=read-write``, ``sslmode``.

    ``ping``: check a pooled connection before handing it out (the primary's: a write
    must not fail on a connection a failover killed). A replica's reads need no ping: a
    failed read marks the replica unhealthy and runs again on the primary, and a ping of a
    hung replica would add its whole timeout (and a reconnect) to the read's."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def connect() -> asyncpg.Connection:
        try:
            return await _connect()
        except asyncpg.TargetServerAttributeNotMatched as exc:
            # Every host answered, none as asked (a failover in progress: no primary yet).
            # A connection error like any other, so the request answers 503, not 500.
            raise ConnectionError(f"no PostgreSQL server accepts writes now: {exc}") from exc

    async def _connect() -> asyncpg.Connection:
        return await asyncpg.connect(
            dsn,
            timeout=connect_timeout,
            # The server cancels a runaway statement; the client gives up a little later.
            # (Also what a server that hangs, partitioned or paused, costs a call.)
            command_timeout=query_timeout + client_margin,
            server_settings={
                "statement_timeout": str(int(query_timeout * 1000)),
                "application_name": "spoke",
            },
        )

    engine = create_async_engine(
        "postgresql+asyncpg://",
        async_creator=connect,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=connect_timeout,
        pool_recycle=1800,
    )
    if ping:  # a dead connection (failover, restart) is replaced, not used
        sa.event.listen(engine.sync_engine.pool, "checkout", _ping_on_checkout)
    return engine


def describe(url: str) -> str:
    """host:port of a database URL, without credentials, for logs and metric labels."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url
