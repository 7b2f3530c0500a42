"""The audit log's one recorder: every write, and every refused request, with who (the
principal, or the credential presented when none was verified), what (method and route;
the path when refused before routing), when, from where, and the status. After the
response is sent; a failure to record is logged, never the request's failure.

Two callers, and nothing on the path of an allowed read: ``AuditTrail`` (innermost
middleware) records writes; every refusal, whoever answers it (the access check, the input
guards, the rate limiter), is an ``api.errors`` error response, which records itself. Each
request is recorded once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.storage.audit import REFUSED_STATUSES, AuditEvent, AuditLog

log = structlog.get_logger(__name__)
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_RECORDED = "spoke.audited"
# The refusals answered before any lookup, so that a flood of them stays cheap (the rate
# limiter exists to absorb floods): one event per status and client address per window
# on each instance, the rest only in the access log.
_FLOODABLE = frozenset({413, 415, 429, 431})
REPEAT_WINDOW = 10.0


class Repeats:
    """Which (status, client) pairs were recorded in the last ``window`` seconds; at most
    ``size`` remembered (the oldest forgotten first)."""

    def __init__(self, window: float = REPEAT_WINDOW, size: int = 10_000) -> None:
        self.window = window
        self.size = size
        self._seen: OrderedDict[tuple[int, str], float] = OrderedDict()

    def first(self, key: tuple[int, str], now: float) -> bool:
        """Whether ``key`` is new in its window (and then remember it)."""
        seen = self._seen.get(key)
        if seen is not None and now - seen < self.window:
            return False
        self._seen[key] = now
        self._seen.move_to_end(key)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


async def record(scope: Scope, status: int) -> None:
    """Record the request of ``scope`` in the audit log, once per request."""
    state = scope.setdefault("state", {})
    app = scope.get("app")
    audit: AuditLog | None = getattr(getattr(app, "state", None), "audit", None)
    if state.get(_RECORDED) or audit is None:
        return
    state[_RECORDED] = True
    client = scope.get("client")
    address = client[0] if client else None
    if status in _FLOODABLE and not _repeats(app).first((status, address or ""), time.monotonic()):
        return
    event = AuditEvent(
        at=datetime.now(UTC),
        principal=_principal(scope, app),
        action=f"{scope['method']} {_route(scope)}",
        target=scope["path"],
        status=status,
        client=address,
        request_id=structlog.contextvars.get_contextvars().get("request_id"),
    )
    try:
        await audit.record(event)
    except Exception as exc:  # an audit failure must not fail (or hide) the request
        log.error("could not record an audit event", action=event.action, error=str(exc))


def refused(status: int) -> bool:
    return status in REFUSED_STATUSES


def _principal(scope: Scope, app: Any) -> str:
    """The principal the access check verified; else what the request presented."""
    principal = scope.get("state", {}).get("principal")
    if principal is not None:
        return str(principal.subject)
    access = getattr(app.state, "access", None)
    if access is None:
        return "anonymous"
    header = next((v for k, v in scope.get("headers", ()) if k == b"authorization"), None)
    presented: str = access.authenticator.presented(header.decode("latin-1") if header else None)
    return presented


def _route(scope: Scope) -> str:
    """The route's template (``/modules/{name}``); the path for a request refused before it
    was routed."""
    return str(getattr(scope.get("route"), "path", scope["path"]))


def _repeats(app: Any) -> Repeats:
    repeats: Repeats | None = getattr(app.state, "audit_repeats", None)
    if repeats is None:
        repeats = app.state.audit_repeats = Repeats()
    return repeats


class AuditTrail:
    """Innermost middleware, so it sees the principal the route's access check set; after
    the hot reads, which are never writes nor refusals."""

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
            # Refusals record themselves as they are answered; this catches any other.
            if scope["method"] in _WRITES or refused(status):
                await record(scope, status)
