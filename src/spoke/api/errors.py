"""The one table from error class to HTTP status, and the one JSON error shape:
``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from spoke.api.middleware import audit
from spoke.auth import Forbidden, HiddenModule, Unauthenticated
from spoke.domain.errors import (
    Conflict,
    InvalidArgument,
    NotFound,
    SpokeError,
    TooLarge,
    Unavailable,
    Unprocessable,
)
from spoke.storage.blobs import BlobNotFound

log = structlog.get_logger(__name__)
#: The package managers' protocols whose clients send HTTP Basic (pip, go), and ask for
#: credentials only after a Basic challenge (``api/routers/sdk_*``; npm sends Bearer).
BASIC_PREFIXES = ("/sdk/python/", "/sdk/go/")

# Most specific first: a class's own entry wins over its base's.
STATUS: dict[type[SpokeError], int] = {
    BlobNotFound: 500,  # metadata points at a missing blob: our fault, never the caller's
    InvalidArgument: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unprocessable: 422,
    Unavailable: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def status_of(error: SpokeError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


class ErrorResponse(JSONResponse):
    """An error in the one shape. A refusal records itself in the audit log once sent: the
    route's access check, the input guards and the rate limiter all answer with one, so
    every refusal is recorded, and nothing is added to the path of an allowed request."""

    def __init__(
        self, content: Any, status: int, headers: dict[str, str] | None, *, refused: bool
    ) -> None:
        super().__init__(content, status_code=status, headers=headers)
        self.refused = refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.refused:
                await audit.record(scope, self.status_code)


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
    *,
    refused: bool | None = None,
) -> Response:
    """``refused``: whether the request was refused (audited); by default, by its status
    (401, 403, 413, 415, 429, 431)."""
    return ErrorResponse(
        {"error": {"code": code, "message": message, "details": details}},
        status,
        headers,
        refused=audit.refused(status) if refused is None else refused,
    )


def _challenge(request: Request) -> str:
    return "Basic" if request.url.path.startswith(BASIC_PREFIXES) else "Bearer"


async def _spoke_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SpokeError)
    status = status_of(exc)
    if status >= 500:
        log.error("request failed", error=exc.code, message=exc.message)
    challenge = f'{_challenge(request)} realm="spoke"'
    headers = {"WWW-Authenticate": challenge} if status == 401 else None
    # A module hidden by the access check is answered like a missing one, but it is a
    # refusal for the audit log.
    refused = True if isinstance(exc, HiddenModule) else None
    return error_response(status, exc.code, exc.message, exc.details, headers, refused=refused)


def _clean(error: Any) -> dict[str, Any]:
    # Drop the offending input: it can be a whole pushed file.
    return {
        "loc": list(error.get("loc", ())),
        "message": error.get("msg", ""),
        "type": error.get("type"),
    }


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_clean(e) for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        return error_response(400, "malformed_json", "the request body is not valid JSON", errors)
    first = errors[0] if errors else {"loc": [], "message": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body")
    return error_response(
        422,
        "invalid_request",
        f"{where}: {first['message']}" if where else str(first["message"]),
        errors,
    )


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = "no such endpoint"
    if exc.status_code == 400 and message == "There was an error parsing the body":
        # FastAPI's answer to a body that is not UTF-8 (or not decodable at all).
        code, message = "malformed_json", "the request body is not valid UTF-8 JSON"
    return error_response(exc.status_code, code, message, None, dict(exc.headers or {}))


async def _unexpected(_: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal", "internal server error")


def install(app: FastAPI) -> None:
    """Register the error handlers once on ``app``."""
    app.add_exception_handler(SpokeError, _spoke_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
