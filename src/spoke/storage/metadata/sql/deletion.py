"""Deletion in SQL: soft (hidden, restorable) and permanent, refused while other versions
depend on what would go; restores; which blob keys are still referenced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.errors import HasDependents, ModuleNotFound, VersionNotFound
from spoke.domain.models import Module
from spoke.storage.metadata import timestamps
from spoke.storage.metadata.sql.rows import module_id, module_of
from spoke.storage.metadata.tables import artifacts, dependencies, files, modules, versions
from spoke.storage.sql import Database


class SqlDeletion:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def delete_version(self, module: str, version: str, *, permanent: bool) -> list[str]:
        async with self._db.write() as conn:
            owner = await module_id(conn, module)
            row = (
                await conn.execute(
                    sa.select(versions.c.id, versions.c.deleted_at).where(
                        versions.c.module_id == owner, versions.c.version == version
                    )
                )
            ).first()
            if row is None or (row.deleted_at is not None and not permanent):
                raise VersionNotFound(module, version)
            blocking = await _dependents(
                conn, sa.select(sa.literal(row.id)), outside=None, deleted_too=permanent
            )
            if blocking:
                raise HasDependents(f"{module}@{version}", blocking)
            keys = await _object_keys(conn, files.c.version_id == row.id)
            if permanent:
                await conn.execute(versions.delete().where(versions.c.id == row.id))
            else:
                await conn.execute(
                    versions.update()
                    .where(versions.c.id == row.id)
                    .values(deleted_at=timestamps.now())
                )
        return keys if permanent else []

    async def delete_module(self, module: str, *, permanent: bool) -> list[str]:
        async with self._db.write() as conn:
            owner = await module_id(conn, module, deleted=permanent)
            ids = sa.select(versions.c.id).where(versions.c.module_id == owner)
            blocking = await _dependents(conn, ids, outside=owner, deleted_too=permanent)
            if blocking:
                raise HasDependents(f"module {module!r}", blocking)
            keys = await _object_keys(conn, files.c.version_id.in_(ids))
            if permanent:
                await conn.execute(dependencies.delete().where(dependencies.c.version_id.in_(ids)))
                await conn.execute(versions.delete().where(versions.c.module_id == owner))
                await conn.execute(modules.delete().where(modules.c.id == owner))
            else:
                await conn.execute(
                    modules.update()
                    .where(modules.c.id == owner)
                    .values(deleted_at=timestamps.now())
                )
        return keys if permanent else []

    async def restore_version(self, module: str, version: str) -> None:
        async with self._db.write() as conn:
            owner = await module_id(conn, module)
            result = await conn.execute(
                versions.update()
                .where(
                    versions.c.module_id == owner,
                    versions.c.version == version,
                    versions.c.deleted_at.is_not(None),
                )
                .values(deleted_at=None)
            )
            if not result.rowcount:
                raise VersionNotFound(module, version)

    async def restore_module(self, module: str) -> Module:
        async with self._db.write() as conn:
            row = (
                await conn.execute(
                    modules.update()
                    .where(modules.c.name == module, modules.c.deleted_at.is_not(None))
                    .values(deleted_at=None, updated_at=timestamps.now())
                    .returning(*modules.c)
                )
            ).first()
        if row is None:
            raise ModuleNotFound(module)
        return module_of(row)

    async def referenced_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        # The primary: a replica may not have replayed the push that references a key yet.
        async with self._db.connect() as conn:
            wanted = list(keys)
            rows = await conn.execute(
                sa.union(
                    sa.select(files.c.object_key).where(files.c.object_key.in_(wanted)),
                    sa.select(artifacts.c.object_key).where(artifacts.c.object_key.in_(wanted)),
                )
            )
            return {row.object_key for row in rows}


async def _dependents(
    conn: AsyncConnection,
    version_ids: sa.Select[Any],
    *,
    outside: int | None,
    deleted_too: bool,
) -> list[str]:
    """``module@version`` of the versions that depend on any of ``version_ids`` (only those
    of other modules when ``outside`` names the module being deleted). Deleted dependents
    count only for a permanent deletion: their rows still point here."""
    dependent = versions.alias("dependent")
    owner = modules.alias("owner")
    query = (
        sa.select(owner.c.name, dependent.c.version)
        .select_from(dependencies)
        .join(dependent, dependent.c.id == dependencies.c.version_id)
        .join(owner, owner.c.id == dependent.c.module_id)
        .where(dependencies.c.depends_on_id.in_(version_ids))
        .order_by(owner.c.name, dependent.c.sort_key)
    )
    if not deleted_too:
        query = query.where(dependent.c.deleted_at.is_(None), owner.c.deleted_at.is_(None))
    if outside is not None:
        query = query.where(owner.c.id != outside)
    return [f"{row.name}@{row.version}" for row in (await conn.execute(query)).all()]


async def _object_keys(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> list[str]:
    return [
        row.object_key for row in await conn.execute(sa.select(files.c.object_key).where(where))
    ]
