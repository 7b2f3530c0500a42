"""``PolicyStore`` in the metadata database: one JSON document per module."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.errors import ModuleNotFound
from spoke.storage.metadata import MetadataUnavailable, timestamps
from spoke.storage.metadata.tables import module_policies, modules
from spoke.storage.sql import Database


class SqlPolicyStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def _module_id(self, conn: AsyncConnection, module: str) -> int:
        row = (
            await conn.execute(
                sa.select(modules.c.id).where(
                    modules.c.name == module, modules.c.deleted_at.is_(None)
                )
            )
        ).first()
        if row is None:
            raise ModuleNotFound(module)
        return int(row.id)

    async def get(self, module: str) -> dict[str, Any] | None:
        # One query (every push asks): the module, and its policy if it has one.
        query = (
            sa.select(module_policies.c.policy)
            .select_from(modules)
            .outerjoin(module_policies, module_policies.c.module_id == modules.c.id)
            .where(modules.c.name == module, modules.c.deleted_at.is_(None))
        )
        async with self._db.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise ModuleNotFound(module)
        if row.policy is None:
            return None
        policy: dict[str, Any] = json.loads(row.policy)
        return policy

    async def put(self, module: str, policy: dict[str, Any], *, by: str) -> None:
        document = json.dumps(policy, sort_keys=True)
        try:
            async with self._db.begin() as conn:
                module_id = await self._module_id(conn, module)
                values = {"policy": document, "updated_at": timestamps.now(), "updated_by": by}
                updated = await conn.execute(
                    module_policies.update()
                    .where(module_policies.c.module_id == module_id)
                    .values(**values)
                )
                if updated.rowcount == 0:
                    await conn.execute(
                        module_policies.insert().values(module_id=module_id, **values)
                    )
        except IntegrityError as exc:
            # A concurrent first put of this module's policy (or its deletion) won: the
            # caller may try again.
            raise MetadataUnavailable(f"metadata store error: {exc.orig}") from exc
