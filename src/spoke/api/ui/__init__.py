"""The web UI: server-rendered pages under ``/ui/`` (Jinja2, autoescaped), readable without
JavaScript, with a strict Content-Security-Policy; the same access rules as the API.

``router`` holds every page, the static files, and a friendly 404 for any other path."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from spoke.api.ui import browse, diff, docs, downloads, login
from spoke.api.ui.rendering import CSP, page, render

_STATIC = Path(__file__).parent / "static"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

router = APIRouter(include_in_schema=False)
router.include_router(browse.router)
router.include_router(docs.router)
router.include_router(diff.router)
router.include_router(downloads.router)
router.include_router(login.router)


@router.get("/ui")
async def ui_root() -> Response:
    return Response(status_code=308, headers={"Location": "/ui/"})


@router.get("/ui/static/{name}")
async def static(name: str) -> Response:
    path = _STATIC / name
    if "/" in name or path.suffix not in _TYPES or not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(
        path,
        media_type=_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600", "Content-Security-Policy": CSP},
    )


@router.get("/ui/{rest:path}")
@page
async def not_found(request: Request, rest: str) -> Response:
    return render(
        request, "error.html", status=404, title="Not found", message="There is no such page."
    )
