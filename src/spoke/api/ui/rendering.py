"""Pages: Jinja2 templates (autoescaped: everything a user wrote is text unless a page
marks it safe after sanitising it), a strict Content-Security-Policy, and the friendly
error page every UI route answers a domain error with."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ParamSpec
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spoke.api.errors import status_of
from spoke.auth import Unauthenticated
from spoke.domain.errors import SpokeError

P = ParamSpec("P")
_HERE = Path(__file__).parent

#: Nothing but this origin's stylesheet and scripts; no inline script or style, no
#: framing, forms post only here.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,  # every template, whatever its name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def url_path(text: str) -> str:
    """A path segment (or a file path, its slashes kept) quoted for a URL."""
    return quote(text, safe="/")


environment.filters["u"] = url_path


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    user = getattr(request.state, "ui_user", None)
    html = environment.get_template(template).render(
        user=user, csrf=getattr(request.state, "ui_csrf", ""), **context
    )
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def error_page(request: Request, error: SpokeError) -> Response:
    status = status_of(error)
    if isinstance(error, Unauthenticated):
        return login_redirect(request)
    title = {404: "Not found", 400: "Bad request", 403: "Forbidden"}.get(status, "Error")
    return render(request, "error.html", status=status, title=title, message=error.message)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Response(
        status_code=303,
        headers={"Location": f"/ui/login?next={quote(target, safe='')}", **_HEADERS},
    )


def page(
    handler: Callable[P, Awaitable[Response]],
) -> Callable[P, Awaitable[Response]]:
    """A UI route: a domain error becomes the friendly error page with its status (a
    missing credential in ``required`` mode: the login page)."""

    @functools.wraps(handler)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await handler(*args, **kwargs)
        except SpokeError as error:
            request = kwargs.get("request")
            assert isinstance(request, Request)
            return error_page(request, error)

    return wrapped
