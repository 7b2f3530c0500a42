"""Modules in SQL: create, read, list, update."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.errors import ModuleExists, ModuleNotFound
from spoke.domain.models import Module
from spoke.storage.metadata import timestamps
from spoke.storage.metadata.sql.rows import module_of
from spoke.storage.metadata.tables import modules
from spoke.storage.sql import Database


class SqlModules:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_module(self, name: str, description: str, *, public: bool) -> Module:
        now = timestamps.now()
        try:
            async with self._db.write() as conn:
                await conn.execute(
                    modules.insert().values(
                        name=name,
                        description=description,
                        public=public,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError as exc:
            raise ModuleExists(name) from exc
        return Module(
            name=name, description=description, created_at=now, updated_at=now, public=public
        )

    async def get_module(self, name: str) -> Module:
        async def query(conn: AsyncConnection) -> Module:
            row = (
                await conn.execute(
                    modules.select().where(modules.c.name == name, modules.c.deleted_at.is_(None))
                )
            ).first()
            if row is None:
                raise ModuleNotFound(name)
            return module_of(row)

        return await self._db.read(query)

    async def list_modules(self, *, prefix: str, after: str | None, limit: int) -> list[Module]:
        query = (
            modules.select()
            .where(modules.c.deleted_at.is_(None))
            .order_by(modules.c.name)
            .limit(limit)
        )
        if prefix:
            query = query.where(modules.c.name.startswith(prefix, autoescape=True))
        if after is not None:
            query = query.where(modules.c.name > after)

        async def run(conn: AsyncConnection) -> list[Module]:
            return [module_of(row) for row in (await conn.execute(query)).all()]

        return await self._db.read(run)

    async def update_module(
        self, name: str, *, description: str | None, public: bool | None
    ) -> Module:
        changes: dict[str, object] = {"updated_at": timestamps.now()}
        if description is not None:
            changes["description"] = description
        if public is not None:
            changes["public"] = public
        async with self._db.write() as conn:
            result = await conn.execute(
                modules.update()
                .where(modules.c.name == name, modules.c.deleted_at.is_(None))
                .values(**changes)
                .returning(*modules.c)
            )
            row = result.first()
        if row is None:
            raise ModuleNotFound(name)
        return module_of(row)
