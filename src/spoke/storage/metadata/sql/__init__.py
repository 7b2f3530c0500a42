"""``MetadataStore`` on SQLAlchemy Core (async): SQLite, and PostgreSQL with replicas, with
the same code. A thin façade over its parts: ``modules``, ``versions``, ``deletion``; the
connections, replica routing and error translation are the ``Database``'s."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from spoke.domain.graph import Dependent
from spoke.domain.models import Module, ModuleVersion, NewVersion, VersionSummary
from spoke.storage.metadata import timestamps
from spoke.storage.metadata.sql.deletion import SqlDeletion
from spoke.storage.metadata.sql.modules import SqlModules
from spoke.storage.metadata.sql.versions import SqlVersions
from spoke.storage.metadata.tables import server_secrets
from spoke.storage.sql import Database


class SqlMetadataStore:
    """Implements ``MetadataStore`` on a ``Database``, which it owns (``close`` closes it)."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._modules = SqlModules(database)
        self._versions = SqlVersions(database)
        self._deletion = SqlDeletion(database)

    async def migrate(self) -> None:
        """Bring the tables to the newest Alembic revision (once, under a lock)."""
        await self._db.migrate()

    # modules

    async def create_module(self, name: str, description: str, *, public: bool = True) -> Module:
        return await self._modules.create_module(name, description, public=public)

    async def get_module(self, name: str) -> Module:
        return await self._modules.get_module(name)

    async def list_modules(
        self, *, prefix: str = "", after: str | None = None, limit: int = 100
    ) -> list[Module]:
        return await self._modules.list_modules(prefix=prefix, after=after, limit=limit)

    async def update_module(
        self, name: str, *, description: str | None = None, public: bool | None = None
    ) -> Module:
        return await self._modules.update_module(name, description=description, public=public)

    # versions

    async def create_version(self, new: NewVersion) -> ModuleVersion:
        return await self._versions.create_version(new)

    async def find_version(
        self, module: str, version: str, *, current: bool = False
    ) -> ModuleVersion | None:
        return await self._versions.find_version(module, version, current=current)

    async def get_version(self, module: str, version: str) -> ModuleVersion:
        return await self._versions.get_version(module, version)

    async def latest_version(self, module: str) -> str:
        return await self._versions.latest_version(module)

    async def previous_version(self, module: str, version: str) -> str | None:
        return await self._versions.previous_version(module, version)

    async def list_versions(
        self, module: str, *, after: str | None = None, limit: int = 100, current: bool = False
    ) -> list[VersionSummary]:
        return await self._versions.list_versions(module, after=after, limit=limit, current=current)

    async def version_names(self, module: str) -> list[str]:
        return await self._versions.version_names(module)

    async def list_dependents(
        self, module: str, version: str, *, after: str | None = None, limit: int = 100
    ) -> list[Dependent]:
        return await self._versions.list_dependents(module, version, after=after, limit=limit)

    # deletion

    async def delete_version(self, module: str, version: str, *, permanent: bool) -> list[str]:
        return await self._deletion.delete_version(module, version, permanent=permanent)

    async def delete_module(self, module: str, *, permanent: bool) -> list[str]:
        return await self._deletion.delete_module(module, permanent=permanent)

    async def restore_version(self, module: str, version: str) -> None:
        await self._deletion.restore_version(module, version)

    async def restore_module(self, module: str) -> Module:
        return await self._deletion.restore_module(module)

    async def referenced_keys(self, keys: Sequence[str]) -> set[str]:
        return await self._deletion.referenced_keys(keys)

    # the server

    async def shared_secret(self, name: str) -> bytes:
        # On the primary: a replica may not have the row the first instance just made.
        query = sa.select(server_secrets.c.value).where(server_secrets.c.name == name)
        async with self._db.connect() as conn:
            if (value := (await conn.execute(query)).scalar_one_or_none()) is not None:
                return bytes(value)
        try:
            async with self._db.begin() as conn:
                fresh = secrets.token_bytes(32)
                await conn.execute(
                    server_secrets.insert().values(
                        name=name, value=fresh, created_at=timestamps.now()
                    )
                )
                return fresh
        except IntegrityError:  # another instance made it first: use theirs
            async with self._db.connect() as conn:
                return bytes((await conn.execute(query)).scalar_one())

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()
