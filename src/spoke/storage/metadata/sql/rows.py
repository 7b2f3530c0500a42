"""What the parts of the SQL metadata store share: row mapping and module lookups."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.errors import ModuleNotFound
from spoke.domain.models import Module
from spoke.storage.metadata import timestamps
from spoke.storage.metadata.tables import modules


def module_of(row: sa.Row[Any]) -> Module:
    return Module(
        name=row.name,
        description=row.description,
        created_at=timestamps.utc(row.created_at),
        updated_at=timestamps.utc(row.updated_at),
        public=row.public,
    )


async def module_id(conn: AsyncConnection, module: str, *, deleted: bool = False) -> int:
    """The id of ``module``; ``ModuleNotFound`` if missing, or soft-deleted unless
    ``deleted`` (a permanent deletion may remove a soft-deleted module)."""
    query = sa.select(modules.c.id).where(modules.c.name == module)
    if not deleted:
        query = query.where(modules.c.deleted_at.is_(None))
    row = (await conn.execute(query)).first()
    if row is None:
        raise ModuleNotFound(module)
    return int(row.id)
