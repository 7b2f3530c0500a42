"""SQL dumps of the metadata database (``pg_dump`` / ``psql`` on PostgreSQL, the sqlite3
module's ``iterdump`` on SQLite), and the counts a restore is checked against."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.config import Settings
from spoke.domain.errors import InvalidArgument, Unavailable
from spoke.storage.factory import open_metadata

COUNTED = ("modules", "versions", "files", "dependencies", "api_keys", "artifacts")


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/lib/postgresql/15/bin")
    if found is None:
        raise Unavailable(f"{name} was not found: install the postgresql-client package")
    return found


def _libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _run(argv: list[str], stdin: bytes | None = None) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin)
    if process.returncode != 0:
        raise Unavailable(f"{Path(argv[0]).name} failed: {err.decode(errors='replace').strip()}")
    return out


class DatabaseDumps:
    """Dump and load the database ``settings`` name."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def dump(self) -> tuple[bytes, dict[str, int]]:
        if self._settings.postgres_url:
            return await self._pg_dump(_libpq(self._settings.postgres_url))
        path = self._settings.sqlite_path

        def dump() -> tuple[bytes, dict[str, int]]:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                conn.execute("BEGIN")  # one read snapshot (WAL) for the counts and the dump
                counts = {
                    table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - our table names
                    for table in COUNTED
                }
                sql = "\n".join(conn.iterdump()).encode()
                conn.execute("ROLLBACK")
                return sql, counts
            finally:
                conn.close()

        return await asyncio.to_thread(dump)

    async def _pg_dump(self, url: str) -> tuple[bytes, dict[str, int]]:
        """Count in a repeatable-read transaction, export its snapshot, and have pg_dump
        read that very snapshot while the transaction stays open."""
        store = open_metadata(self._settings)
        try:
            async with store.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="REPEATABLE READ")
                async with conn.begin():
                    snapshot = (
                        await conn.execute(sa.text("SELECT pg_export_snapshot()"))
                    ).scalar_one()
                    counts = await _count(conn)
                    argv = [_tool("pg_dump"), "--format=plain", "--no-owner"]
                    sql = await _run([*argv, f"--snapshot={snapshot}", "--dbname", url])
                    return sql, counts
        finally:
            await store.close()

    async def load(self, sql: bytes) -> None:
        """Load a dump into the database, which must be empty."""
        if self._settings.postgres_url:
            url = _libpq(self._settings.postgres_url)
            query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            if (await _run([_tool("psql"), "-At", "-d", url, "-c", query])).strip() != b"0":
                raise InvalidArgument("restore into an empty database: this one has tables")
            argv = [_tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", url]
            await _run(argv, stdin=sql)
            return
        path = self._settings.sqlite_path
        if path.exists() and path.stat().st_size > 0:
            raise InvalidArgument(f"restore into an empty database: {path} exists")
        path.parent.mkdir(parents=True, exist_ok=True)

        def load() -> None:
            with sqlite3.connect(path) as conn:
                conn.executescript(sql.decode())

        await asyncio.to_thread(load)

    async def counts(self) -> dict[str, int]:
        store = open_metadata(self._settings)
        try:
            async with store.engine.connect() as conn:
                return await _count(conn)
        finally:
            await store.close()

    async def object_keys(self) -> list[str]:
        """The blob key of every stored file."""
        store = open_metadata(self._settings)
        try:
            async with store.engine.connect() as conn:
                rows = await conn.execute(sa.text("SELECT object_key FROM files"))
                return [row.object_key for row in rows]
        finally:
            await store.close()


async def _count(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for table in COUNTED:
        query = sa.select(sa.func.count()).select_from(sa.table(table))
        counts[table] = int((await conn.execute(query)).scalar_one())
    return counts
