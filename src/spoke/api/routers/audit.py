"""``/audit``: the audit log, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from spoke.api.access import requires
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken, PageTokensDep
from spoke.api.schemas import Page, error_responses
from spoke.domain.access import Permission
from spoke.storage.audit import AuditEvent, AuditLog, AuditQuery

router = APIRouter(prefix="/audit", tags=["audit"])
DENIED = "Only refused requests: 401, 403, 413, 415, 429, 431, and reads of hidden modules (404)."


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


@router.get(
    "",
    responses=error_responses(400, 401, 403),
    dependencies=[requires(Permission.ADMIN, per_module=False)],
)
async def list_audit_events(
    request: Request,
    tokens: PageTokensDep,
    principal: Annotated[str | None, Query(max_length=300)] = None,
    action: Annotated[
        str | None, Query(max_length=200, description="A prefix: POST, DELETE /modules, …")
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    denied: Annotated[bool, Query(description=DENIED)] = False,
    limit: Limit = DEFAULT_LIMIT,
    page_token: PageToken = None,
) -> Page[AuditEventOut]:
    """Events, newest first."""
    # Sealed for this query's filters: a token is no way to widen them.
    listing = f"audit:{principal}:{action}:{since}:{until}:{denied}"
    before = tokens.open(page_token, listing)
    audit: AuditLog = request.app.state.audit
    found = await audit.query(
        AuditQuery(
            principal=principal,
            action=action,
            since=since,
            until=until,
            denied_only=denied,
            before_id=int(before) if before else None,
            limit=limit + 1,
        )
    )
    items, next_token = tokens.page(found, limit, lambda e: str(e.id), listing)
    return Page(items=[AuditEventOut.of(e) for e in items], next_page_token=next_token)
