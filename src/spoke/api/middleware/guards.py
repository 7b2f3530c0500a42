"""Checks on every request before routing: header size (431), body size (413) and body
media type (415).

Pure ASGI, so a too-large body is refused before it is read, and a body without a
``Content-Length`` is cut off as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spoke.api.errors import error_response

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class _BodyTooLarge(Exception):
    pass


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _is_form(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"


# The only routes that take an HTML form's body (the web UI's sign-in and sign-out work
# without JavaScript); every other body is JSON.
FORM_PATHS = frozenset({"/ui/login", "/ui/logout"})

# Request headers beyond this (all of them together) are refused: no client of a schema
# registry needs more, and the server need not hold more.
MAX_HEADER_BYTES = 32 * 1024


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(k) + len(v) for k, v in scope["headers"]) > MAX_HEADER_BYTES:
            response = error_response(
                431,
                "headers_too_large",
                f"the request headers are larger than {MAX_HEADER_BYTES} bytes",
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._refuse_size(scope, receive, send)
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        # No Content-Length and no Transfer-Encoding: no body (curl -X POST sends none).
        has_body = int(length) > 0 if length is not None else b"transfer-encoding" in headers
        form = scope["path"] in FORM_PATHS and _is_form(content_type)
        if has_body and not (_is_json(content_type) or form):
            shown = content_type or "none"
            response = error_response(
                415,
                "unsupported_media_type",
                f"send the body as application/json (Content-Type was {shown})",
            )
            await response(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The app may turn our _BodyTooLarge into an error of its own (FastAPI answers
            # 400 to any failure while reading a body): answer 413 in its place.
            nonlocal started
            if message["type"] == "http.response.start":
                if started:
                    return
                started = True
                if exceeded:
                    await self._refuse_size(scope, receive, send)
                    return
            elif exceeded:
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if not started:
                started = True
                await self._refuse_size(scope, receive, send)

    async def _refuse_size(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            "request_too_large",
            f"the request body is larger than the limit of {self.max_body} bytes",
            {"limit": self.max_body},
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
