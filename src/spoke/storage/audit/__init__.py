"""The audit log port: who did what, when, from where, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    principal: str
    action: str
    target: str
    status: int
    client: str | None
    request_id: str | None
    id: int | None = None


@dataclass(frozen=True)
class AuditQuery:
    principal: str | None = None
    action: str | None = None  # a prefix, such as "POST" or "DELETE /modules"
    since: datetime | None = None
    until: datetime | None = None
    denied_only: bool = False
    before_id: int | None = None  # keyset: events older than this one
    limit: int = 50


class AuditLog(Protocol):
    async def record(self, event: AuditEvent) -> None: ...

    async def query(self, query: AuditQuery) -> list[AuditEvent]:
        """Newest first."""
        ...
