"""The audit log port: who did what, when, from where, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Refusals: no credential or a bad one (401), no right (403), and the input guards' and the
# rate limiter's (413, 415, 429, 431). A private module the principal may not read is
# answered 404, like a missing one; reads are recorded only when refused, so a recorded
# read answered 404 is such a refusal.
REFUSED_STATUSES = frozenset({401, 403, 413, 415, 429, 431})
READ_METHODS = ("GET", "HEAD")


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
    denied_only: bool = False  # refusals only (see REFUSED_STATUSES)
    before_id: int | None = None  # keyset: events older than this one
    limit: int = 50


class AuditLog(Protocol):
    async def record(self, event: AuditEvent) -> None: ...

    async def query(self, query: AuditQuery) -> list[AuditEvent]:
        """Newest first."""
        ...
