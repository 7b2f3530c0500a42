"""SQL dumps of the metadata database, one adapter per database (``storage.factory.
open_dumps`` picks one): ``PostgresDumps`` (``pg_dump`` / ``psql``) and ``SqliteDumps``
(the sqlite3 module's ``iterdump``); and the counts a restore is checked against."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.errors import InvalidArgument, Unavailable
from spoke.storage.search import sqlite_fts
from spoke.storage.sql import Database

if TYPE_CHECKING:
    pass

COUNTED = ("modules", "versions", "files", "dependencies", "api_keys", "artifacts")


class PostgresDumps:
    """Implements ``DatabaseDump`` with PostgreSQL's client tools on ``url``, and
    ``database`` (the same server) for the snapshot and the counts."""

    def __init__(self, database: Database, url: str) -> None:
        self._db = database
        libpq = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        # The tools get the password in their environment: a command line is visible to
        # every user of the machine (ps, /proc).
        self._url, password = without_password(libpq)
        self._env = {**os.environ, "PGPASSWORD": password} if password is not None else None

    async def dump(self) -> tuple[bytes, dict[str, int]]:
        """Count in a repeatable-read transaction, export its snapshot, and have pg_dump
        read that very snapshot while the transaction stays open."""
        async with self._db.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                snapshot = (await conn.execute(sa.text("SELECT pg_export_snapshot()"))).scalar_one()
                counts = await _count(conn)
                argv = [_tool("pg_dump"), "--format=plain", "--no-owner"]
                argv += [f"--snapshot={snapshot}", "--dbname", self._url]
                sql = await _run(argv, env=self._env)
                return sql, counts

    async def load(self, sql: bytes) -> None:
        """Load a dump into the database, which must be empty."""
        query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        tables = await _run([_tool("psql"), "-At", "-d", self._url, "-c", query], env=self._env)
        if tables.strip() != b"0":
            raise InvalidArgument("restore into an empty database: this one has tables")
        argv = [_tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
        await _run([*argv, "-d", self._url], stdin=sql, env=self._env)

    async def counts(self) -> dict[str, int]:
        return await _counts(self._db)

    async def object_keys(self) -> list[str]:
        return await _object_keys(self._db)


class SqliteDumps:
    """Implements ``DatabaseDump`` on the SQLite file at ``path`` (``database`` opens it
    for the counts)."""

    def __init__(self, database: Database, path: Path) -> None:
        self._db = database
        self._path = path

    async def dump(self) -> tuple[bytes, dict[str, int]]:
        def dump() -> tuple[bytes, dict[str, int]]:
            conn = sqlite3.connect(self._path, isolation_level=None)
            try:
                conn.execute("BEGIN")  # one read snapshot (WAL) for the counts and the dump
                counts = {
                    table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - our table names
                    for table in COUNTED
                }
                sql = "\n".join(_without_fts(conn.iterdump())).encode()
                conn.execute("ROLLBACK")
                return sql, counts
            finally:
                conn.close()

        return await asyncio.to_thread(dump)

    async def load(self, sql: bytes) -> None:
        """Load a dump into the database, which must be empty."""
        path = self._path
        if path.exists() and path.stat().st_size > 0:
            raise InvalidArgument(f"restore into an empty database: {path} exists")
        path.parent.mkdir(parents=True, exist_ok=True)

        def load() -> None:
            with sqlite3.connect(path) as conn:
                conn.executescript(sql.decode())

        await asyncio.to_thread(load)

    async def counts(self) -> dict[str, int]:
        return await _counts(self._db)

    async def object_keys(self) -> list[str]:
        return await _object_keys(self._db)


def _without_fts(statements: Iterable[str]) -> Iterator[str]:
    """A SQLite dump without the search index's FTS table (``iterdump`` writes a virtual
    table's shadow tables and a raw ``sqlite_master`` row, which do not load back), and
    with statements that make it again, rebuilt from ``search_entries``, at the end."""
    for statement in statements:
        if statement == "COMMIT;":
            yield from (f"{made};" for made in sqlite_fts.restore_statements())
        if not sqlite_fts.is_fts_dump_statement(statement):
            yield statement


def without_password(url: str) -> tuple[str, str | None]:
    """A PostgreSQL URL without the password in its user info, and that password."""
    parts = urlsplit(url)
    credentials, at, hosts = parts.netloc.rpartition("@")
    user, colon, password = credentials.partition(":")
    if not colon:
        return url, None
    return urlunsplit(parts._replace(netloc=f"{user}{at}{hosts}")), unquote(password)


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/lib/postgresql/15/bin")
    if found is None:
        raise Unavailable(f"{name} was not found: install the postgresql-client package")
    return found


async def _run(
    argv: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await process.communicate(stdin)
    if process.returncode != 0:
        raise Unavailable(f"{Path(argv[0]).name} failed: {err.decode(errors='replace').strip()}")
    return out


async def _counts(database: Database) -> dict[str, int]:
    async with database.connect() as conn:
        return await _count(conn)


async def _count(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for table in COUNTED:
        query = sa.select(sa.func.count()).select_from(sa.table(table))
        counts[table] = int((await conn.execute(query)).scalar_one())
    return counts


async def _object_keys(database: Database) -> list[str]:
    """The blob key of every stored file."""
    async with database.connect() as conn:
        rows = await conn.execute(sa.text("SELECT object_key FROM files"))
        return [row.object_key for row in rows]
