"""``MetadataStore`` on SQLAlchemy Core (async): SQLite here, PostgreSQL with the same code."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from spoke.domain.errors import (
    Deleted,
    HasDependents,
    ModuleExists,
    ModuleNotFound,
    VersionNotFound,
)
from spoke.domain.graph import Dependent
from spoke.domain.layout import file_key
from spoke.domain.models import (
    Dependency,
    FileEntry,
    Module,
    ModuleVersion,
    NewVersion,
    Source,
    VersionSummary,
)
from spoke.domain.versions import Version
from spoke.storage.consistency import note_write, wrote_in_this_scope
from spoke.storage.metadata import MetadataUnavailable, VersionExists, timestamps
from spoke.storage.metadata.engines import migrate, postgres_engine, sqlite_engine
from spoke.storage.metadata.replicas import Replica, ReplicaSet
from spoke.storage.metadata.tables import (
    artifacts,
    dependencies,
    files,
    modules,
    server_secrets,
    version_id_of,
    versions,
)
from spoke.telemetry.metrics import DatabaseMetrics

log = structlog.get_logger(__name__)

T = TypeVar("T")
# Failures that say "this server is not answering", as opposed to a bad query.
_UNREACHABLE = (OSError, TimeoutError)


def _module(row: sa.Row[Any]) -> Module:
    return Module(
        name=row.name,
        description=row.description,
        created_at=timestamps.utc(row.created_at),
        updated_at=timestamps.utc(row.updated_at),
        public=row.public,
    )


class SqlMetadataStore:
    """Implements ``MetadataStore`` with SQLAlchemy Core over an async engine."""

    def __init__(self, engine: AsyncEngine, replicas: ReplicaSet | None = None) -> None:
        self._engine = engine
        self._replicas = replicas

    @classmethod
    def sqlite(cls, path: Path) -> SqlMetadataStore:
        return cls(sqlite_engine(path))

    @classmethod
    def postgres(
        cls,
        url: str,
        *,
        replica_urls: list[str] = [],  # noqa: B006 - never mutated
        pool_size: int = 20,
        connect_timeout: float = 10.0,
        query_timeout: float = 30.0,
        replica_timeout: float = 5.0,
        metrics: DatabaseMetrics | None = None,
    ) -> SqlMetadataStore:
        primary = postgres_engine(
            url, pool_size=pool_size, connect_timeout=connect_timeout, query_timeout=query_timeout
        )
        replicas = None
        if replica_urls:
            replicas = ReplicaSet(
                [
                    Replica(
                        _describe(replica),
                        postgres_engine(
                            replica,
                            pool_size=pool_size,
                            # A dead or hung replica must cost little before reads
                            # fall back to the primary: reads are small and quick.
                            connect_timeout=min(connect_timeout, 2.0),
                            query_timeout=replica_timeout,
                            client_margin=0.5,
                        ),
                    )
                    for replica in replica_urls
                ],
                metrics or DatabaseMetrics(None),
            )
        return cls(primary, replicas)

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (once, under a lock)."""
        async with _driver_errors():
            await migrate(self._engine)

    async def _read(self, query: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run a read on a healthy replica, else on the primary.

        A request that wrote reads its writes from the primary. A replica that fails is
        marked unhealthy and the read runs again on the primary. A replica's "not found"
        is confirmed on the primary: the row may be newer than the replica's replay; when
        the primary is unreachable (a failover) the replica's answer stands, as nothing
        newer can be written meanwhile.
        """
        replica = None
        not_found: ModuleNotFound | VersionNotFound | None = None
        if self._replicas is not None and not wrote_in_this_scope():
            replica = self._replicas.pick()
        if replica is not None:
            try:
                async with replica.engine.connect() as conn:
                    return await query(conn)
            except (ModuleNotFound, VersionNotFound) as exc:
                not_found = exc
            except (DBAPIError, *_UNREACHABLE) as exc:
                if isinstance(exc, IntegrityError):
                    raise
                self._replicas.mark_unhealthy(replica, exc)  # type: ignore[union-attr]
        try:
            async with _driver_errors(), self._engine.connect() as conn:
                return await query(conn)
        except MetadataUnavailable:
            if not_found is not None:
                raise not_found from None
            raise

    # modules

    async def create_module(self, name: str, description: str, *, public: bool = True) -> Module:
        now = timestamps.now()
        try:
            async with _driver_errors(), self._engine.begin() as conn:
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
        note_write()
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
            return _module(row)

        return await self._read(query)

    async def list_modules(
        self, *, prefix: str = "", after: str | None = None, limit: int = 100
    ) -> list[Module]:
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
            return [_module(row) for row in (await conn.execute(query)).all()]

        return await self._read(run)

    async def update_module(
        self, name: str, *, description: str | None = None, public: bool | None = None
    ) -> Module:
        changes: dict[str, object] = {"updated_at": timestamps.now()}
        if description is not None:
            changes["description"] = description
        if public is not None:
            changes["public"] = public
        async with _driver_errors(), self._engine.begin() as conn:
            result = await conn.execute(
                modules.update()
                .where(modules.c.name == name, modules.c.deleted_at.is_(None))
                .values(**changes)
                .returning(*modules.c)
            )
            row = result.first()
        if row is None:
            raise ModuleNotFound(name)
        note_write()
        return _module(row)

    # versions

    async def create_version(self, new: NewVersion) -> ModuleVersion:
        created_at = timestamps.now()
        try:
            async with _driver_errors(), self._engine.begin() as conn:
                module_id = await self._ensure_module(conn, new.module, new.module_description)
                dep_ids = [
                    await self._version_id(conn, d.module, d.version) for d in new.dependencies
                ]
                version_id = (
                    await conn.execute(
                        versions.insert()
                        .values(
                            module_id=module_id,
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
                if new.files:
                    await conn.execute(
                        files.insert(),
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
                if dep_ids:
                    await conn.execute(
                        dependencies.insert(),
                        [{"version_id": version_id, "depends_on_id": d} for d in dep_ids],
                    )
        except IntegrityError as exc:
            # Another push stored this version first (the unique key held); report what won.
            try:
                existing = await self.get_version(new.module, new.version)
            except VersionNotFound:
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
        note_write()
        return ModuleVersion(
            module=new.module,
            version=new.version,
            digest=new.digest,
            created_at=created_at,
            files=new.files,
            dependencies=new.dependencies,
            source=new.source,
        )

    async def _ensure_module(self, conn: AsyncConnection, name: str, description: str) -> int:
        now = timestamps.now()
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
            modules
        )
        await conn.execute(
            insert.values(
                name=name, description=description, created_at=now, updated_at=now
            ).on_conflict_do_nothing(index_elements=["name"])
        )
        row = (
            await conn.execute(
                sa.select(modules.c.id, modules.c.deleted_at).where(modules.c.name == name)
            )
        ).one()
        if row.deleted_at is not None:
            raise Deleted(
                f"module {name!r} was deleted: restore it to push to it",
                details={"module": name},
            )
        return int(row.id)

    async def _version_id(self, conn: AsyncConnection, module: str, version: str) -> int:
        row = (await conn.execute(version_id_of(module, version))).first()
        if row is None:
            raise VersionNotFound(module, version)
        return int(row.id)

    async def get_version(self, module: str, version: str) -> ModuleVersion:
        return await self._read(lambda conn: self._version(conn, module, version))

    async def _version(self, conn: AsyncConnection, module: str, version: str) -> ModuleVersion:
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
            raise VersionNotFound(module, version)
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

    async def latest_version(self, module: str) -> str:
        # The primary: `latest` moves, and a lagging replica's answer would be cached as if
        # it were current. Without a primary (a failover) nothing moves it, so a replica's
        # answer is the best there is, and better than an error.
        try:
            async with _driver_errors(), self._engine.connect() as conn:
                return await self._latest(conn, module)
        except MetadataUnavailable:
            replica = self._replicas.pick() if self._replicas is not None else None
            if replica is None:
                raise
            log.warning("primary unreachable: latest read from a replica", module=module)
            async with _driver_errors(), replica.engine.connect() as conn:
                return await self._latest(conn, module)

    async def _latest(self, conn: AsyncConnection, module: str) -> str:
        module_id = await self._module_id(conn, module)
        row = (
            await conn.execute(
                sa.select(versions.c.version)
                .where(versions.c.module_id == module_id, versions.c.deleted_at.is_(None))
                .order_by(versions.c.prerelease, versions.c.sort_key.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            raise VersionNotFound(module, "latest")
        return str(row.version)

    async def list_versions(
        self, module: str, *, after: str | None = None, limit: int = 100
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
            module_id = await self._module_id(conn, module)
            rows = (await conn.execute(query.where(versions.c.module_id == module_id))).all()
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

        return await self._read(run)

    async def list_dependents(
        self, module: str, version: str, *, after: str | None = None, limit: int = 100
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
            module_id = await self._module_id(conn, module)
            target = (
                await conn.execute(
                    sa.select(versions.c.id).where(
                        versions.c.module_id == module_id,
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

        return await self._read(run)

    async def _module_id(self, conn: AsyncConnection, module: str, *, deleted: bool = False) -> int:
        query = sa.select(modules.c.id).where(modules.c.name == module)
        if not deleted:
            query = query.where(modules.c.deleted_at.is_(None))
        row = (await conn.execute(query)).first()
        if row is None:
            raise ModuleNotFound(module)
        return int(row.id)

    async def _is_deleted(self, module: str, version: str) -> bool:
        async with _driver_errors(), self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(versions.c.deleted_at)
                    .join(modules, modules.c.id == versions.c.module_id)
                    .where(modules.c.name == module, versions.c.version == version)
                )
            ).first()
        return row is not None and row.deleted_at is not None

    # deletion

    async def _dependents(
        self,
        conn: AsyncConnection,
        version_ids: sa.Select[Any],
        *,
        outside: int | None,
        deleted_too: bool,
    ) -> list[str]:
        """``module@version`` of the versions that depend on any of ``version_ids`` (only
        those of other modules when ``outside`` names the module being deleted). Deleted
        dependents count only for a permanent deletion: their rows still point here."""
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

    async def delete_version(self, module: str, version: str, *, permanent: bool) -> list[str]:
        async with _driver_errors(), self._engine.begin() as conn:
            module_id = await self._module_id(conn, module)
            row = (
                await conn.execute(
                    sa.select(versions.c.id, versions.c.deleted_at).where(
                        versions.c.module_id == module_id, versions.c.version == version
                    )
                )
            ).first()
            if row is None or (row.deleted_at is not None and not permanent):
                raise VersionNotFound(module, version)
            blocking = await self._dependents(
                conn, sa.select(sa.literal(row.id)), outside=None, deleted_too=permanent
            )
            if blocking:
                raise HasDependents(f"{module}@{version}", blocking)
            keys = await self._object_keys(conn, files.c.version_id == row.id)
            if permanent:
                await conn.execute(versions.delete().where(versions.c.id == row.id))
            else:
                await conn.execute(
                    versions.update()
                    .where(versions.c.id == row.id)
                    .values(deleted_at=timestamps.now())
                )
        note_write()
        return keys if permanent else []

    async def delete_module(self, module: str, *, permanent: bool) -> list[str]:
        async with _driver_errors(), self._engine.begin() as conn:
            module_id = await self._module_id(conn, module, deleted=permanent)
            ids = sa.select(versions.c.id).where(versions.c.module_id == module_id)
            blocking = await self._dependents(conn, ids, outside=module_id, deleted_too=permanent)
            if blocking:
                raise HasDependents(f"module {module!r}", blocking)
            keys = await self._object_keys(conn, files.c.version_id.in_(ids))
            if permanent:
                await conn.execute(dependencies.delete().where(dependencies.c.version_id.in_(ids)))
                await conn.execute(versions.delete().where(versions.c.module_id == module_id))
                await conn.execute(modules.delete().where(modules.c.id == module_id))
            else:
                await conn.execute(
                    modules.update()
                    .where(modules.c.id == module_id)
                    .values(deleted_at=timestamps.now())
                )
        note_write()
        return keys if permanent else []

    async def _object_keys(self, conn: AsyncConnection, where: sa.ColumnElement[bool]) -> list[str]:
        return [
            row.object_key for row in await conn.execute(sa.select(files.c.object_key).where(where))
        ]

    async def restore_version(self, module: str, version: str) -> None:
        async with _driver_errors(), self._engine.begin() as conn:
            module_id = await self._module_id(conn, module)
            result = await conn.execute(
                versions.update()
                .where(
                    versions.c.module_id == module_id,
                    versions.c.version == version,
                    versions.c.deleted_at.is_not(None),
                )
                .values(deleted_at=None)
            )
            if not result.rowcount:
                raise VersionNotFound(module, version)
        note_write()

    async def restore_module(self, module: str) -> Module:
        async with _driver_errors(), self._engine.begin() as conn:
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
        note_write()
        return _module(row)

    async def referenced_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        # The primary: a replica may not have replayed the push that references a key yet.
        async with _driver_errors(), self._engine.connect() as conn:
            wanted = list(keys)
            rows = await conn.execute(
                sa.union(
                    sa.select(files.c.object_key).where(files.c.object_key.in_(wanted)),
                    sa.select(artifacts.c.object_key).where(artifacts.c.object_key.in_(wanted)),
                )
            )
            return {row.object_key for row in rows}

    async def shared_secret(self, name: str) -> bytes:
        # On the primary: a replica may not have the row the first instance just made.
        query = sa.select(server_secrets.c.value).where(server_secrets.c.name == name)
        async with _driver_errors():
            async with self._engine.connect() as conn:
                if (value := (await conn.execute(query)).scalar_one_or_none()) is not None:
                    return bytes(value)
            try:
                async with self._engine.begin() as conn:
                    fresh = secrets.token_bytes(32)
                    await conn.execute(
                        server_secrets.insert().values(
                            name=name, value=fresh, created_at=timestamps.now()
                        )
                    )
                    return fresh
            except IntegrityError:  # another instance made it first: use theirs
                async with self._engine.connect() as conn:
                    return bytes((await conn.execute(query)).scalar_one())

    async def ping(self) -> None:
        async with _driver_errors(), self._engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    @property
    def engines(self) -> list[AsyncEngine]:
        """The primary's engine and every replica's (for instrumentation)."""
        replicas = [r.engine for r in self._replicas.replicas] if self._replicas else []
        return [self._engine, *replicas]

    @property
    def engine(self) -> AsyncEngine:
        """The primary's engine, for adapters that share the database (the compile queue)."""
        return self._engine

    async def close(self) -> None:
        if self._replicas is not None:
            await self._replicas.close()
        await self._engine.dispose()


@asynccontextmanager
async def _driver_errors() -> AsyncIterator[None]:
    """Turn driver failures (connection lost, database locked) into ``MetadataUnavailable``.

    Integrity errors pass through: callers turn them into domain conflicts.
    """
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as exc:
        raise MetadataUnavailable(f"metadata store error: {exc.orig}") from exc
    except _UNREACHABLE as exc:
        raise MetadataUnavailable(f"metadata store unreachable: {exc}") from exc


def _describe(url: str) -> str:
    """host:port of a database URL, without credentials, for logs and metric labels."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url
