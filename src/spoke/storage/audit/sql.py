"""``AuditLog`` in the metadata database."""

from __future__ import annotations

import sqlalchemy as sa

from spoke.storage.audit import READ_METHODS, REFUSED_STATUSES, AuditEvent, AuditQuery
from spoke.storage.metadata import timestamps
from spoke.storage.metadata.tables import audit_log
from spoke.storage.sql import Database


class SqlAuditLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(self, event: AuditEvent) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                audit_log.insert().values(
                    at=event.at,
                    principal=event.principal,
                    action=event.action[:200],
                    target=event.target,
                    status=event.status,
                    client=event.client,
                    request_id=event.request_id,
                )
            )

    async def query(self, query: AuditQuery) -> list[AuditEvent]:
        statement = audit_log.select().order_by(audit_log.c.id.desc()).limit(query.limit)
        if query.principal:
            statement = statement.where(audit_log.c.principal == query.principal)
        if query.action:
            statement = statement.where(
                audit_log.c.action.startswith(query.action, autoescape=True)
            )
        if query.since:
            statement = statement.where(audit_log.c.at >= query.since)
        if query.until:
            statement = statement.where(audit_log.c.at < query.until)
        if query.denied_only:
            hidden = sa.and_(
                audit_log.c.status == 404,
                sa.or_(*(audit_log.c.action.startswith(f"{m} ") for m in READ_METHODS)),
            )
            statement = statement.where(
                sa.or_(audit_log.c.status.in_(sorted(REFUSED_STATUSES)), hidden)
            )
        if query.before_id is not None:
            statement = statement.where(audit_log.c.id < query.before_id)
        async with self._db.connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [
            AuditEvent(
                id=row.id,
                at=timestamps.utc(row.at),
                principal=row.principal,
                action=row.action,
                target=row.target,
                status=row.status,
                client=row.client,
                request_id=row.request_id,
            )
            for row in rows
        ]
