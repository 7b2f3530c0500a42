"""Bodies of ``/audit`` (``routers/audit.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from spoke.storage.audit import AuditEvent


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    principal: str
    action: str
    target: str
    status: int
    client: str | None
    request_id: str | None

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        assert event.id is not None
        return cls(
            id=event.id,
            at=event.at,
            principal=event.principal,
            action=event.action,
            target=event.target,
            status=event.status,
            client=event.client,
            request_id=event.request_id,
        )
