"""``/ui/login`` and ``/ui/logout``: an API key kept in the session cookie.

The forms post JSON (the API takes no other request body), sent by ``static/ui.js``; the
CSRF token of each form must match the one sealed in its cookie (and the cookies are
SameSite=Strict)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from spoke.api.access import Access
from spoke.api.pagination import PageTokens
from spoke.api.ui.rendering import page, render
from spoke.api.ui.session import (
    CSRF_COOKIE,
    SESSION_AGE,
    SESSION_COOKIE,
    csrf_matches,
    new_csrf,
    open_session,
    seal_session,
    set_cookie,
    ui_principal,
)
from spoke.domain.errors import InvalidArgument, SpokeError

router = APIRouter(prefix="/ui", include_in_schema=False)


class LoginIn(BaseModel):
    api_key: str = Field(min_length=1, max_length=512)
    csrf: str = Field(max_length=128)


class LogoutIn(BaseModel):
    csrf: str = Field(max_length=128)


def _safe_next(target: str) -> str:
    """Only a path of this UI: never another site (an open redirect)."""
    if target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/"


@router.get("/login")
@page
async def login_form(
    request: Request, next: Annotated[str, Query(max_length=2048)] = "/ui/"
) -> Response:
    tokens: PageTokens = request.app.state.page_tokens
    await ui_principal(request, request.app.state.access, tokens)
    token, cookie = new_csrf(tokens)
    response = render(
        request, "login.html", title="Sign in", form_csrf=token, next=_safe_next(next), failed=""
    )
    set_cookie(request, response, CSRF_COOKIE, cookie, 3600)
    return response


@router.post("/login")
async def login(request: Request, body: LoginIn) -> Response:
    tokens: PageTokens = request.app.state.page_tokens
    access: Access = request.app.state.access
    if not csrf_matches(tokens, request.cookies.get(CSRF_COOKIE), body.csrf):
        return JSONResponse({"error": "the form has expired: reload the page"}, status_code=403)
    try:
        principal = await access.authenticator.principal(f"Bearer {body.api_key.strip()}")
    except SpokeError:
        principal = None
    if principal is None or not principal.authenticated:
        return JSONResponse({"error": "that API key is not valid"}, status_code=401)
    sealed, _ = seal_session(tokens, body.api_key.strip())
    response = JSONResponse({"subject": principal.subject})
    set_cookie(request, response, SESSION_COOKIE, sealed, SESSION_AGE)
    response.delete_cookie(CSRF_COOKIE, path="/ui")
    return response


@router.post("/logout")
async def logout(request: Request, body: LogoutIn) -> Response:
    tokens: PageTokens = request.app.state.page_tokens
    session = open_session(tokens, request.cookies.get(SESSION_COOKIE))
    if session is not None and session.csrf != body.csrf:
        raise InvalidArgument("the form has expired: reload the page")
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/ui")
    return response
