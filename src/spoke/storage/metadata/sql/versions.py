"""Versions in SQL: create (one transaction), read, order (``sort_key``), dependents."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.errors import Deleted, ModuleNotFound, VersionNotFound
from spoke.domain.graph import Dependent
from spoke.domain.layout import file_key
from spoke.domain.models import (
    Dependency,
    FileEntry,
    ModuleVersion,
    NewVersion,
    Source,
    VersionSummary,
)
from spoke.domain.versions import Version
from spoke.storage.metadata import MetadataUnavailable, VersionExists, timestamps
from spoke.storage.metadata.sql.rows import module_id
from spoke.storage.metadata.tables import dependencies, files, modules, versions
from spoke.storage.sql import Database


class SqlVersions:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_version(self, new: NewVersion) -> ModuleVersion:
        created_at = timestamps.now()
        try:
            async with self._db.write() as conn:
                owner = await _ensure_module(conn, new.module, new.module_description)
                dep_ids = await _version_ids(conn, new.dependencies)
                version_id = (
                    await conn.execute(
                        versions.insert()
                        .values(
                            module_id=owner,
                            version=new.version,
                            sort_key=new.sort_key,
                            prerelease=new.prerelease,
                            digest=new.digest,
                            file_count=len(new.files),
                            source_repository=new.source.repository,
                            source_commit=new.source.commit,
                            source_branch=new.source.branch,
                            created_at=created_at,
                        )
                        .returning(versions.c.id)
                    )
                ).scalar_one()
                await _insert_rows(
                    conn,
                    files,
                    [
                        {
                            "version_id": version_id,
                            "path": f.path,
                            "sha256": f.sha256,
                            "size": f.size,
                            "object_key": file_key(new.module, new.version, f.sha256, f.path),
                        }
                        for f in new.files
                    ],
                )
                await _insert_rows(
                    conn,
                    dependencies,
                    [{"version_id": version_id, "depends_on_id": d} for d in dep_ids],
                )
        except IntegrityError as exc:
            # Another push stored this version first (the unique key held); report what won.
            existing = await self.find_version(new.module, new.version)
            if existing is None:
                if await self._is_deleted(new.module, new.version):
                    raise Deleted(
                        f"{new.module}@{new.version} was deleted: restore it, or push a new "
                        "version",
                        details={"module": new.module, "version": new.version},
                    ) from exc
                raise MetadataUnavailable(
                    f"could not store {new.module}@{new.version}: {exc.orig}"
                ) from exc
            raise VersionExists(existing) from exc
        return ModuleVersion(
            module=new.module,
            version=new.version,
            digest=new.digest,
            created_at=created_at,
            files=new.files,
            dependencies=new.dependencies,
            source=new.source,
        )

    async def find_version(
        self, module: str, version: str, *, current: bool = False
    ) -> ModuleVersion | None:
        async def run(conn: AsyncConnection) -> ModuleVersion | None:
            return await _version(conn, module, version)

        if current:
            return await self._db.read_current(run, module=module, version=version)
        return await self._db.read(run)

    async def get_version(self, module: str, version: str) -> ModuleVersion:
        found = await self.find_version(module, version)
        if found is None:
            raise VersionNotFound(module, version)
        return found

    async def latest_version(self, module: str) -> str:
        # The primary: `latest` moves, and a lagging replica's answer would be cached as if
        # it were current.
        return await self._db.read_current(lambda conn: _latest(conn, module), module=module)

    async def previous_version(self, module: str, version: str) -> str | None:
        query = (
            sa.select(versions.c.version)
            .join(modules, modules.c.id == versions.c.module_id)
            .where(
                modules.c.name == module,
                modules.c.deleted_at.is_(None),
                versions.c.deleted_at.is_(None),
                versions.c.sort_key < Version.parse(version).sort_key,
            )
            .order_by(versions.c.sort_key.desc())
            .limit(1)
        )

        async def run(conn: AsyncConnection) -> str | None:
            found = (await conn.execute(query)).scalar_one_or_none()
            return None if found is None else str(found)

        return await self._db.read(run)

    async def list_versions(
        self, module: str, *, after: str | None, limit: int, current: bool = False
    ) -> list[VersionSummary]:
        query = (
            sa.select(versions)
            .where(versions.c.deleted_at.is_(None))
            .order_by(versions.c.sort_key.desc())
            .limit(limit)
        )
        if after is not None:
            query = query.where(versions.c.sort_key < Version.parse(after).sort_key)

        async def run(conn: AsyncConnection) -> list[VersionSummary]:
            owner = await module_id(conn, module)
            rows = (await conn.execute(query.where(versions.c.module_id == owner))).all()
            return [
                VersionSummary(
                    module=module,
                    version=r.version,
                    digest=r.digest,
                    created_at=timestamps.utc(r.created_at),
                    file_count=r.file_count,
                )
                for r in rows
            ]

        if current:
            return await self._db.read_current(run, module=module)
        return await self._db.read(run)

    async def version_names(self, module: str) -> list[str]:
        async def run(conn: AsyncConnection) -> list[str]:
            owner = await module_id(conn, module)
            rows = await conn.execute(
                sa.select(versions.c.version)
                .where(versions.c.module_id == owner, versions.c.deleted_at.is_(None))
                .order_by(versions.c.sort_key.desc())
            )
            return [row.version for row in rows]

        try:
            # A missing module raises inside the read, so a lagging replica's "no such
            # module" is confirmed on the primary before it becomes "no versions".
            return await self._db.read(run)
        except ModuleNotFound:
            return []

    async def list_dependents(
        self, module: str, version: str, *, after: str | None, limit: int
    ) -> list[Dependent]:
        dependent = versions.alias("dependent")
        owner = modules.alias("owner")
        query = (
            sa.select(
                owner.c.name,
                owner.c.public,
                dependent.c.version,
                dependent.c.digest,
                dependent.c.created_at,
            )
            .select_from(dependencies)
            .join(dependent, dependent.c.id == dependencies.c.version_id)
            .join(owner, owner.c.id == dependent.c.module_id)
            .where(dependent.c.deleted_at.is_(None), owner.c.deleted_at.is_(None))
            .order_by(owner.c.name, dependent.c.sort_key.desc())
            .limit(limit)
        )
        if after is not None:
            name, _, last = after.rpartition("@")
            key = Version.parse(last).sort_key
            query = query.where(
                sa.or_(
                    owner.c.name > name, sa.and_(owner.c.name == name, dependent.c.sort_key < key)
                )
            )

        async def run(conn: AsyncConnection) -> list[Dependent]:
            pinned = await module_id(conn, module)
            target = (
                await conn.execute(
                    sa.select(versions.c.id).where(
                        versions.c.module_id == pinned,
                        versions.c.version == version,
                        versions.c.deleted_at.is_(None),
                    )
                )
            ).first()
            if target is None:
                raise VersionNotFound(module, version)
            rows = await conn.execute(query.where(dependencies.c.depends_on_id == target.id))
            return [
                Dependent(
                    module=r.name,
                    version=r.version,
                    digest=r.digest,
                    created_at=timestamps.utc(r.created_at),
                    public=r.public,
                )
                for r in rows.all()
            ]

        return await self._db.read(run)

    async def _is_deleted(self, module: str, version: str) -> bool:
        async with self._db.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(versions.c.deleted_at)
                    .join(modules, modules.c.id == versions.c.module_id)
                    .where(modules.c.name == module, versions.c.version == version)
                )
            ).first()
        return row is not None and row.deleted_at is not None


async def _insert_rows(
    conn: AsyncConnection, table: sa.Table, rows: Sequence[dict[str, object]]
) -> None:
    """``rows`` of ``table`` (keyed by ``version_id``) in multi-row INSERTs: the RETURNING
    turns on SQLAlchemy's "insertmanyvalues" (a cached statement sent as one INSERT per
    1,000 rows); a plain executemany runs one statement a row on the server."""
    if rows:
        await conn.execute(table.insert().returning(table.c.version_id), list(rows))


async def _ensure_module(conn: AsyncConnection, name: str, description: str) -> int:
    find = sa.select(modules.c.id, modules.c.deleted_at).where(modules.c.name == name)
    # Most pushes are to a module that exists: one SELECT; the first push creates it.
    row = (await conn.execute(find)).first()
    if row is None:
        now = timestamps.now()
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        await conn.execute(
            dialect.insert(modules)
            .values(name=name, description=description, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])  # a concurrent first push
        )
        row = (await conn.execute(find)).one()
    if row.deleted_at is not None:
        raise Deleted(
            f"module {name!r} was deleted: restore it to push to it",
            details={"module": name},
        )
    return int(row.id)


async def _version_ids(conn: AsyncConnection, pins: Sequence[Dependency]) -> list[int]:
    """The ids of the pinned versions (not deleted), in the pins' order, from one query;
    ``VersionNotFound`` names the first pin that is not stored."""
    if not pins:
        return []
    rows = await conn.execute(
        sa.select(modules.c.name, versions.c.version, versions.c.id)
        .join(modules, modules.c.id == versions.c.module_id)
        .where(
            sa.tuple_(modules.c.name, versions.c.version).in_(
                [(pin.module, pin.version) for pin in pins]
            ),
            modules.c.deleted_at.is_(None),
            versions.c.deleted_at.is_(None),
        )
    )
    ids = {(row.name, row.version): int(row.id) for row in rows}
    for pin in pins:
        if (pin.module, pin.version) not in ids:
            raise VersionNotFound(pin.module, pin.version)
    return [ids[pin.module, pin.version] for pin in pins]


async def _version(conn: AsyncConnection, module: str, version: str) -> ModuleVersion | None:
    row = (
        await conn.execute(
            sa.select(versions)
            .join(modules, modules.c.id == versions.c.module_id)
            .where(
                modules.c.name == module,
                versions.c.version == version,
                modules.c.deleted_at.is_(None),
                versions.c.deleted_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    file_rows = (
        await conn.execute(
            sa.select(files.c.path, files.c.sha256, files.c.size)
            .where(files.c.version_id == row.id)
            .order_by(files.c.path)
        )
    ).all()
    dep_module = modules.alias("dep_module")
    dep_version = versions.alias("dep_version")
    dep_rows = (
        await conn.execute(
            sa.select(dep_module.c.name, dep_version.c.version)
            .select_from(dependencies)
            .join(dep_version, dep_version.c.id == dependencies.c.depends_on_id)
            .join(dep_module, dep_module.c.id == dep_version.c.module_id)
            .where(dependencies.c.version_id == row.id)
            .order_by(dep_module.c.name)
        )
    ).all()
    return ModuleVersion(
        module=module,
        version=row.version,
        digest=row.digest,
        created_at=timestamps.utc(row.created_at),
        files=tuple(FileEntry(r.path, r.sha256, r.size) for r in file_rows),
        dependencies=tuple(Dependency(r.name, r.version) for r in dep_rows),
        source=Source(row.source_repository, row.source_commit, row.source_branch),
    )


async def _latest(conn: AsyncConnection, module: str) -> str:
    """The highest release, else the highest pre-release: two walks down the
    (module, sort_key) index, each stopping at its first row, however many versions."""
    owner = await module_id(conn, module)
    highest = (
        sa.select(versions.c.version)
        .where(versions.c.module_id == owner, versions.c.deleted_at.is_(None))
        .order_by(versions.c.sort_key.desc())
        .limit(1)
    )
    for query in (highest.where(versions.c.prerelease.is_(False)), highest):
        row = (await conn.execute(query)).first()
        if row is not None:
            return str(row.version)
    raise VersionNotFound(module, "latest")
