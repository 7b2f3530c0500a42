"""Records every write, and every request refused for lack of credentials or rights, in the
audit log: who (the principal), what (method and route), when, from where, and the status.
After the response is sent; a failure to record is logged, never the request's failure."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.storage.audit import AuditEvent, AuditLog

log = structlog.get_logger(__name__)
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_DENIED = {401, 403}


class AuditTrail:
    """Innermost middleware: it sees the principal the route's access check set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            audit: AuditLog | None = getattr(scope["app"].state, "audit", None)
            if audit is not None and (scope["method"] in _WRITES or status in _DENIED):
                await self._record(audit, scope, status)

    async def _record(self, audit: AuditLog, scope: Scope, status: int) -> None:
        principal = scope.get("state", {}).get("principal")
        route = getattr(scope.get("route"), "path", scope["path"])
        client = scope.get("client")
        event = AuditEvent(
            at=datetime.now(UTC),
            principal=getattr(principal, "subject", "anonymous"),
            action=f"{scope['method']} {route}",
            target=scope["path"],
            status=status,
            client=client[0] if client else None,
            request_id=structlog.contextvars.get_contextvars().get("request_id"),
        )
        try:
            await audit.record(event)
        except Exception as exc:  # an audit failure must not fail (or hide) the request
            log.error("could not record an audit event", action=event.action, error=str(exc))
