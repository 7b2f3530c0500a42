"""Engines for the SQL metadata store: SQLite for the embedded default, PostgreSQL
(asyncpg) for production, and migrations that run once however many instances start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key: instances starting together migrate one after another.
MIGRATION_LOCK = 0x5370_6F6B_65  # "Spoke"


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


def postgres_engine(
    url: str,
    *,
    pool_size: int,
    connect_timeout: float,
    query_timeout: float,
    client_margin: float = 5.0,
) -> AsyncEngine:
    """An asyncpg pool. The URL goes to asyncpg untouched, so everything libpq-style it
    carries works: several hosts, ``target_session_attrs=read-write``, ``sslmode``."""
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

    return create_async_engine(
        "postgresql+asyncpg://",
        async_creator=connect,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=connect_timeout,
        pool_pre_ping=True,  # a dead connection (failover, restart) is replaced, not used
        pool_recycle=1800,
    )


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest Alembic revision, in one transaction; on PostgreSQL
    under an advisory lock, so concurrent instances wait and then find nothing to do."""

    def upgrade(connection: sa.Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await conn.run_sync(upgrade)
