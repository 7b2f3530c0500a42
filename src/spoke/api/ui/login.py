"""``/ui/login`` and ``/ui/logout``: an API key kept in the session cookie.

The forms post as HTML forms do (``application/x-www-form-urlencoded``, answered with a
redirect or the page again: no JavaScript needed), or as JSON from ``static/ui.js``; the
CSRF token of each form must match the one sealed in its cookie (and the cookies are
SameSite=Strict)."""

from __future__ import annotations

from typing import Annotated, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
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
_Form = TypeVar("_Form", bound=BaseModel)


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


def _is_form(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/x-www-form-urlencoded"


async def _fields(request: Request, model: type[_Form]) -> _Form:
    """The posted fields, from an HTML form or a JSON body; 400 when they do not fit."""
    raw = await request.body()
    try:
        if _is_form(request):
            pairs = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
            return model.model_validate({name: values[-1] for name, values in pairs.items()})
        return model.model_validate_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument("the form is incomplete: reload the page") from exc


@router.post("/login")
async def login(request: Request) -> Response:
    body = await _fields(request, LoginIn)
    form = _is_form(request)
    next_page = _safe_next(request.query_params.get("next", "/ui/"))
    tokens: PageTokens = request.app.state.page_tokens
    access: Access = request.app.state.access
    if not csrf_matches(tokens, request.cookies.get(CSRF_COOKIE), body.csrf):
        problem, status = "the form has expired: reload the page", 403
    else:
        try:
            principal = await access.authenticator.principal(f"Bearer {body.api_key.strip()}")
        except SpokeError:
            principal = None
        if principal is not None and principal.authenticated:
            sealed, _ = seal_session(tokens, body.api_key.strip())
            response: Response = (
                RedirectResponse(next_page, status_code=303)
                if form
                else JSONResponse({"subject": principal.subject})
            )
            set_cookie(request, response, SESSION_COOKIE, sealed, SESSION_AGE)
            response.delete_cookie(CSRF_COOKIE, path="/ui")
            return response
        problem, status = "that API key is not valid", 401
    if not form:
        return JSONResponse({"error": problem}, status_code=status)
    token, cookie = new_csrf(tokens)  # the page again, with a fresh form
    again = render(
        request, "login.html", title="Sign in", form_csrf=token, next=next_page, failed=problem
    )
    again.status_code = status
    set_cookie(request, again, CSRF_COOKIE, cookie, 3600)
    return again


@router.post("/logout")
async def logout(request: Request) -> Response:
    body = await _fields(request, LogoutIn)
    tokens: PageTokens = request.app.state.page_tokens
    session = open_session(tokens, request.cookies.get(SESSION_COOKIE))
    if session is not None and session.csrf != body.csrf:
        raise InvalidArgument("the form has expired: reload the page")
    response: Response = (
        RedirectResponse("/ui/", status_code=303)
        if _is_form(request)
        else JSONResponse({"signed_out": True})
    )
    response.delete_cookie(SESSION_COOKIE, path="/ui")
    return response
