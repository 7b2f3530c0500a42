"""``SearchIndex`` in the metadata database: one ``search_entries`` row per element, found
through PostgreSQL full text (the generated ``document`` tsvector, GIN-indexed) or the
SQLite FTS5 table ``search_fts`` (migration 0008 makes both)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spoke.domain.symbols import Kind, Symbol, name_words
from spoke.storage.metadata.tables import modules, search_entries, version_id_of, versions
from spoke.storage.search import SearchHit, SearchQuery
from spoke.storage.sql import Database

_BATCH = 1000  # rows per INSERT: SQLite's bound parameters are limited
_NAME_WEIGHT = 10.0  # bm25: a term in the name counts ten times one in a comment


class SqlSearchIndex:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def replace(self, module: str, version: str, symbols: Sequence[Symbol]) -> bool:
        rows = [
            {
                "kind": str(s.kind),
                "full_name": s.full_name,
                "name": s.name.lower(),
                "words": name_words(s.full_name),
                "comment": s.comment,
                "file": s.file,
                "line": s.line,
            }
            for s in symbols
        ]
        async with self._db.write() as conn:
            version_id = (await conn.execute(version_id_of(module, version))).scalar_one_or_none()
            if version_id is None:
                return False
            await conn.execute(
                search_entries.delete().where(search_entries.c.version_id == version_id)
            )
            for start in range(0, len(rows), _BATCH):
                batch = [row | {"version_id": version_id} for row in rows[start : start + _BATCH]]
                await conn.execute(search_entries.insert(), batch)
        return True

    async def search(self, query: SearchQuery) -> list[SearchHit]:
        if not query.terms:
            return []
        statement = self._statement(query)

        async def run(conn: AsyncConnection) -> list[SearchHit]:
            rows = (await conn.execute(statement)).all()
            return [
                SearchHit(
                    kind=Kind(row.kind),
                    full_name=row.full_name,
                    module=row.module,
                    version=row.version,
                    file=row.file,
                    line=row.line,
                    comment=row.comment,
                    public=bool(row.public),
                )
                for row in rows
            ]

        return await self._db.read(run)

    def _statement(self, query: SearchQuery) -> sa.Select[tuple[object, ...]]:
        entries = search_entries
        exact = sa.case((entries.c.name == " ".join(query.terms), 0), else_=1)
        columns = (
            entries.c.kind,
            entries.c.full_name,
            entries.c.file,
            entries.c.line,
            entries.c.comment,
            modules.c.name.label("module"),
            modules.c.public,
            versions.c.version,
        )
        if self._db.dialect == "postgresql":
            tsquery = sa.func.to_tsquery(
                sa.literal_column("'simple'::regconfig"),
                " & ".join(f"{term}:*" for term in query.terms),
            )
            document: sa.ColumnClause[object] = sa.column("document")
            rank: sa.ColumnElement[object] = -sa.func.ts_rank(document, tsquery)
            statement = sa.select(*columns).select_from(entries).where(document.op("@@")(tsquery))
        else:
            fts = sa.table("search_fts", sa.column("rowid"))
            match = " AND ".join(f'"{term}"*' for term in query.terms)
            rank = sa.func.bm25(sa.literal_column("search_fts"), _NAME_WEIGHT, 1.0)
            statement = (
                sa.select(*columns)
                .select_from(entries.join(fts, fts.c.rowid == entries.c.id))
                .where(sa.literal_column("search_fts").op("MATCH")(match))
            )
        statement = (
            statement.join(versions, versions.c.id == entries.c.version_id)
            .join(modules, modules.c.id == versions.c.module_id)
            .where(modules.c.deleted_at.is_(None), versions.c.deleted_at.is_(None))
        )
        if query.kind is not None:
            statement = statement.where(entries.c.kind == str(query.kind))
        if query.module is not None:
            statement = statement.where(modules.c.name == query.module)
        if query.public_only:
            statement = statement.where(modules.c.public.is_(True))
        if query.version is not None:
            statement = statement.where(versions.c.version == query.version)
        else:
            statement = statement.where(versions.c.id == _latest_of_module())
        return (
            statement.order_by(exact, rank, entries.c.full_name, entries.c.id)
            .offset(query.offset)
            .limit(query.limit)
        )

    async def unindexed(self, limit: int = 100) -> list[tuple[str, str]]:
        indexed = sa.select(search_entries.c.id).where(search_entries.c.version_id == versions.c.id)
        statement = (
            sa.select(modules.c.name, versions.c.version)
            .join(modules, modules.c.id == versions.c.module_id)
            .where(
                modules.c.deleted_at.is_(None),
                versions.c.deleted_at.is_(None),
                ~sa.exists(indexed),
            )
            .order_by(modules.c.name, versions.c.sort_key.desc())
            .limit(limit)
        )
        async with self._db.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [(str(row.name), str(row.version)) for row in rows]


def _latest_of_module() -> sa.ScalarSelect[object]:
    """The id of the latest version of the outer row's module: the highest release, else
    the highest prerelease (as ``MetadataStore.latest_version``)."""
    other = versions.alias("latest")
    return (
        sa.select(other.c.id)
        .where(other.c.module_id == versions.c.module_id, other.c.deleted_at.is_(None))
        .order_by(other.c.prerelease.asc(), other.c.sort_key.desc())
        .limit(1)
        .correlate(versions)
        .scalar_subquery()
    )
