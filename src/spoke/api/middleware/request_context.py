"""Per-request context: an ``X-Request-ID`` bound to the logs, an access log line, and the
read-your-writes scope of the metadata store."""

from __future__ import annotations

import itertools
import os
import re
import time

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.storage.sql import consistency
from spoke.telemetry.access_log import AccessLog

_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Request ids made here: 32 hex digits, a random half per process and a counter, unique
# across instances without a system call per request (uuid4 reads the OS's random pool).
_PROCESS = os.urandom(8).hex()
_COUNTER = itertools.count(int.from_bytes(os.urandom(4), "big"))


def new_request_id(incoming: bytes | None) -> str:
    """The caller's ``X-Request-ID`` (``incoming``) when it is a safe token, else a new one."""
    if incoming is not None:
        text = incoming.decode("latin-1")
        if _SAFE_ID.fullmatch(text):
            return text
    return f"{_PROCESS}{next(_COUNTER) & 0xFFFFFFFFFFFFFFFF:016x}"


def request_id(scope: Scope) -> str:
    """``new_request_id`` for this request's ``X-Request-ID`` header."""
    incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
    return new_request_id(incoming)


def trace_ids() -> tuple[str, str] | None:
    """The current span's ids (with tracing on), for the access log."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class RequestContext:
    def __init__(self, app: ASGIApp, *, access_log: AccessLog) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: the app may hand us one it keeps (precomputed responses do).
                headers = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid), consistency.scope():
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                principal = scope.get("state", {}).get("principal")
                self.access_log.record(
                    scope["method"],
                    scope["path"],
                    status,
                    started,
                    rid,
                    getattr(principal, "subject", None),
                    trace_ids(),
                )
