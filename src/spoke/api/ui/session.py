"""Who a UI request acts as: an API key kept in a session cookie (sealed with AES-GCM
under the instance-shared page-token key, bound to its own purpose as associated data, so
it is opaque, tamper-evident, and no page token can pass for one), or the credential in an
``Authorization`` header, or nobody.

The cookie is ``Secure`` (on HTTPS requests), ``HttpOnly`` and ``SameSite=Strict``; the
login and logout forms carry a CSRF token that must match the one sealed in a cookie.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response

from spoke.api.access import Access
from spoke.api.pagination import PageTokens
from spoke.auth import Principal
from spoke.domain.errors import InvalidArgument

SESSION_COOKIE = "spoke_session"
CSRF_COOKIE = "spoke_csrf"
#: A session lasts this long (seconds); then the login page asks again.
SESSION_AGE = 12 * 3600
_SESSION = "ui-session:v1"
_CSRF = "ui-csrf:v1"


@dataclass(frozen=True)
class Session:
    key: str
    csrf: str
    expires: float


def seal_session(tokens: PageTokens, key: str) -> tuple[str, Session]:
    session = Session(key, secrets.token_urlsafe(24), time.time() + SESSION_AGE)
    plain = json.dumps({"k": session.key, "c": session.csrf, "e": session.expires})
    return tokens.seal(plain, _SESSION), session


def open_session(tokens: PageTokens, cookie: str | None) -> Session | None:
    if not cookie:
        return None
    try:
        opened = tokens.open(cookie, _SESSION)
        data = json.loads(opened or "")
        session = Session(str(data["k"]), str(data["c"]), float(data["e"]))
    except (InvalidArgument, ValueError, KeyError, TypeError):
        return None
    return session if session.expires > time.time() else None


def set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/ui",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def new_csrf(tokens: PageTokens) -> tuple[str, str]:
    """A fresh CSRF token for a form, and the sealed cookie that vouches for it."""
    token = secrets.token_urlsafe(24)
    return token, tokens.seal(token, _CSRF)


def csrf_matches(tokens: PageTokens, cookie: str | None, sent: str) -> bool:
    try:
        expected = tokens.open(cookie, _CSRF) if cookie else None
    except InvalidArgument:
        return False
    return expected is not None and bool(sent) and hmac.compare_digest(expected, sent)


async def ui_principal(request: Request, access: Access, tokens: PageTokens) -> Principal:
    """The request's principal: the ``Authorization`` header's, else the session's (an
    expired or revoked key: anonymous), else anonymous. Remembered on the request."""
    if request.headers.get("authorization"):
        principal = await access.principal(request)
    else:
        session = open_session(tokens, request.cookies.get(SESSION_COOKIE))
        principal = await access.authenticator.principal(None)
        if session is not None:
            try:
                principal = await access.authenticator.principal(f"Bearer {session.key}")
            except Exception:
                session = None
        request.state.principal = principal
        request.state.ui_csrf = session.csrf if session else ""
    request.state.ui_user = principal.subject if principal.authenticated else None
    return principal
