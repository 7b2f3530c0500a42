"""``KeyStore`` in the metadata database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from spoke.storage.keys import KeyNotFound, KeyRecord, NewKey
from spoke.storage.metadata import timestamps
from spoke.storage.metadata.tables import api_keys
from spoke.storage.sql import Database


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else timestamps.utc(value)


def _record(row: sa.Row[Any]) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        grants=row.grants,
        created_by=row.created_by,
        created_at=_utc(row.created_at) or timestamps.now(),
        expires_at=_utc(row.expires_at),
        revoked_at=_utc(row.revoked_at),
        last_used_at=_utc(row.last_used_at),
    )


class SqlKeyStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(self, key: NewKey) -> KeyRecord:
        async with self._db.begin() as conn:
            row = (
                await conn.execute(
                    api_keys.insert()
                    .values(
                        name=key.name,
                        prefix=key.prefix,
                        secret_hash=key.secret_hash,
                        grants=key.grants,
                        created_by=key.created_by,
                        created_at=timestamps.now(),
                        expires_at=key.expires_at,
                    )
                    .returning(*api_keys.c)
                )
            ).one()
        return _record(row)

    async def by_prefix(self, prefix: str) -> KeyRecord | None:
        async with self._db.connect() as conn:
            row = (await conn.execute(api_keys.select().where(api_keys.c.prefix == prefix))).first()
        return None if row is None else _record(row)

    async def list(self, *, after: int | None, limit: int) -> list[KeyRecord]:
        query = api_keys.select().order_by(api_keys.c.id).limit(limit)
        if after is not None:
            query = query.where(api_keys.c.id > after)
        async with self._db.connect() as conn:
            return [_record(row) for row in (await conn.execute(query)).all()]

    async def revoke(self, key_id: int) -> KeyRecord:
        async with self._db.begin() as conn:
            await conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=timestamps.now())
            )
            row = (await conn.execute(api_keys.select().where(api_keys.c.id == key_id))).first()
        if row is None:
            raise KeyNotFound(key_id)
        return _record(row)

    async def touch(self, key_id: int, at: datetime) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                api_keys.update()
                .where(
                    api_keys.c.id == key_id,
                    sa.or_(
                        api_keys.c.last_used_at.is_(None),
                        api_keys.c.last_used_at < at - timedelta(minutes=1),
                    ),
                )
                .values(last_used_at=at)
            )

    async def active_count(self) -> int:
        now = timestamps.now()
        async with self._db.connect() as conn:
            result = await conn.execute(
                sa.select(sa.func.count())
                .select_from(api_keys)
                .where(
                    api_keys.c.revoked_at.is_(None),
                    sa.or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now),
                )
            )
            return int(result.scalar_one())
