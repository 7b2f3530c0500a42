"""``/audit``: the audit log, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from spoke.api.deps import AuditDep, PageTokensDep, requires
from spoke.api.models.audit import AuditEventOut
from spoke.api.models.common import Page, error_responses
from spoke.api.pagination import DEFAULT_LIMIT, Limit, PageToken
from spoke.domain.access import Permission
from spoke.storage.audit import AuditQuery

router = APIRouter(prefix="/audit", tags=["audit"])
DENIED = "Only refused requests: 401, 403, 413, 415, 429, 431, and reads of hidden modules (404)."


@router.get(
    "",
    responses=error_responses(400, 401, 403),
    dependencies=[requires(Permission.ADMIN, per_module=False)],
)
async def list_audit_events(
    audit: AuditDep,
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
